// The area routers beyond the foundation. Each area adds its router here (one line each),
// so app.ts stays the single place that mounts everything.
import type { Router } from 'express';
import type { Deps } from '../deps';
import { apiRouter } from './api';
import { checkinRouter } from './checkin';
import { indicatorsRouter } from './indicators';
import { mailRouter } from './mail';
import { meetingsRouter } from './meetings';
import { organisationsRouter } from './organisations';
import { panelsRouter } from './panels';
import { respondRouter } from './respond';
import { roundsRouter } from './rounds';
import { surveysRouter } from './surveys';

export function extraRouters(_deps: Deps): Router[] {
  return [
    indicatorsRouter(_deps),
    meetingsRouter(_deps),
    checkinRouter(_deps),
    apiRouter(_deps),
    mailRouter(_deps),
    organisationsRouter(_deps),
    panelsRouter(_deps),
    respondRouter(_deps),
    roundsRouter(_deps),
    surveysRouter(_deps),
  ];
}
