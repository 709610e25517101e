// The area routers beyond the foundation. Each area adds its router here (one line each),
// so app.ts stays the single place that mounts everything.
import type { Router } from 'express';
import type { Deps } from '../deps';
import { mailRouter } from './mail';

export function extraRouters(_deps: Deps): Router[] {
  return [
    mailRouter(_deps),
  ];
}
