// Configuration of staff sign-in, read from the environment with the rest of the config:
// OpenID Connect providers (OIDC_PROVIDERS and OIDC_<NAME>_*), whether the password form is shown,
// whether admins must use two-factor authentication, and the absolute session lifetime.
import type { Role } from './lib/roles';

export interface OidcProviderConfig {
  /** lower-case name from OIDC_PROVIDERS; in URLs (/login/sso/<name>) and in the audit log */
  name: string;
  /** the button's text */
  label: string;
  issuer: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** the claim with the e-mail address (Entra ID: preferred_username or email) */
  emailClaim: string;
  /** the claim with group or role values; null: accounts are pre-created by an admin */
  rolesClaim: string | null;
  /** claim value → role (only with rolesClaim) */
  roleValues: Array<{ value: string; role: Role }>;
  /** use the provider's end_session_endpoint at logout when it offers one */
  endSession: boolean;
}

export interface SignInConfig {
  oidcProviders: OidcProviderConfig[];
  /** on: the form is shown; hidden: only at /login?losenord=1; off: password sign-in is refused */
  passwordLogin: 'on' | 'hidden' | 'off';
  twoFactorForAdmins: 'required' | 'optional';
  sessionMaxHours: number;
}

const ROLE_NAMES: Record<string, Role> = { admin: 'admin', coordinator: 'coordinator', analyst: 'analyst' };

function parseRoleValues(name: string, v: string | undefined, problems: string[]): Array<{ value: string; role: Role }> {
  const out: Array<{ value: string; role: Role }> = [];
  for (const part of (v ?? '').split(/[;,]/).map((p) => p.trim())) {
    if (!part) continue;
    const m = /^(admin|coordinator|analyst)\s*=\s*(.+)$/.exec(part);
    if (!m) {
      problems.push(`${name} ska se ut som admin=VÄRDE,coordinator=VÄRDE,analyst=VÄRDE (fick "${part}")`);
      continue;
    }
    out.push({ role: ROLE_NAMES[m[1]], value: m[2].trim() });
  }
  return out;
}

function httpsOrLoopback(name: string, v: string, problems: string[]): void {
  try {
    const u = new URL(v);
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
    if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) problems.push(`${name} ska börja med https:// (fick "${v}")`);
  } catch {
    problems.push(`${name} ska vara en adress, t.ex. https://login.microsoftonline.com/<tenant>/v2.0 (fick "${v}")`);
  }
}

function parseProvider(name: string, env: NodeJS.ProcessEnv, problems: string[]): OidcProviderConfig {
  const key = (k: string) => `OIDC_${name.toUpperCase()}_${k}`;
  const get = (k: string) => env[key(k)]?.trim() || undefined;
  for (const k of ['ISSUER', 'CLIENT_ID', 'CLIENT_SECRET'])
    if (!get(k)) problems.push(`${key(k)} saknas (leverantören ${name} i OIDC_PROVIDERS)`);
  const issuer = get('ISSUER') ?? '';
  if (issuer) httpsOrLoopback(key('ISSUER'), issuer, problems);
  const rolesClaim = get('ROLES_CLAIM') ?? null;
  const roleValues = parseRoleValues(key('ROLE_VALUES'), get('ROLE_VALUES'), problems);
  if (rolesClaim && !roleValues.length) problems.push(`${key('ROLE_VALUES')} behövs när ${key('ROLES_CLAIM')} är satt`);
  const endSession = get('END_SESSION');
  if (endSession && !['true', 'false'].includes(endSession)) problems.push(`${key('END_SESSION')} ska vara true eller false`);
  return {
    name,
    label: get('LABEL') ?? `Logga in med ${name}`,
    issuer,
    clientId: get('CLIENT_ID') ?? '',
    clientSecret: get('CLIENT_SECRET') ?? '',
    scopes: get('SCOPES') ?? 'openid email profile',
    emailClaim: get('EMAIL_CLAIM') ?? 'email',
    rolesClaim,
    roleValues,
    endSession: endSession !== 'false',
  };
}

/** The value (lower case) when it is one of `allowed`; the first of them when unset. */
function oneOf(name: string, v: string | undefined, allowed: string[], problems: string[]): string {
  const s = (v ?? '').trim().toLowerCase();
  if (!s) return allowed[0];
  if (!allowed.includes(s))
    problems.push(`${name} ska vara ${allowed.slice(0, -1).join(', ')} eller ${allowed[allowed.length - 1]} (fick "${v}")`);
  return s;
}

/** The sign-in settings; every problem is added to `problems` (Swedish, naming the variable). */
export function parseSignInConfig(env: NodeJS.ProcessEnv, problems: string[]): SignInConfig {
  const names = (env.OIDC_PROVIDERS ?? '')
    .split(',')
    .map((n) => n.trim().toLowerCase())
    .filter(Boolean);
  for (const n of names)
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(n)) problems.push(`OIDC_PROVIDERS: "${n}" ska vara små bokstäver, siffror och bindestreck`);
  const passwordLogin = oneOf('PASSWORD_LOGIN', env.PASSWORD_LOGIN, ['on', 'hidden', 'off'], problems);
  const twoFactor = oneOf('TWO_FACTOR_ADMINS', env.TWO_FACTOR_ADMINS, ['required', 'optional'], problems);
  const hours = (env.SESSION_MAX_HOURS ?? '').trim();
  if (hours && (!/^\d+$/.test(hours) || Number(hours) < 1 || Number(hours) > 168))
    problems.push(`SESSION_MAX_HOURS ska vara ett heltal 1–168 (fick "${hours}")`);
  return {
    oidcProviders: names.filter((n) => /^[a-z][a-z0-9-]{0,39}$/.test(n)).map((n) => parseProvider(n, env, problems)),
    passwordLogin: passwordLogin as SignInConfig['passwordLogin'],
    twoFactorForAdmins: twoFactor as SignInConfig['twoFactorForAdmins'],
    sessionMaxHours: hours ? Number(hours) : 12,
  };
}
