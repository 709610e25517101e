// Two-factor authentication for local accounts: TOTP (RFC 6238, 6 digits, 30 s, as every
// authenticator app reads it from the QR code) and ten recovery codes shown once. The secret is kept
// encrypted (AES-256-GCM, key derived from SESSION_SECRET); recovery codes only as SHA-256. A code
// is accepted once (its time step is recorded), and one step of clock drift either way is allowed.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { generateSecret, generateURI, verify } from 'otplib';
import {
  claimRecoveryCode,
  claimTimeStep,
  countUnusedRecoveryCodes,
  deleteTwoFactor,
  findTotp,
  saveTotp,
} from '../repositories/two-factor';
import { inTransaction } from '../repositories/transaction';
import { type Actor, audit } from './audit';
import { qrSvgPath } from './qr';

const RECOVERY_CODES = 10;
const PERIOD = 30;

function keyOf(appSecret: string): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', appSecret, 'partnerpuls', 'totp-secret', 32));
}

export function encryptSecret(appSecret: string, secret: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', keyOf(appSecret), iv);
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
}

export function decryptSecret(appSecret: string, stored: string): string {
  const [v, iv, tag, body] = stored.split('.');
  if (v !== 'v1' || !iv || !tag || !body) throw new Error('unknown TOTP secret format');
  const decipher = crypto.createDecipheriv('aes-256-gcm', keyOf(appSecret), Buffer.from(iv, 'base64url'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

export interface Enrolment {
  secret: string;
  uri: string;
  qr: { size: number; path: string };
  /** the secret in groups of four, for typing into an app by hand */
  secretGroups: string;
}

/** A new secret to enrol (kept in the session until a code from it is confirmed). */
export function newEnrolment(secret: string | null, label: string, issuer: string): Enrolment {
  const s = secret ?? generateSecret();
  const uri = generateURI({ issuer, label, secret: s });
  return { secret: s, uri, qr: qrSvgPath(uri), secretGroups: s.replace(/(.{4})/g, '$1 ').trim() };
}

function normaliseCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/** The time step the code belongs to, when it is valid for `secret` now (±1 step). */
async function matchingStep(secret: string, code: string, after: number): Promise<number | null> {
  const token = normaliseCode(code);
  if (!/^\d{6}$/.test(token)) return null;
  const r = await verify({ secret, token, epochTolerance: PERIOD, ...(after >= 0 ? { afterTimeStep: after } : {}) });
  return r.valid && 'timeStep' in r ? r.timeStep : null;
}

function hashRecoveryCode(code: string): string {
  return crypto.createHash('sha256').update(normaliseCode(code).toLowerCase(), 'utf8').digest('hex');
}

function newRecoveryCode(): string {
  // 10 characters of a 32-letter alphabet without look-alikes: 50 bits
  const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
  const bytes = crypto.randomBytes(10);
  const s = Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
  return `${s.slice(0, 5)}-${s.slice(5)}`;
}

export async function hasTwoFactor(db: Knex, userId: number): Promise<boolean> {
  return (await findTotp(db, userId)) !== null;
}

/**
 * Turns two-factor on when `code` comes from `secret`; returns the recovery codes (shown once), or
 * null when the code is wrong.
 */
export async function confirmEnrolment(
  db: Knex,
  appSecret: string,
  actor: Actor,
  userId: number,
  secret: string,
  code: string,
): Promise<string[] | null> {
  const step = await matchingStep(secret, code, -1);
  if (step === null) return null;
  const codes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
  await inTransaction(db, async (trx) => {
    await saveTotp(trx, userId, encryptSecret(appSecret, secret), codes.map(hashRecoveryCode), step);
    await audit(trx, actor, 'account.two_factor_enabled', { type: 'user', id: userId });
  });
  return codes;
}

export type CodeCheck = { ok: true; recoveryCodeUsed: boolean; recoveryCodesLeft: number } | { ok: false };

/** A code from the app (accepted once) or an unused recovery code. */
export async function checkSecondFactor(db: Knex, appSecret: string, userId: number, code: string): Promise<CodeCheck> {
  const totp = await findTotp(db, userId);
  if (!totp) return { ok: false };
  const step = await matchingStep(decryptSecret(appSecret, totp.secretEncrypted), code, totp.lastTimeStep);
  if (step !== null) {
    if (!(await claimTimeStep(db, userId, step))) return { ok: false };
    return { ok: true, recoveryCodeUsed: false, recoveryCodesLeft: await countUnusedRecoveryCodes(db, userId) };
  }
  if (!/^[a-z0-9]{10}$/i.test(normaliseCode(code))) return { ok: false };
  if (!(await claimRecoveryCode(db, userId, hashRecoveryCode(code)))) return { ok: false };
  await audit(db, { userId, label: 'user' }, 'account.recovery_code_used', { type: 'user', id: userId });
  return { ok: true, recoveryCodeUsed: true, recoveryCodesLeft: await countUnusedRecoveryCodes(db, userId) };
}

export async function recoveryCodesLeft(db: Knex, userId: number): Promise<number> {
  return countUnusedRecoveryCodes(db, userId);
}

export async function turnOffTwoFactor(db: Knex, actor: Actor, userId: number): Promise<void> {
  await inTransaction(db, async (trx) => {
    await deleteTwoFactor(trx, userId);
    await audit(trx, actor, 'account.two_factor_disabled', { type: 'user', id: userId });
  });
}
