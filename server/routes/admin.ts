// Admin: accounts and roles, deactivation (ends sessions), setup links, API tokens, audit log.
import { type Request, type Response, Router } from 'express';
import type { Config } from '../config';
import type { Deps } from '../deps';
import { NotFoundError } from '../errors';
import { handleForm, intParam, str } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { changeRole, listAccounts, ROLES, setActive } from '../services/accounts';
import { createAccountWithLink, newSetupLinkWithDelivery, ROLE_LABELS } from '../services/account-links';
import { createApiToken, listApiTokens, revokeApiToken } from '../services/api-tokens';
import { listAudit } from '../services/audit';

function idParam(req: Request): number {
  const id = intParam(req.params.id);
  if (!id) throw new NotFoundError();
  return id;
}

function accountRoutes(r: Router, { db, config }: Deps): void {
  const renderUsers = async (res: Response, extra: Record<string, unknown> = {}) => {
    const users = (await listAccounts(db)).map((u) => ({ ...u, roleLabel: ROLE_LABELS[u.role] }));
    res.render('pages/admin/users', {
      title: 'Konton och roller',
      users,
      roles: ROLES.map((role) => ({ value: role, label: ROLE_LABELS[role] })),
      ...extra,
    });
  };

  r.get('/admin/users', requireRole('admin'), async (_req, res) => renderUsers(res));

  r.post('/admin/users', requireRole('admin'), async (req, res) => {
    const values = { email: str(req.body, 'email'), name: str(req.body, 'name'), role: str(req.body, 'role') };
    await handleForm(
      res,
      async () => {
        await renderUsers(res, { created: await createAccountWithLink(db, config, actorOf(req), values), newAccount: true });
      },
      (errors) => renderUsers(res, { errors, values }),
    );
  });

  r.post('/admin/users/:id/role', requireRole('admin'), async (req, res) => {
    await changeRole(db, actorOf(req), idParam(req), str(req.body, 'role'));
    flash(req, 'success', 'Rollen är ändrad. Kontots pågående inloggningar har avslutats.');
    res.redirect(303, '/admin/users');
  });

  r.post('/admin/users/:id/active', requireRole('admin'), async (req, res) => {
    const id = idParam(req);
    const active = str(req.body, 'active') === 'true';
    await setActive(db, actorOf(req), id, active);
    flash(req, 'success', active ? 'Kontot är aktiverat.' : 'Kontot är avstängt och alla dess inloggningar har avslutats.');
    res.redirect(303, '/admin/users');
  });

  r.post('/admin/users/:id/setup-link', requireRole('admin'), async (req, res) => {
    await renderUsers(res, { created: await newSetupLinkWithDelivery(db, config, actorOf(req), idParam(req)) });
  });
}

function apiTokenRoutes(r: Router, { db }: Deps): void {
  const renderTokens = async (res: Response, extra: Record<string, unknown> = {}) => {
    res.render('pages/admin/api-tokens', { title: 'API-nycklar', tokens: await listApiTokens(db), ...extra });
  };

  r.get('/admin/api-tokens', requireRole('admin'), async (_req, res) => renderTokens(res));

  r.post('/admin/api-tokens', requireRole('admin'), async (req, res) => {
    await handleForm(
      res,
      async () => {
        const token = await createApiToken(db, actorOf(req), str(req.body, 'name'));
        await renderTokens(res, { createdToken: token });
      },
      (errors) => renderTokens(res, { errors }),
    );
  });

  r.post('/admin/api-tokens/:id/revoke', requireRole('admin'), async (req, res) => {
    await revokeApiToken(db, actorOf(req), idParam(req));
    flash(req, 'success', 'Nyckeln är återkallad.');
    res.redirect(303, '/admin/api-tokens');
  });
}

function settingsPage(config: Config) {
  return {
    title: 'Inställningar',
    settings: [
      { name: 'Regionens namn (REGION_NAME)', value: config.regionName },
      { name: 'Strategins namn (STRATEGY_NAME)', value: config.strategyName },
      { name: 'Adress (BASE_URL)', value: config.baseUrl },
      { name: 'Databas', value: config.databaseUrl.startsWith('file:') ? 'SQLite' : 'PostgreSQL' },
      { name: 'E-post (SMTP_URL)', value: config.smtpUrl ? 'SMTP-server' : `Skrivs till mappen ${config.outboxDir}` },
      { name: 'Avsändare (MAIL_FROM)', value: config.mailFrom },
      { name: 'Lagringstid för personuppgifter (RETENTION_MONTHS)', value: `${config.retentionMonths} månader` },
      { name: 'Demodata (DEMO)', value: config.demo ? 'På' : 'Av' },
      { name: 'Inloggningstjänster (OIDC_PROVIDERS)', value: config.signIn.oidcProviders.map((p) => p.name).join(', ') || 'Inga' },
      { name: 'Inloggning med lösenord (PASSWORD_LOGIN)', value: config.signIn.passwordLogin },
      { name: 'Tvåstegsverifiering för administratörer (TWO_FACTOR_ADMINS)', value: config.signIn.twoFactorForAdmins },
      { name: 'Längsta inloggning (SESSION_MAX_HOURS)', value: `${config.signIn.sessionMaxHours} timmar` },
    ],
  };
}

export function adminRouter(deps: Deps): Router {
  const r = Router();
  r.use('/admin', requireRole('admin'));
  accountRoutes(r, deps);
  apiTokenRoutes(r, deps);
  r.get('/admin/audit', requireRole('admin'), async (_req, res) => {
    res.render('pages/admin/audit', { title: 'Händelselogg', entries: await listAudit(deps.db, { limit: 300 }) });
  });
  r.get('/admin/settings', requireRole('admin'), (_req, res) => {
    res.render('pages/admin/settings', settingsPage(deps.config));
  });
  return r;
}
