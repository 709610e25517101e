// Admin: accounts and roles, deactivation (ends sessions), setup links, API tokens, audit log.
import { Router } from 'express';
import type { Deps } from '../deps';
import { ValidationError } from '../errors';
import { intParam, str } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { listUsers, ROLES } from '../repositories/users';
import { changeRole, createAccount, newSetupLinkFor, setActive } from '../services/accounts';
import { createApiToken, listApiTokens, revokeApiToken } from '../services/api-tokens';
import { listAudit } from '../services/audit';
import { NotFoundError } from '../errors';

export const ROLE_LABELS: Record<string, string> = { admin: 'Administratör', coordinator: 'Samordnare', analyst: 'Analytiker' };

export function adminRouter(deps: Deps): Router {
  const r = Router();
  const db = deps.db;
  r.use('/admin', requireRole('admin'));

  const renderUsers = async (res: import('express').Response, extra: Record<string, unknown> = {}) => {
    const users = (await listUsers(db)).map((u) => ({ ...u, roleLabel: ROLE_LABELS[u.role] }));
    res.render('pages/admin/users', {
      title: 'Konton och roller',
      users,
      roles: ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] })),
      ...extra,
    });
  };

  r.get('/admin/users', requireRole('admin'), async (_req, res) => renderUsers(res));

  r.post('/admin/users', requireRole('admin'), async (req, res) => {
    try {
      const { user, setupToken } = await createAccount(db, actorOf(req), {
        email: str(req.body, 'email'),
        name: str(req.body, 'name'),
        role: str(req.body, 'role'),
      });
      await renderUsers(res, { created: { user, link: `${deps.config.baseUrl}/setup/${setupToken}` } });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      await renderUsers(res, { errors: e.problems, values: req.body });
    }
  });

  r.post('/admin/users/:id/role', requireRole('admin'), async (req, res) => {
    const id = intParam(req.params.id);
    if (!id) throw new NotFoundError();
    await changeRole(db, actorOf(req), id, str(req.body, 'role'));
    flash(req, 'success', 'Rollen är ändrad. Kontots pågående inloggningar har avslutats.');
    res.redirect(303, '/admin/users');
  });

  r.post('/admin/users/:id/active', requireRole('admin'), async (req, res) => {
    const id = intParam(req.params.id);
    if (!id) throw new NotFoundError();
    const active = str(req.body, 'active') === 'true';
    await setActive(db, actorOf(req), id, active);
    flash(req, 'success', active ? 'Kontot är aktiverat.' : 'Kontot är avstängt och alla dess inloggningar har avslutats.');
    res.redirect(303, '/admin/users');
  });

  r.post('/admin/users/:id/setup-link', requireRole('admin'), async (req, res) => {
    const id = intParam(req.params.id);
    if (!id) throw new NotFoundError();
    const token = await newSetupLinkFor(db, actorOf(req), id);
    await renderUsers(res, { created: { link: `${deps.config.baseUrl}/setup/${token}` } });
  });

  r.get('/admin/audit', requireRole('admin'), async (_req, res) => {
    res.render('pages/admin/audit', { title: 'Händelselogg', entries: await listAudit(db, { limit: 300 }) });
  });

  r.get('/admin/api-tokens', requireRole('admin'), async (_req, res) => {
    res.render('pages/admin/api-tokens', { title: 'API-nycklar', tokens: await listApiTokens(db) });
  });

  r.post('/admin/api-tokens', requireRole('admin'), async (req, res) => {
    const name = str(req.body, 'name').trim();
    if (!name) {
      res.status(400);
      return res.render('pages/admin/api-tokens', {
        title: 'API-nycklar',
        tokens: await listApiTokens(db),
        errors: [{ field: 'name', message: 'Ange ett namn på nyckeln, t.ex. "Målstyrningssystemet".' }],
      });
    }
    const token = await createApiToken(db, actorOf(req), name);
    res.render('pages/admin/api-tokens', { title: 'API-nycklar', tokens: await listApiTokens(db), createdToken: token });
  });

  r.post('/admin/api-tokens/:id/revoke', requireRole('admin'), async (req, res) => {
    const id = intParam(req.params.id);
    if (!id) throw new NotFoundError();
    await revokeApiToken(db, actorOf(req), id);
    flash(req, 'success', 'Nyckeln är återkallad.');
    res.redirect(303, '/admin/api-tokens');
  });

  r.get('/admin/settings', requireRole('admin'), (_req, res) => {
    const c = deps.config;
    res.render('pages/admin/settings', {
      title: 'Inställningar',
      settings: [
        { name: 'Regionens namn (REGION_NAME)', value: c.regionName },
        { name: 'Strategins namn (STRATEGY_NAME)', value: c.strategyName },
        { name: 'Adress (BASE_URL)', value: c.baseUrl },
        { name: 'Databas', value: c.databaseUrl.startsWith('file:') ? 'SQLite' : 'PostgreSQL' },
        { name: 'E-post (SMTP_URL)', value: c.smtpUrl ? 'SMTP-server' : `Skrivs till mappen ${c.outboxDir}` },
        { name: 'Avsändare (MAIL_FROM)', value: c.mailFrom },
        { name: 'Lagringstid för personuppgifter (RETENTION_MONTHS)', value: `${c.retentionMonths} månader` },
        { name: 'Demodata (DEMO)', value: c.demo ? 'På' : 'Av' },
        { name: 'Inloggningstjänster (OIDC_PROVIDERS)', value: c.signIn.oidcProviders.map((p) => p.name).join(', ') || 'Inga' },
        { name: 'Inloggning med lösenord (PASSWORD_LOGIN)', value: c.signIn.passwordLogin },
        { name: 'Tvåstegsverifiering för administratörer (TWO_FACTOR_ADMINS)', value: c.signIn.twoFactorForAdmins },
        { name: 'Längsta inloggning (SESSION_MAX_HOURS)', value: `${c.signIn.sessionMaxHours} timmar` },
      ],
    });
  });
  return r;
}
