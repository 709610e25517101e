// Typed configuration from the environment, validated once at start.
// Every value has a safe default so a bare `npm start` works; every bad value gets
// its own message in Swedish naming the variable.
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { PACKAGE_ROOT } from './lib/paths';
import { parseSignInConfig, type SignInConfig } from './sign-in-config';

export interface Config {
  env: 'development' | 'production' | 'test';
  port: number;
  host: string;
  baseUrl: string;
  databaseUrl: string;
  sessionSecret: string | null; // null → generated and kept in data/ (see deps)
  dataDir: string;
  outboxDir: string;
  surveysDir: string;
  smtpUrl: string | null;
  /** An optional mailbox (imap:// or imaps://, with user and password) where delivery reports arrive; read by the worker. */
  bounceImapUrl: string | null;
  smtpRatePerSecond: number;
  smtpMaxConnections: number;
  smtpTlsRejectUnauthorized: boolean;
  mailFrom: string;
  regionName: string;
  strategyName: string;
  retentionMonths: number;
  demo: boolean;
  trustProxy: string | number | boolean;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  defaultLocale: 'sv' | 'en';
  accessibilityContact: string;
  privacyContact: string;
  outboxWorker: boolean;
  mailMaxAttempts: number;
  /** The views/ folder (the package's own; tests may point it elsewhere). */
  viewsDir: string;
  /** Compiled templates kept in memory (VIEW_CACHE, on unless `npm run dev`). */
  viewCache: boolean;
  /** Daily housekeeping (purge, expired sessions …) at this Swedish time "HH:MM", or null (off). */
  housekeepingAt: string | null;
  /** How long a stop (SIGTERM/SIGINT) may take before the process exits anyway. */
  shutdownTimeoutMs: number;
  /** How long an idle kept-alive connection stays open (longer than the proxy's in front). */
  keepAliveTimeoutMs: number;
  /** How long the start waits for another instance's migration lock before giving up. */
  migrationLockWaitMs: number;
  /** The Chromium that draws the report's PDF; null: none found (the PDF download says so). */
  chromiumPath: string | null;
  /** staff sign-in: OIDC providers, the password form, two-factor, session lifetime (sign-in-config.ts) */
  signIn: SignInConfig;
}

export class ConfigError extends Error {
  constructor(public readonly problems: string[]) {
    super(`Ogiltig konfiguration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const bool = (name: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      const s = v.trim().toLowerCase();
      if (['1', 'true', 'yes', 'ja', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'nej', 'off'].includes(s)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} ska vara true eller false (fick "${v}")` });
      return z.NEVER;
    });

const int = (name: string, min: number, max: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      if (!/^\d+$/.test(v.trim()) || Number(v) < min || Number(v) > max) {
        ctx.addIssue({ code: 'custom', message: `${name} ska vara ett heltal ${min}–${max} (fick "${v}")` });
        return z.NEVER;
      }
      return Number(v);
    });

const url = (name: string, protocols: string[]) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      try {
        const u = new URL(v);
        if (!protocols.includes(u.protocol)) throw new Error('protocol');
        return v;
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: `${name} ska vara en adress som börjar med ${protocols.map((p) => p + '//').join(' eller ')} (fick "${v}")`,
        });
        return z.NEVER;
      }
    });

const envSchema = z.object({
  NODE_ENV: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return 'development' as const;
      if (v === 'development' || v === 'production' || v === 'test') return v;
      ctx.addIssue({ code: 'custom', message: `NODE_ENV ska vara development, production eller test (fick "${v}")` });
      return z.NEVER;
    }),
  PORT: int('PORT', 0, 65535),
  HOST: z.string().optional(),
  BASE_URL: url('BASE_URL', ['http:', 'https:']),
  DATABASE_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '') return undefined;
      if (/^postgres(ql)?:\/\//.test(v) || /^file:.+/.test(v)) return v;
      ctx.addIssue({
        code: 'custom',
        message: `DATABASE_URL ska börja med postgres:// eller file: (fick "${v.replace(/\/\/[^@]*@/, '//***@')}")`,
      });
      return z.NEVER;
    }),
  SESSION_SECRET: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || v.length >= 32, { message: 'SESSION_SECRET ska vara minst 32 tecken lång' }),
  DATA_DIR: z.string().optional(),
  OUTBOX_DIR: z.string().optional(),
  SURVEYS_DIR: z.string().optional(),
  SMTP_URL: url('SMTP_URL', ['smtp:', 'smtps:']),
  BOUNCE_IMAP_URL: url('BOUNCE_IMAP_URL', ['imap:', 'imaps:']),
  SMTP_RATE_PER_SECOND: int('SMTP_RATE_PER_SECOND', 1, 10000),
  SMTP_MAX_CONNECTIONS: int('SMTP_MAX_CONNECTIONS', 1, 100),
  SMTP_TLS_REJECT_UNAUTHORIZED: bool('SMTP_TLS_REJECT_UNAUTHORIZED'),
  MAIL_FROM: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || /<?[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>?$/.test(v), {
      message: 'MAIL_FROM ska vara en e-postadress, t.ex. "Partnerpuls <noreply@region.se>"',
    }),
  REGION_NAME: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.trim().length > 0, { message: 'REGION_NAME får inte vara tomt' }),
  STRATEGY_NAME: z.string().optional(),
  RETENTION_MONTHS: int('RETENTION_MONTHS', 1, 600),
  DEMO: bool('DEMO'),
  TRUST_PROXY: z.string().optional(),
  LOG_LEVEL: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(v), {
      message: 'LOG_LEVEL ska vara en av fatal, error, warn, info, debug, trace, silent',
    }),
  DEFAULT_LOCALE: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || v === 'sv' || v === 'en', { message: 'DEFAULT_LOCALE ska vara sv eller en' }),
  ACCESSIBILITY_CONTACT: z.string().optional(),
  PRIVACY_CONTACT: z.string().optional(),
  OUTBOX_WORKER: bool('OUTBOX_WORKER'),
  MAIL_MAX_ATTEMPTS: int('MAIL_MAX_ATTEMPTS', 1, 100),
  VIEW_CACHE: bool('VIEW_CACHE'),
  HOUSEKEEPING_AT: z
    .string()
    .optional()
    .refine((v) => v === undefined || v === '' || v === 'off' || /^([01]\d|2[0-3]):[0-5]\d$/.test(v), {
      message: 'HOUSEKEEPING_AT ska vara en tid TT:MM (svensk tid), t.ex. 03:00, eller off',
    }),
  SHUTDOWN_TIMEOUT_SECONDS: int('SHUTDOWN_TIMEOUT_SECONDS', 1, 3600),
  KEEP_ALIVE_TIMEOUT_SECONDS: int('KEEP_ALIVE_TIMEOUT_SECONDS', 1, 3600),
  MIGRATION_LOCK_WAIT_SECONDS: int('MIGRATION_LOCK_WAIT_SECONDS', 0, 3600),
  CHROMIUM_PATH: z.string().optional(),
});

function parseTrustProxy(v: string | undefined): string | number | boolean {
  if (v === undefined || v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v; // e.g. "loopback" or "10.0.0.1" – passed to express as is
}

type Env = z.output<typeof envSchema>;

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => i.message));
  }
  const e = parsed.data;
  const signInProblems: string[] = [];
  const signIn = parseSignInConfig(env, signInProblems);
  if (signInProblems.length) throw new ConfigError(signInProblems);
  return { ...serverSettings(e, cwd), ...mailSettings(e), ...regionSettings(e), ...operationSettings(e), signIn };
}

/** Where the app listens, its address, database, folders, logging and proxy trust. */
function serverSettings(
  e: Env,
  cwd: string,
): Pick<
  Config,
  | 'env'
  | 'port'
  | 'host'
  | 'baseUrl'
  | 'databaseUrl'
  | 'sessionSecret'
  | 'dataDir'
  | 'outboxDir'
  | 'surveysDir'
  | 'demo'
  | 'trustProxy'
  | 'logLevel'
> {
  const port = e.PORT ?? 3000;
  const dataDir = path.resolve(cwd, e.DATA_DIR || 'data');
  return {
    env: e.NODE_ENV,
    port,
    host: e.HOST || '0.0.0.0',
    baseUrl: (e.BASE_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    databaseUrl: e.DATABASE_URL ?? `file:${path.join(dataDir, 'partnerpuls.sqlite')}`,
    sessionSecret: e.SESSION_SECRET || null,
    dataDir,
    outboxDir: path.resolve(cwd, e.OUTBOX_DIR || path.join(dataDir, 'outbox')),
    surveysDir: e.SURVEYS_DIR ? path.resolve(cwd, e.SURVEYS_DIR) : path.join(PACKAGE_ROOT, 'surveys'),
    // the demo partnership for a newcomer's first start; never by itself in production or tests
    demo: e.DEMO ?? e.NODE_ENV === 'development',
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    logLevel: (e.LOG_LEVEL || (e.NODE_ENV === 'test' ? 'silent' : 'info')) as Config['logLevel'],
  };
}

/** How e-mail is sent. */
function mailSettings(
  e: Env,
): Pick<
  Config,
  | 'smtpUrl'
  | 'bounceImapUrl'
  | 'smtpRatePerSecond'
  | 'smtpMaxConnections'
  | 'smtpTlsRejectUnauthorized'
  | 'mailFrom'
  | 'outboxWorker'
  | 'mailMaxAttempts'
> {
  return {
    smtpUrl: e.SMTP_URL ?? null,
    bounceImapUrl: e.BOUNCE_IMAP_URL ?? null,
    smtpRatePerSecond: e.SMTP_RATE_PER_SECOND ?? 10,
    smtpMaxConnections: e.SMTP_MAX_CONNECTIONS ?? 3,
    smtpTlsRejectUnauthorized: e.SMTP_TLS_REJECT_UNAUTHORIZED ?? true,
    mailFrom: e.MAIL_FROM || 'Partnerpuls <noreply@partnerpuls.example.se>',
    outboxWorker: e.OUTBOX_WORKER ?? true,
    mailMaxAttempts: e.MAIL_MAX_ATTEMPTS ?? 8,
  };
}

/** The region: its name, strategy, language, contacts and retention time. */
function regionSettings(e: Env) {
  return {
    regionName: e.REGION_NAME?.trim() || 'Region Exempel',
    strategyName: e.STRATEGY_NAME?.trim() || 'Exempelstrategin 2040',
    retentionMonths: e.RETENTION_MONTHS ?? 36,
    defaultLocale: e.DEFAULT_LOCALE || 'sv',
    accessibilityContact: e.ACCESSIBILITY_CONTACT || 'tillganglighet@region.example.se',
    privacyContact: e.PRIVACY_CONTACT || 'dataskydd@region.example.se',
    chromiumPath: findChromium(e.CHROMIUM_PATH),
  } satisfies Partial<Config>;
}

/** Running the app: views, shutdown, migrations, housekeeping. */
function operationSettings(e: Env) {
  return {
    viewsDir: path.join(PACKAGE_ROOT, 'views'),
    viewCache: e.VIEW_CACHE ?? true,
    housekeepingAt: e.HOUSEKEEPING_AT === 'off' ? null : e.HOUSEKEEPING_AT || '03:00',
    shutdownTimeoutMs: (e.SHUTDOWN_TIMEOUT_SECONDS ?? 20) * 1000,
    keepAliveTimeoutMs: (e.KEEP_ALIVE_TIMEOUT_SECONDS ?? 65) * 1000,
    migrationLockWaitMs: (e.MIGRATION_LOCK_WAIT_SECONDS ?? 30) * 1000,
  } satisfies Partial<Config>;
}

/** CHROMIUM_PATH when set (used as given, checked when a PDF is made), else Debian's chromium if installed. */
function findChromium(configured: string | undefined): string | null {
  if (configured?.trim()) return configured.trim();
  return ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p)) ?? null;
}

/** The SQLite file path of a `file:` URL, or null for PostgreSQL. */
export function sqliteFileOf(databaseUrl: string): string | null {
  if (!databaseUrl.startsWith('file:')) return null;
  const p = databaseUrl.slice('file:'.length);
  return p === ':memory:' ? p : path.resolve(p);
}

/** For the entry points: the config, or a printed Swedish message and exit code 1. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      // eslint-disable-next-line no-console -- the logger is configured from this very config: the terminal is where a bad start is told
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }
}

/**
 * INDICATOR_CACHE (issue 10): `on` (default) keeps computed indicator figures in the database;
 * `off` computes them on every view; `verify` (the tests) computes them on every view and fails
 * when a kept figure still marked current differs from the live one.
 */
export type IndicatorCacheMode = 'on' | 'off' | 'verify';

export function indicatorCacheMode(env: NodeJS.ProcessEnv = process.env): IndicatorCacheMode {
  const v = (env.INDICATOR_CACHE ?? '').trim().toLowerCase();
  return v === 'off' || v === 'verify' ? v : 'on';
}
