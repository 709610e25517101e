// The daily housekeeping, run by the background worker of whichever instance takes the lease
// (table background_leases) once a day at HOUSEKEEPING_AT, Swedish time (default 03:00):
// - purge(): personal data past RETENTION_MONTHS, old outbox addresses and bodies, old audit
//   entries, expired import previews and stale .eml files (services/gdpr.ts);
// - staff sessions that have expired;
// - the bodies (working personal links) of failed and bounced e-mails older than 30 days.
import crypto from 'node:crypto';
import os from 'node:os';
import type { Deps } from '../deps';
import { clearOldOutboxBodies, deleteExpiredSessions, finishLease, takeDueLease } from '../repositories/background-leases';
import { SYSTEM } from './audit';
import { purge, type PurgeReport } from './gdpr';
import { stockholmToUtc, utcToStockholm } from './stockholm-time';

export const HOUSEKEEPING_JOB = 'housekeeping';
/** A failed or bounced e-mail keeps its body (for a retry by hand) this long. */
export const OUTBOX_BODY_DAYS = 30;
/** An instance that dies mid-run frees the job for the others after this long. */
const LEASE_MS = 30 * 60_000;

export interface HousekeepingReport {
  purge: PurgeReport;
  sessionsDeleted: number;
  outboxBodiesCleared: number;
}

export function holderId(): string {
  return `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`.slice(0, 100);
}

/** The next time after `now` that the clock in Sweden shows `at` ("HH:MM"), as ISO UTC. */
export function nextRunAfter(at: string, now: Date): string {
  const today = utcToStockholm(now.toISOString())!.date;
  for (let day = 0; day < 3; day++) {
    const d = new Date(`${today}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + day);
    const r = stockholmToUtc(d.toISOString().slice(0, 10), at);
    const iso = r.ok ? r.iso : new Date(d.getTime()).toISOString(); // 02:xx on the night summer time starts
    if (new Date(iso) > now) return iso;
  }
  return new Date(now.getTime() + 86400_000).toISOString();
}

/** Everything the daily run does, now. */
export async function runHousekeeping(deps: Pick<Deps, 'db' | 'config'>, now = new Date()): Promise<HousekeepingReport> {
  const report = await purge(deps.db, SYSTEM, deps.config, { now });
  const sessionsDeleted = await deleteExpiredSessions(deps.db, now);
  const before = new Date(now.getTime() - OUTBOX_BODY_DAYS * 86400_000).toISOString();
  const outboxBodiesCleared = await clearOldOutboxBodies(deps.db, before);
  return { purge: report, sessionsDeleted, outboxBodiesCleared };
}

function summary(r: HousekeepingReport): string {
  const p = r.purge;
  return JSON.stringify({
    contactsErased: p.contactsErased,
    outboxCleared: p.outboxCleared,
    auditDeleted: p.auditDeleted,
    importsDeleted: p.importsDeleted,
    emlFilesDeleted: p.emlFilesDeleted,
    sessionsDeleted: r.sessionsDeleted,
    outboxBodiesCleared: r.outboxBodiesCleared,
  });
}

/**
 * One look at the schedule: runs the housekeeping when it is due and this instance gets the
 * lease; returns the report, or null when there was nothing to do here.
 */
export async function housekeepingTick(
  deps: Pick<Deps, 'db' | 'config' | 'logger'>,
  holder: string,
  now = new Date(),
): Promise<HousekeepingReport | null> {
  const at = deps.config.housekeepingAt;
  if (!at) return null;
  if (!(await takeDueLease(deps.db, HOUSEKEEPING_JOB, holder, now, LEASE_MS))) return null;
  let result = 'error';
  try {
    const report = await runHousekeeping(deps, now);
    result = summary(report);
    deps.logger.info({ job: HOUSEKEEPING_JOB, ...JSON.parse(result) }, 'housekeeping done');
    return report;
  } catch (err) {
    deps.logger.error({ err, job: HOUSEKEEPING_JOB }, 'housekeeping failed');
    throw err;
  } finally {
    await finishLease(deps.db, HOUSEKEEPING_JOB, holder, result, nextRunAfter(at, new Date()));
  }
}

/** For server/background.ts: looks at the schedule once a minute; the stop waits for a run in progress. */
export function startHousekeeping(deps: Pick<Deps, 'db' | 'config' | 'logger' | 'heartbeats'>, everyMs = 60_000): () => Promise<void> {
  if (!deps.config.housekeepingAt) return () => Promise.resolve();
  const holder = holderId();
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    deps.heartbeats.beat(HOUSEKEEPING_JOB);
    running = housekeepingTick(deps, holder).catch(() => undefined); // logged in housekeepingTick; tried again next minute
  };
  const first = setTimeout(tick, 5_000);
  const timer = setInterval(tick, everyMs);
  deps.heartbeats.started(HOUSEKEEPING_JOB);
  return async () => {
    clearTimeout(first);
    clearInterval(timer);
    await running;
    deps.heartbeats.stopped(HOUSEKEEPING_JOB);
  };
}
