// What an operator has not yet set up, printed at a production start (NODE_ENV=production).
import type { Config } from '../config';
import type { Deps } from '../deps';
import { cliCommand } from '../lib/paths';
import { lastBackupAt } from './backup';

const BACKUP_MAX_AGE_MS = 2 * 86400_000;

function settingsItems(config: Config): string[] {
  const items: string[] = [];
  if (!config.baseUrl.startsWith('https://'))
    items.push(
      `BASE_URL är ${config.baseUrl}: sätt den publika https-adressen (BASE_URL=https://partnerpuls.region.se) — säkra cookies och HSTS kräver det.`,
    );
  if (!config.smtpUrl) items.push(`SMTP_URL är inte satt: e-post skickas inte utan skrivs som filer i ${config.outboxDir}.`);
  if (config.trustProxy === false)
    items.push(
      'TRUST_PROXY är inte satt: bakom en omvänd proxy (nginx), sätt TRUST_PROXY=1 så att besökarnas adresser (och hastighetsgränserna) stämmer.',
    );
  if (!config.sessionSecret && !config.databaseUrl.startsWith('file:'))
    items.push('SESSION_SECRET är inte satt: med flera instanser måste alla ha samma värde (minst 32 tecken).');
  return items;
}

function backupItem(deps: Pick<Deps, 'config'>, now: Date): string | null {
  if (!deps.config.databaseUrl.startsWith('file:'))
    return 'Säkerhetskopiering: PostgreSQL kopieras med pg_dump (kan inte kontrolleras härifrån) — se docs/drift.md.';
  const at = lastBackupAt(deps.config);
  if (at && now.getTime() - at.getTime() < BACKUP_MAX_AGE_MS) return null;
  return (
    `Ingen säkerhetskopia de senaste två dygnen (senaste: ${at ? at.toISOString().slice(0, 16).replace('T', ' ') + ' UTC' : 'aldrig'}): ` +
    `${cliCommand('backup FIL')}, varje natt med timern i deploy/ (docs/drift.md).`
  );
}

/** The lines of the checklist; empty when everything is set. */
export function productionChecklist(deps: Pick<Deps, 'config'>, now = new Date()): string[] {
  const items = settingsItems(deps.config);
  const backup = backupItem(deps, now);
  if (backup) items.push(backup);
  return items;
}
