// Why a start (or a command) could not begin, told in Swedish with what to do — the app's own
// commands, never a library's advice — instead of a stack trace. Used by server/index.ts and
// server/cli.ts; anything not recognised here is reported as it is.
import os from 'node:os';
import path from 'node:path';
import { sqliteFileOf, type Config } from './config';
import { cliCommand } from './lib/paths';

interface SystemError {
  code?: string;
  errno?: number;
  name?: string;
  message?: string;
  syscall?: string;
  path?: string;
}

/** Thrown by the start when the HTTP server cannot listen. */
export class ListenError extends Error {
  constructor(
    readonly reason: SystemError,
    readonly port: number,
    readonly host: string,
  ) {
    super(reason.message);
    this.name = 'ListenError';
  }
}

function user(): string {
  try {
    return os.userInfo().username;
  } catch {
    return String(process.getuid?.() ?? '?');
  }
}

function listenMessage(e: ListenError): string {
  if (e.reason.code === 'EADDRINUSE')
    return (
      `Porten ${e.port} används redan på ${e.host} (kör Partnerpuls redan, eller ett annat program?).\n` +
      `Stoppa det andra programmet (t.ex. systemctl stop partnerpuls), eller välj en annan port: PORT=${e.port + 1} npm start.`
    );
  if (e.reason.code === 'EACCES')
    return `Porten ${e.port} kräver rättigheter som användaren ${user()} inte har. Välj en port över 1024 (PORT=3000) och låt en omvänd proxy (nginx) ta emot port 80/443.`;
  return `Partnerpuls kan inte lyssna på ${e.host}:${e.port}: ${e.reason.message ?? e.reason.code}. Kontrollera PORT och HOST.`;
}

function sqliteMessage(e: SystemError, file: string): string | null {
  const code = e.code ?? '';
  const dir = path.dirname(file);
  const restore = `Återställ den senaste säkerhetskopian: ${cliCommand('restore FIL')} (se docs/drift.md).`;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT')
    return `Databasfilen ${file} är ingen SQLite-databas eller är skadad (${code}). Kontrollera DATABASE_URL. ${restore}`;
  if (code === 'SQLITE_READONLY')
    return `Databasen ${file} är skrivskyddad. Användaren ${user()} måste få skriva i filen och i mappen ${dir} (chown ${user()} ${dir} ${file}; chmod 700 ${dir}; chmod 600 ${file}).`;
  if (code === 'SQLITE_CANTOPEN' || ['EACCES', 'EPERM', 'ENOTDIR', 'EEXIST', 'ENOENT', 'EROFS'].includes(code))
    return (
      `Databasen ${file} kan inte öppnas eller skapas (${code}). Kontrollera att mappen ${dir} finns och är en mapp, ` +
      `och att användaren ${user()} får läsa och skriva i den (chown ${user()} ${dir}; chmod 700 ${dir}), eller ange en annan plats med DATABASE_URL=file:SÖKVÄG.`
    );
  return null;
}

function postgresMessage(e: SystemError): string | null {
  const code = e.code ?? '';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EAI_AGAIN')
    return `PostgreSQL-servern i DATABASE_URL svarar inte (${code}). Kontrollera att den kör och att värd och port stämmer.`;
  if (code === '28P01' || code === '28000')
    return 'PostgreSQL godtar inte användaren eller lösenordet i DATABASE_URL. Kontrollera dem (och pg_hba.conf).';
  if (code === '3D000') return 'Databasen i DATABASE_URL finns inte på PostgreSQL-servern. Skapa den (createdb) eller rätta namnet.';
  return null;
}

function migrationMessage(e: SystemError): string | null {
  const message = e.message ?? '';
  if (e.name === 'MigrationLocked')
    return (
      'Databasen är låst för uppdatering (migrering): en annan Partnerpuls-instans uppdaterar den just nu, eller en tidigare ' +
      `uppdatering avbröts. Vänta en stund och starta igen. Om ingen annan instans startar: ${cliCommand('migrate --unlock')}, starta sedan igen.`
    );
  const missing = /the following files are missing: (.+)$/.exec(message);
  if (missing)
    return (
      `Databasen har uppdateringar som den här versionen av Partnerpuls inte känner till (${missing[1]}): den har körts med en nyare version. ` +
      `Starta den nyare versionen igen, eller återställ säkerhetskopian från före uppgraderingen: ${cliCommand('restore FIL')}.`
    );
  return null;
}

/** Thrown by the start when a migration fails (wraps knex's error). */
export class MigrationError extends Error {
  constructor(readonly reason: SystemError) {
    super(reason.message);
    this.name = 'MigrationError';
  }
}

/** The Swedish explanation of a failed start, or null when the error is not one we know. */
export function explainStartupError(err: unknown, config: Config): string | null {
  if (err instanceof ListenError) return listenMessage(err);
  const e = (err instanceof MigrationError ? err.reason : err) as SystemError;
  const file = sqliteFileOf(config.databaseUrl);
  const known = migrationMessage(e) ?? (file ? sqliteMessage(e, file) : postgresMessage(e));
  if (known) return known;
  if (err instanceof MigrationError)
    return (
      `Databasuppdateringen (migrering) misslyckades: ${e.message}\nDatabasen är oförändrad för den migrering som misslyckades. ` +
      `Starta föregående version igen, eller återställ säkerhetskopian från före uppgraderingen: ${cliCommand('restore FIL')}; rapportera felet.`
    );
  return null;
}
