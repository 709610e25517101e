// The area routers beyond the foundation. Each area adds its router here (one line each),
// so app.ts stays the single place that mounts everything.
import type { Router } from 'express';
import type { Deps } from '../deps';
import { accountRouter } from './account';
import { apiRouter } from './api';
import { checkinRouter } from './checkin';
import { indicatorsRouter } from './indicators';
import { mailRouter } from './mail';
import { meetingsRouter } from './meetings';
import { organisationsRouter } from './organisations';
import { panelsRouter } from './panels';
import { reportRouter } from './report';
import { respondRouter } from './respond';
import { resultsRouter } from './results';
import { roundsRouter } from './rounds';
import { ssoRouter } from './sso';
import { surveyEditorRouter } from './survey-editor';
import { surveysRouter } from './surveys';
import { testLinkRouter } from './test-links';
import { twoFactorRouter } from './two-factor';

export function extraRouters(deps: Deps): Router[] {
  return [
    indicatorsRouter(deps),
    meetingsRouter(deps),
    checkinRouter(deps),
    apiRouter(deps),
    mailRouter(deps),
    organisationsRouter(deps),
    panelsRouter(deps),
    reportRouter(deps),
    respondRouter(deps),
    resultsRouter(deps),
    roundsRouter(deps),
    surveysRouter(deps),
    surveyEditorRouter(deps),
    testLinkRouter(deps),
    ssoRouter(deps),
    twoFactorRouter(deps),
    accountRouter(deps),
  ];
}
