// A staff member's session: its cookie's name (`__Host-` with https), the one way a session is
// started after a sign-in (a new session id, the absolute lifetime's start, the device cookie), and
// the absolute lifetime itself (SESSION_MAX_HOURS; the idle timeout is the cookie's rolling maxAge).
import crypto from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config';

declare module 'express-session' {
  interface SessionData {
    /** ms since 1970 when this staff session began (after every step of the sign-in) */
    loginAt?: number;
    /** how the session was signed in: "password" or "sso:<provider>" */
    loginMethod?: string;
    /** a session signed in through an OIDC provider, for its end-session endpoint at logout */
    sso?: { provider: string; idToken: string };
  }
}

export const SESSION_IDLE_MS = 8 * 3600_000;
const DEVICE_COOKIE_DAYS = 180;

export function secureCookies(config: Config): boolean {
  return config.baseUrl.startsWith('https://');
}

/** `__Host-` (https only: Secure, Path=/, no Domain) keeps a sibling subdomain from setting the cookie. */
export function sessionCookieName(config: Config): string {
  return secureCookies(config) ? '__Host-pp.sid' : 'pp.sid';
}

function deviceCookieName(config: Config): string {
  return secureCookies(config) ? '__Host-pp.device' : 'pp.device';
}

function accountDigest(account: string): string {
  return crypto.createHash('sha256').update(account.trim().toLowerCase(), 'utf8').digest('base64url').slice(0, 16);
}

function deviceMac(secret: string, body: string): string {
  return crypto
    .createHmac('sha256', secret)
    .update('device:' + body)
    .digest('base64url');
}

/**
 * The id of this browser's device cookie when it was issued for `account` (an e-mail address) at
 * an earlier sign-in, else null. Rate limits count a known device's failures apart (services/rate-limits.ts).
 */
export function knownDevice(req: Request, config: Config, secret: string, account: string): string | null {
  const raw: unknown = (req.cookies as Record<string, unknown> | undefined)?.[deviceCookieName(config)];
  if (typeof raw !== 'string') return null;
  const [who, nonce, mac] = raw.split('.');
  if (!who || !nonce || !mac || who !== accountDigest(account)) return null;
  const expected = deviceMac(secret, `${who}.${nonce}`);
  if (mac.length !== expected.length || !crypto.timingSafeEqual(Buffer.from(mac), Buffer.from(expected))) return null;
  return nonce;
}

function setDeviceCookie(res: Response, config: Config, secret: string, account: string): void {
  const body = `${accountDigest(account)}.${crypto.randomBytes(16).toString('base64url')}`;
  res.cookie(deviceCookieName(config), `${body}.${deviceMac(secret, body)}`, {
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookies(config),
    path: '/',
    maxAge: DEVICE_COOKIE_DAYS * 86400_000,
  });
}

export interface SignedInUser {
  id: number;
  email: string;
  sessionEpoch: number;
}

/** Starts the staff session after a complete sign-in: a new session id (no fixation), then saved. */
export async function startStaffSession(
  req: Request,
  res: Response,
  deps: { config: Config; secret: string },
  user: SignedInUser,
  method: string,
  sso?: { provider: string; idToken: string },
): Promise<void> {
  await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err as Error) : resolve())));
  req.session.userId = user.id;
  req.session.epoch = user.sessionEpoch;
  req.session.loginAt = Date.now();
  req.session.loginMethod = method;
  if (sso) req.session.sso = sso;
  await new Promise<void>((resolve, reject) => req.session.save((err) => (err ? reject(err as Error) : resolve())));
  if (method === 'password') setDeviceCookie(res, deps.config, deps.secret, user.email);
}

/** Ends a staff session that is older than SESSION_MAX_HOURS, however active it has been. */
export function enforceSessionLifetime(cfg: Config): RequestHandler {
  const maxMs = cfg.signIn.sessionMaxHours * 3600_000;
  return (req, _res, next) => {
    const s = req.session;
    if (!s?.userId) return next();
    if (typeof s.loginAt === 'number' && Date.now() - s.loginAt <= maxMs) return next();
    s.destroy(() => next());
  };
}
