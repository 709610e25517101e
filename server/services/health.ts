// Health of this instance, for load balancers and monitoring.
// - alive (/health): the process answers.
// - ready (/health/ready): it can serve pages — the database answers, no migration is pending,
//   the views are there and one renders, and the outbox worker (when this instance runs one) is
//   alive; with how far the outbox is behind. Any failed check makes it red (503).
import fs from 'node:fs';
import path from 'node:path';
import type { Deps } from '../deps';
import { findLease } from '../repositories/background-leases';
import { dueOutboxBacklog, pendingMigrationNames, pingDatabase } from '../repositories/health';
import { HOUSEKEEPING_JOB } from './housekeeping';

/** The outbox worker is taken for dead when it has not beaten for this long (a send times out well before). */
export const WORKER_SILENT_MS = 2 * 60_000;

export interface Check {
  ok: boolean;
  detail?: string;
  [key: string]: unknown;
}

export interface Readiness {
  status: 'ok' | 'fail';
  checks: Record<string, Check>;
}

export function alive(): { status: 'ok' } {
  return { status: 'ok' };
}

async function attempt(fn: () => Promise<Check>): Promise<Check> {
  try {
    return await fn();
  } catch (e) {
    return { ok: false, detail: (e as Error).message };
  }
}

async function viewsCheck(viewsDir: string, render: () => Promise<void>): Promise<Check> {
  for (const f of ['layouts/main.hbs', 'pages/not-found.hbs', 'emails'])
    if (!fs.existsSync(path.join(viewsDir, f))) return { ok: false, detail: `saknas: ${path.join(viewsDir, f)}` };
  await render();
  return { ok: true };
}

async function outboxCheck(deps: Pick<Deps, 'db' | 'config' | 'heartbeats'>): Promise<Check> {
  const backlog = await dueOutboxBacklog(deps.db, new Date());
  const behindSeconds = backlog.oldestDueAt ? Math.max(0, Math.round((Date.now() - new Date(backlog.oldestDueAt).getTime()) / 1000)) : 0;
  const facts = { due: backlog.due, behindSeconds };
  if (!deps.config.outboxWorker) return { ok: true, worker: 'av på den här instansen (OUTBOX_WORKER=false)', ...facts };
  const silentMs = deps.heartbeats.sinceLastBeat('outbox');
  if (!deps.heartbeats.isRunning('outbox') || silentMs === null) return { ok: false, detail: 'e-postarbetaren kör inte', ...facts };
  if (silentMs > WORKER_SILENT_MS)
    return { ok: false, detail: `e-postarbetaren har inte svarat på ${Math.round(silentMs / 1000)} s`, ...facts };
  return { ok: true, worker: 'kör', ...facts };
}

async function housekeepingInfo(deps: Pick<Deps, 'db' | 'config'>): Promise<Check> {
  const lease = await findLease(deps.db, HOUSEKEEPING_JOB);
  return { ok: true, at: deps.config.housekeepingAt, lastFinishedAt: lease?.lastFinishedAt ?? null, nextRunAt: lease?.nextRunAt ?? null };
}

export async function ready(deps: Pick<Deps, 'db' | 'config' | 'heartbeats'>, renderView: () => Promise<void>): Promise<Readiness> {
  const database = await attempt(async () => {
    await pingDatabase(deps.db);
    return { ok: true };
  });
  const migrations = database.ok
    ? await attempt(async () => {
        const pending = await pendingMigrationNames(deps.db);
        return pending.length ? { ok: false, detail: `väntande migreringar: ${pending.join(', ')}` } : { ok: true };
      })
    : { ok: false, detail: 'databasen svarar inte' };
  const views = await attempt(() => viewsCheck(deps.config.viewsDir, renderView));
  const outbox = database.ok ? await attempt(() => outboxCheck(deps)) : { ok: false, detail: 'databasen svarar inte' };
  const housekeeping = database.ok ? await attempt(() => housekeepingInfo(deps)) : { ok: true };
  const checks = { database, migrations, views, outbox, housekeeping };
  return { status: Object.values(checks).every((c) => c.ok) ? 'ok' : 'fail', checks };
}
