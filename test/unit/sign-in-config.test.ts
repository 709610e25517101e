// The sign-in settings from the environment: OIDC providers, PASSWORD_LOGIN, TWO_FACTOR_ADMINS,
// SESSION_MAX_HOURS — defaults, and a Swedish message naming each bad variable.
import { ConfigError, loadConfig } from '../../server/config';

const entra = {
  OIDC_PROVIDERS: 'entra',
  OIDC_ENTRA_ISSUER: 'https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0',
  OIDC_ENTRA_CLIENT_ID: 'app-id',
  OIDC_ENTRA_CLIENT_SECRET: 'secret',
};

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('sign-in configuration', () => {
  it('has safe defaults: password form on, two-factor required for admins, 12 hours, no providers', () => {
    expect(loadConfig({}).signIn).toEqual({ oidcProviders: [], passwordLogin: 'on', twoFactorForAdmins: 'required', sessionMaxHours: 12 });
  });

  it('reads a provider with its defaults and a role mapping', () => {
    const c = loadConfig({
      ...entra,
      OIDC_ENTRA_EMAIL_CLAIM: 'preferred_username',
      OIDC_ENTRA_ROLES_CLAIM: 'roles',
      OIDC_ENTRA_ROLE_VALUES: 'admin=Partnerpuls.Admin, analyst=Partnerpuls.Analytiker',
    }).signIn.oidcProviders[0];
    expect(c).toMatchObject({
      name: 'entra',
      label: 'Logga in med entra',
      scopes: 'openid email profile',
      emailClaim: 'preferred_username',
      rolesClaim: 'roles',
      roleValues: [
        { role: 'admin', value: 'Partnerpuls.Admin' },
        { role: 'analyst', value: 'Partnerpuls.Analytiker' },
      ],
      endSession: true,
    });
  });

  it('names every bad variable in Swedish', () => {
    const problems = problemsOf({
      OIDC_PROVIDERS: 'entra,inera',
      OIDC_ENTRA_ISSUER: 'http://login.example.se',
      OIDC_ENTRA_CLIENT_ID: 'x',
      OIDC_ENTRA_CLIENT_SECRET: 'y',
      OIDC_ENTRA_ROLES_CLAIM: 'groups',
      PASSWORD_LOGIN: 'kanske',
      TWO_FACTOR_ADMINS: 'ibland',
      SESSION_MAX_HOURS: '0',
    });
    expect([...problems].sort()).toEqual(
      [
        'OIDC_ENTRA_ISSUER ska börja med https:// (fick "http://login.example.se")',
        'OIDC_ENTRA_ROLE_VALUES behövs när OIDC_ENTRA_ROLES_CLAIM är satt',
        'OIDC_INERA_ISSUER saknas (leverantören inera i OIDC_PROVIDERS)',
        'OIDC_INERA_CLIENT_ID saknas (leverantören inera i OIDC_PROVIDERS)',
        'OIDC_INERA_CLIENT_SECRET saknas (leverantören inera i OIDC_PROVIDERS)',
        'PASSWORD_LOGIN ska vara on, hidden eller off (fick "kanske")',
        'TWO_FACTOR_ADMINS ska vara required eller optional (fick "ibland")',
        'SESSION_MAX_HOURS ska vara ett heltal 1–168 (fick "0")',
      ].sort(),
    );
  });

  it('accepts http only for a provider on this machine', () => {
    expect(problemsOf({ ...entra, OIDC_ENTRA_ISSUER: 'http://127.0.0.1:8080' })).toEqual([]);
  });
});
