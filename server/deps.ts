// The one wiring point: everything the app uses is built here and handed to createApp(deps),
// so tests can boot the real app on a temporary database with a recording mailer.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Knex } from 'knex';
import pino, { type Logger } from 'pino';
import type { Config } from './config';
import { createDb } from './db';
import { Heartbeats } from './lib/heartbeats';
import { ensurePrivateDir } from './lib/private-files';
import { createMailer, type Mailer } from './mail/transport';

export interface Deps {
  config: Config;
  db: Knex;
  logger: Logger;
  /** Secret for signing session and CSRF cookies. */
  secret: string;
  /** Sends the outbox's e-mail: pooled SMTP from SMTP_URL, or .eml files in OUTBOX_DIR (tests may pass their own). */
  mailer: Mailer;
  /** The background workers' signs of life (for /health/ready). */
  heartbeats: Heartbeats;
}

/** SESSION_SECRET, or one generated once and kept in the data folder (so restarts keep sessions). */
export function resolveSecret(config: Config): string {
  if (config.sessionSecret) return config.sessionSecret;
  const file = path.join(config.dataDir, '.session-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    ensurePrivateDir(config.dataDir);
    const s = crypto.randomBytes(48).toString('base64url');
    fs.writeFileSync(file, s, { mode: 0o600 });
    return s;
  }
}

export function buildDeps(config: Config, overrides: Partial<Deps> = {}): Deps {
  ensurePrivateDir(config.dataDir, { tighten: true }); // the SQLite file, the outbox files and the secret live here
  const logger = overrides.logger ?? pino({ level: config.logLevel, base: undefined });
  return {
    config,
    db: overrides.db ?? createDb(config.databaseUrl),
    logger,
    secret: overrides.secret ?? resolveSecret(config),
    mailer: overrides.mailer ?? createMailer(config),
    heartbeats: overrides.heartbeats ?? new Heartbeats(),
  };
}
