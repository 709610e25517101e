// Staff sign-in through OpenID Connect providers (openid-client): the authorization code flow
// with PKCE, state and nonce; the claims read from the ID token (and the UserInfo endpoint when the
// token lacks them); and which Partnerpuls account they are. An account is found by the provider's
// subject (after the first sign-in) or by the e-mail claim; its role either stays Partnerpuls' own
// (accounts pre-created by an admin) or follows a claim of group or role values (OIDC_<NAME>_ROLES_CLAIM),
// which may also create the account. A deactivated account is never signed in, nor reactivated.
import * as client from 'openid-client';
import type { Knex } from 'knex';
import { findUserIdByIdentity, linkIdentity, subjectOfUser, touchIdentity } from '../repositories/user-identities';
import { inTransaction } from '../repositories/transaction';
import { bumpSessionEpoch, findUserByEmail, findUserById, insertUser, type Role, updateUser, type User } from '../repositories/users';
import type { OidcProviderConfig } from '../sign-in-config';
import { audit } from './audit';
import { isEmail } from './accounts';

/** Discovered provider metadata, per app instance (a failed discovery is tried again next time). */
export class OidcClients {
  private readonly configurations = new Map<string, Promise<client.Configuration>>();

  configuration(p: OidcProviderConfig): Promise<client.Configuration> {
    let c = this.configurations.get(p.name);
    if (!c) {
      // http is accepted only for a provider on this machine (sign-in-config.ts): tests and development
      const insecure = new URL(p.issuer).protocol === 'http:';
      c = client.discovery(
        new URL(p.issuer),
        p.clientId,
        p.clientSecret,
        undefined,
        insecure ? { execute: [client.allowInsecureRequests] } : undefined,
      );
      this.configurations.set(p.name, c);
      c.catch(() => this.configurations.delete(p.name));
    }
    return c;
  }
}

export interface PendingAuthorization {
  provider: string;
  state: string;
  nonce: string;
  verifier: string;
  next: string;
  at: number;
}

/** Where to send the browser, and what to keep in the session until it comes back. */
export async function beginAuthorization(
  clients: OidcClients,
  p: OidcProviderConfig,
  redirectUri: string,
  next: string,
): Promise<{ url: string; pending: PendingAuthorization }> {
  const cfg = await clients.configuration(p);
  const verifier = client.randomPKCECodeVerifier();
  const pending = { provider: p.name, state: client.randomState(), nonce: client.randomNonce(), verifier, next, at: Date.now() };
  const url = client.buildAuthorizationUrl(cfg, {
    redirect_uri: redirectUri,
    scope: p.scopes,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
  });
  return { url: url.href, pending };
}

export interface ProviderIdentity {
  subject: string;
  claims: Record<string, unknown>;
  idToken: string;
}

/** Exchanges the code (checking state, nonce and PKCE) and reads the claims. Throws on any failure. */
export async function completeAuthorization(
  clients: OidcClients,
  p: OidcProviderConfig,
  callbackUrl: URL,
  pending: PendingAuthorization,
): Promise<ProviderIdentity> {
  const cfg = await clients.configuration(p);
  const tokens = await client.authorizationCodeGrant(cfg, callbackUrl, {
    pkceCodeVerifier: pending.verifier,
    expectedState: pending.state,
    expectedNonce: pending.nonce,
    idTokenExpected: true,
  });
  const idClaims = tokens.claims();
  if (!idClaims || !tokens.id_token) throw new Error('no ID token');
  let claims: Record<string, unknown> = { ...idClaims };
  const missing = claims[p.emailClaim] === undefined || (p.rolesClaim !== null && claims[p.rolesClaim] === undefined);
  if (missing && cfg.serverMetadata().userinfo_endpoint) {
    const info = await client.fetchUserInfo(cfg, tokens.access_token, idClaims.sub);
    claims = { ...info, ...idClaims };
  }
  return { subject: idClaims.sub, claims, idToken: tokens.id_token };
}

/** The provider's end-session URL for this sign-in, when it offers one. */
export async function endSessionUrl(
  clients: OidcClients,
  p: OidcProviderConfig,
  idToken: string,
  postLogoutUri: string,
): Promise<string | null> {
  if (!p.endSession) return null;
  const cfg = await clients.configuration(p);
  if (!cfg.serverMetadata().end_session_endpoint) return null;
  return client.buildEndSessionUrl(cfg, { id_token_hint: idToken, post_logout_redirect_uri: postLogoutUri }).href;
}

export type AccountRefusal = 'no_email' | 'email_unverified' | 'unknown_account' | 'no_role' | 'inactive' | 'subject_mismatch';

const RANK: Record<Role, number> = { admin: 3, coordinator: 2, analyst: 1 };

/** The highest role whose value the claim holds (a list, or a string of values). */
export function roleFromClaims(p: OidcProviderConfig, claims: Record<string, unknown>): Role | null {
  if (!p.rolesClaim) return null;
  const raw = claims[p.rolesClaim];
  const values = Array.isArray(raw) ? raw.map(String) : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
  let best: Role | null = null;
  for (const { value, role } of p.roleValues) if (values.includes(value) && (!best || RANK[role] > RANK[best])) best = role;
  return best;
}

function emailOf(p: OidcProviderConfig, claims: Record<string, unknown>): string | null {
  const v = claims[p.emailClaim];
  return typeof v === 'string' && isEmail(v) ? v : null;
}

async function accountFor(db: Knex, p: OidcProviderConfig, identity: ProviderIdentity, email: string) {
  const linkedId = await findUserIdByIdentity(db, p.name, identity.subject);
  return linkedId ? findUserById(db, linkedId) : findUserByEmail(db, email);
}

function refusal(
  p: OidcProviderConfig,
  role: Role | null,
  found: { active: boolean } | null,
  knownSubject: string | null,
  subject: string,
): AccountRefusal | null {
  if (p.rolesClaim && !role) return 'no_role';
  if (found && !found.active) return 'inactive';
  if (!found && !role) return 'unknown_account';
  if (knownSubject && knownSubject !== subject) return 'subject_mismatch';
  return null;
}

/** The account this identity signs in as, created or given its role from the claims when so configured. */
export async function resolveAccount(
  db: Knex,
  p: OidcProviderConfig,
  identity: ProviderIdentity,
): Promise<{ ok: true; user: User } | { ok: false; reason: AccountRefusal; userId: number | null }> {
  const email = emailOf(p, identity.claims);
  if (!email) return { ok: false, reason: 'no_email', userId: null };
  if (identity.claims.email_verified === false) return { ok: false, reason: 'email_unverified', userId: null };
  const role = roleFromClaims(p, identity.claims);
  const found = await accountFor(db, p, identity, email);
  const known = found ? await subjectOfUser(db, p.name, found.id) : null;
  const refused = refusal(p, role, found, known, identity.subject);
  if (refused) return { ok: false, reason: refused, userId: found?.id ?? null };
  const userId = await inTransaction(db, async (trx) => {
    const name = typeof identity.claims.name === 'string' && identity.claims.name.trim() ? identity.claims.name : email;
    const id = found?.id ?? (await insertUser(trx, { email, name, role: role! }));
    if (!found)
      await audit(trx, { userId: null, label: 'system' }, 'account.created', { type: 'user', id }, { role, via: `sso:${p.name}` });
    if (found && role && found.role !== role) {
      await updateUser(trx, id, { role });
      await bumpSessionEpoch(trx, id);
      await audit(
        trx,
        { userId: null, label: 'system' },
        'account.role_changed',
        { type: 'user', id },
        { from: found.role, to: role, via: `sso:${p.name}` },
      );
    }
    if (known) await touchIdentity(trx, p.name, identity.subject);
    else await linkIdentity(trx, p.name, identity.subject, id);
    return id;
  });
  const user = await findUserById(db, userId);
  if (!user) return { ok: false, reason: 'unknown_account', userId: null };
  const { passwordHash: _omit, ...safe } = user;
  return { ok: true, user: safe };
}
