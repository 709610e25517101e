// Secret tokens in links: 256 random bits, base64url; only the SHA-256 is stored.
import crypto from 'node:crypto';

export function newToken(): string {
  return crypto.randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A token as it may appear in a URL: base64url, 43 characters for 256 bits. */
export function looksLikeToken(v: unknown): v is string {
  return typeof v === 'string' && /^[A-Za-z0-9_-]{43}$/.test(v);
}
