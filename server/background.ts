// Work started with the server besides HTTP: preparation before listening (e.g. syncing the
// survey files into the database) and background workers (the outbox, scheduled reminders).
// Each area adds its call here, so server/index.ts stays short.
import type { Deps } from './deps';
import { startOutboxWorker } from './mail/worker';
import { outboxWorkerDeps } from './services/mailings';
import { refuseToStartOnInvalidSurveys } from './services/surveys';
import { syncIndicatorsFromFiles } from './services/indicator-sync';
import { startHousekeeping } from './services/housekeeping';

export type Stop = () => Promise<void>;

export const startBackground = {
  async beforeListen(deps: Deps): Promise<void> {
    // areas add their preparation here
    await refuseToStartOnInvalidSurveys(deps.config); // an invalid survey file stops the start: file, line, path, what is wrong
    await syncIndicatorsFromFiles(deps); // indicators declared in the survey files → indicators table
  },
  afterListen(deps: Deps): Stop {
    const stops: Stop[] = [];
    // areas add their workers here
    stops.push(startOutboxWorker({ ...outboxWorkerDeps(deps), heartbeats: deps.heartbeats })); // e-mail outbox + scheduled reminders (OUTBOX_WORKER)
    stops.push(startHousekeeping(deps)); // purge, expired sessions, old outbox bodies: once a day across all instances
    return async () => {
      await Promise.all(stops.map((s) => s()));
    };
  },
};
