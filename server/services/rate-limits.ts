// Every rate limit of the app in one module: the policies (what is counted, per what, how many)
// and the store they share (counters in the database, so every instance counts the same hits).
//
// The promise (README, "Rate limits"):
// - Secret links (/s/, /avregistrera/, /incheckning/, /setup/) and API keys: a valid secret always
//   works and never counts. A secret that never existed counts as a guess, per client address and
//   per target bucket (the secret's first character, for every address together), so a guesser
//   who changes address still fills the bucket. Past either limit, guesses are answered 429.
// - Passwords and two-factor codes: failures count per address and account, per account (every
//   address together) and per address. Past any of them the attempt is refused without checking the
//   password, so guessing stays slow whichever addresses it comes from. A browser where the account
//   has signed in before carries a device cookie: its attempts count only against that device, so
//   someone else's guessing never locks the account's owner out of their own browser.
import crypto from 'node:crypto';
import type { ClientRateLimitInfo, Store } from 'express-rate-limit';
import type { Knex } from 'knex';
import { type LinkKind, linkTokenExists } from '../repositories/link-tokens';
import {
  addHits,
  type Counter,
  deleteCounters,
  deleteExpiredCounters,
  hitCounter,
  readCounters,
  takeBackHit,
} from '../repositories/rate-limits';
import { hashToken } from '../lib/tokens';

export interface Policy {
  windowMs: number;
  limit: number;
}

const MINUTE = 60_000;

export const RATE_LIMITS = {
  /** wrong passwords for one account from one address */
  loginPerAddressAndAccount: { windowMs: 15 * MINUTE, limit: 10 },
  /** wrong passwords for one account from every address together */
  loginPerAccount: { windowMs: 15 * MINUTE, limit: 30 },
  /** wrong passwords for any account from one address */
  loginPerAddress: { windowMs: 15 * MINUTE, limit: 100 },
  /** wrong passwords or codes from a browser where the account has signed in before */
  loginPerDevice: { windowMs: 15 * MINUTE, limit: 10 },
  /** wrong two-factor codes for one account from every address together (6 digits: stricter) */
  codePerAccount: { windowMs: 15 * MINUTE, limit: 5 },
  /** links that never existed, from one address (every kind of link together) */
  linkGuessesPerAddress: { windowMs: 15 * MINUTE, limit: 30 },
  /** links that never existed, per kind and first character, from every address together */
  linkGuessesPerBucket: { windowMs: 15 * MINUTE, limit: 30 },
  /** API keys that never existed, from one address */
  apiGuessesPerAddress: { windowMs: 15 * MINUTE, limit: 20 },
  /** API keys that never existed, per first character after `pp_`, from every address together */
  apiGuessesPerBucket: { windowMs: 15 * MINUTE, limit: 20 },
  /** requests with one API key */
  apiRequestsPerKey: { windowMs: MINUTE, limit: 120 },
  /** requests to one respondent link from one address */
  respondRequestsPerLink: { windowMs: 15 * MINUTE, limit: 600 },
  /** requests to one check-in or opt-out link from one address */
  tokenPageRequestsPerLink: { windowMs: MINUTE, limit: 60 },
} satisfies Record<string, Policy>;

export type PolicyName = keyof typeof RATE_LIMITS;

/** A short, non-reversible name for a part of a key (addresses and e-mail addresses are personal data). */
function digest(v: string): string {
  return crypto.createHash('sha256').update(v, 'utf8').digest('base64url').slice(0, 22);
}

export interface GuardKey {
  key: string;
  policy: Policy;
}

function guardKey(name: PolicyName, ...parts: string[]): GuardKey {
  return { key: `${name}:${parts.map(digest).join(':')}`, policy: RATE_LIMITS[name] };
}

/** True when any of the counters has reached its limit. */
export async function anyLimitReached(db: Knex, keys: GuardKey[]): Promise<boolean> {
  const counters = await readCounters(
    db,
    keys.map((k) => k.key),
  );
  return keys.some((k) => (counters.get(k.key)?.hits ?? 0) >= k.policy.limit);
}

/** Counts one failure against every key; true when that reached a limit. */
export async function countFailure(db: Knex, keys: GuardKey[]): Promise<boolean> {
  let reached = false;
  for (const k of keys) {
    const c = await hitCounter(db, k.key, k.policy.windowMs);
    if (c.hits >= k.policy.limit) reached = true;
  }
  if (Math.random() < 0.02) await deleteExpiredCounters(db);
  return reached;
}

export async function clearCounters(db: Knex, keys: GuardKey[]): Promise<void> {
  await deleteCounters(
    db,
    keys.map((k) => k.key),
  );
}

// ------------------------------------------------------------------ secret links and API keys

// A secret that exists goes on existing (used, revoked and expired ones count as known too), so
// once looked up it is not looked up again: a valid link's every page view then costs no query
// here. Kept per process, up to 20 000, then started over.
const knownSecrets = new Set<string>();

async function secretExists(db: Knex, kind: LinkKind, tokenHash: string): Promise<boolean> {
  const key = `${kind}:${tokenHash}`;
  if (knownSecrets.has(key)) return true;
  if (!(await linkTokenExists(db, kind, tokenHash))) return false;
  if (knownSecrets.size >= 20_000) knownSecrets.clear();
  knownSecrets.add(key);
  return true;
}

export interface GuessVerdict {
  /** the secret exists (valid, used, revoked or expired): not a guess, nothing counted */
  known: boolean;
  /** a guess past a limit: answer 429 */
  limited: boolean;
}

/**
 * A secret link or API key presented by a client. A token that exists is never counted; one that
 * never existed counts per address and per bucket, and is `limited` once either is full.
 */
export async function judgeSecret(db: Knex, kind: LinkKind, address: string, token: string): Promise<GuessVerdict> {
  if (token && (await secretExists(db, kind, hashToken(token)))) return { known: true, limited: false };
  const api = kind === 'api';
  const bucket = (api ? token.replace(/^pp_/, '') : token).slice(0, 1) || '-';
  const keys = [
    guardKey(api ? 'apiGuessesPerAddress' : 'linkGuessesPerAddress', address),
    guardKey(api ? 'apiGuessesPerBucket' : 'linkGuessesPerBucket', kind, bucket),
  ];
  const already = await anyLimitReached(db, keys);
  if (already) return { known: false, limited: true };
  await countFailure(db, keys);
  return { known: false, limited: false };
}

// ------------------------------------------------------------------ passwords and two-factor codes

export interface LoginAttempt {
  scope: 'password' | 'code';
  address: string;
  /** the e-mail address as typed (password; compared in lower case) or `user:<id>` (code) */
  account: string;
  /** the id of a valid device cookie for this account, or null */
  device: string | null;
}

/** The counters an attempt is judged by: the device's alone, or address, account and both. */
export function loginKeys(a: LoginAttempt): GuardKey[] {
  if (a.device) return [guardKey('loginPerDevice', a.scope, a.device)];
  const account = a.account.trim().toLowerCase();
  return [
    guardKey('loginPerAddressAndAccount', a.scope, a.address, account),
    guardKey(a.scope === 'code' ? 'codePerAccount' : 'loginPerAccount', a.scope, account),
    guardKey('loginPerAddress', a.address),
  ];
}

export async function loginAllowed(db: Knex, a: LoginAttempt): Promise<boolean> {
  return !(await anyLimitReached(db, loginKeys(a)));
}

export async function loginFailed(db: Knex, a: LoginAttempt): Promise<void> {
  await countFailure(db, loginKeys(a));
}

/** A success clears the counters of this address or device for the account (not the account's own). */
export async function loginSucceeded(db: Knex, a: LoginAttempt): Promise<void> {
  await clearCounters(db, a.device ? loginKeys(a) : loginKeys(a).slice(0, 1));
}

// ------------------------------------------------------------------ request counts (express-rate-limit)

/** A request counter as this process knows it: the shared count when last written, plus its own hits since. */
interface LocalCount {
  shared: number;
  pending: number;
  resetAt: number;
}

/** How often the hits counted in this process are added to the shared counters. */
const FLUSH_MS = 1000;
/** How many keys one flush statement adds to. */
const FLUSH_PART = 300;

/**
 * An express-rate-limit store on the database: every instance counts the same hits. Request counts
 * come with every page view and their limits are generous (600 per 15 minutes per respondent link
 * and address), so a hit is not a write: each instance counts its hits in memory and adds them to
 * the shared counters at most every second (FLUSH_MS), all keys in one statement. What is compared with
 * the limit is the shared count as last written plus the hits not yet added, so instances see
 * each other's hits within a second. A failed write (the database busy) keeps the hits for the next.
 */
export class DatabaseStore implements Store {
  readonly localKeys = false;
  private windowMs = MINUTE;
  private readonly counts = new Map<string, LocalCount>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Knex,
    readonly prefix: string,
  ) {}

  init(options: { windowMs: number }): void {
    this.windowMs = options.windowMs;
  }

  private current(key: string, now: number): LocalCount {
    let c = this.counts.get(key);
    if (!c || c.resetAt <= now) {
      c = { shared: 0, pending: 0, resetAt: now + this.windowMs };
      this.counts.set(key, c);
    }
    return c;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const c = this.counts.get(key);
    if (c && c.resetAt > Date.now()) return { totalHits: c.shared + c.pending, resetTime: new Date(c.resetAt) };
    const stored = (await readCounters(this.db, [this.prefix + key])).get(this.prefix + key);
    return stored ? { totalHits: stored.hits, resetTime: new Date(stored.resetAt) } : undefined;
  }

  increment(key: string): Promise<ClientRateLimitInfo> {
    const c = this.current(key, Date.now());
    c.pending++;
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
    return Promise.resolve({ totalHits: c.shared + c.pending, resetTime: new Date(c.resetAt) });
  }

  async decrement(key: string): Promise<void> {
    const c = this.counts.get(key);
    if (c && c.pending > 0) c.pending--;
    else await takeBackHit(this.db, this.prefix + key);
  }

  async resetKey(key: string): Promise<void> {
    this.counts.delete(key);
    await deleteCounters(this.db, [this.prefix + key]);
  }

  /** Adds the hits counted here to the shared counters (one statement for them all), and learns the others' hits. */
  async flush(): Promise<void> {
    this.timer = null;
    const now = Date.now();
    const entries: Array<[string, { c: LocalCount; by: number }]> = [];
    for (const [key, c] of this.counts) {
      if (c.resetAt <= now) this.counts.delete(key);
      else if (c.pending > 0) entries.push([key, { c, by: c.pending }]);
    }
    // in parts, so that a failure (the database busy) keeps only the hits not yet written for the next flush
    for (let i = 0; i < entries.length; i += FLUSH_PART) {
      const part = entries.slice(i, i + FLUSH_PART);
      let stored: Map<string, Counter>;
      try {
        stored = await addHits(
          this.db,
          part.map(([key, a]) => ({ key: this.prefix + key, by: a.by })),
          this.windowMs,
          now,
        );
      } catch {
        break;
      }
      for (const [key, { c, by }] of part) {
        const s = stored.get(this.prefix + key);
        c.pending -= by;
        if (s) {
          c.shared = s.hits;
          c.resetAt = s.resetAt;
        }
      }
    }
    if ([...this.counts.values()].some((c) => c.pending > 0)) this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
  }
}

/** The part of a request-count key that names a secret without keeping it. */
export function secretDigest(token: string): string {
  return digest('secret:' + token);
}

export function addressDigest(address: string): string {
  return digest('address:' + address);
}
