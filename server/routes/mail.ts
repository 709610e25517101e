// E-mail: sending invitations and reminders, templates per round, the follow-up page, the
// non-responder export, the outbox, and the public opt-out pages.
//   /rounds/:id/mail                      follow-up (coordinator)
//   /rounds/:id/mail/send                 "Skicka inbjudningar"
//   /rounds/:id/mail/remind               "Påminn de som inte svarat"
//   /rounds/:id/mail/templates[/:kind/:locale]  edit subject + body with a preview
//   /rounds/:id/mail/preview/:kind/:locale      the HTML version of a preview
//   /rounds/:id/mail/non-responders.csv   export for phone follow-up
//   /outbox                               recent outbox rows; in file mode the written .eml files
//   /avregistrera/:token                  opt-out: GET shows a confirmation page, POST opts out
//   /api/v1/avregistrera/:token           List-Unsubscribe target: POST = RFC 8058 one-click, GET → the page
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { NotFoundError, ValidationError } from '../errors';
import { intParam, str, strList } from '../forms';
import { isLocale, type Locale } from '../i18n';
import { OUTBOX_STATUSES, type OutboxStatus, listOutbox, outboxCounts } from '../mail/outbox';
import {
  EMAIL_KINDS,
  EMAIL_LOCALES,
  type EmailKind,
  KIND_LABELS,
  LOCALE_LABELS,
  PLACEHOLDERS,
  type TemplateSource,
  validateTemplate,
} from '../mail/templates';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { tokenPageLimits } from '../middleware/rate-limits';
import {
  findOptOut,
  followUp,
  nonRespondersCsv,
  optOut,
  previewEmail,
  recipientPlan,
  reminderTargets,
  requireRound,
  resetTemplate,
  retryFailedOfRound,
  retryMessage,
  saveTemplate,
  sendInvitations,
  sendReminders,
  templateFor,
} from '../services/mailings';

const ROUND_STATE_LABELS: Record<string, string> = { utkast: 'Utkast', oppen: 'Öppen', stangd: 'Stängd', publicerad: 'Publicerad' };

function roundIdOf(req: Request): number {
  const id = intParam(req.params.id);
  if (!id) throw new NotFoundError('Enkätomgången finns inte.');
  return id;
}

function kindOf(v: unknown): EmailKind {
  if (typeof v === 'string' && (EMAIL_KINDS as readonly string[]).includes(v)) return v as EmailKind;
  throw new NotFoundError('Det finns ingen sådan e-postmall.');
}

function localeOf(v: unknown, fallback?: Locale): Locale {
  if (isLocale(v)) return v;
  if (fallback) return fallback;
  throw new NotFoundError('Det finns ingen sådan e-postmall.');
}

function idList(body: unknown, key: string): number[] {
  return strList(body, key)
    .map((s) => intParam(s))
    .filter((n): n is number => n !== null);
}

export function mailRouter(deps: Deps): Router {
  const r = Router();
  const { db, config } = deps;

  // ------------------------------------------------------------------------- follow-up
  r.get('/rounds/:id/mail', requireRole('coordinator'), async (req, res) => {
    const f = await followUp(db, roundIdOf(req));
    const counts = await outboxCounts(db, f.round.id);
    const pending = counts.queued + counts.sending;
    res.render('pages/mail/follow-up', {
      title: 'Utskick och svarsfrekvens',
      round: f.round,
      stateLabel: ROUND_STATE_LABELS[f.round.state] ?? f.round.state,
      isOpen: f.round.state === 'oppen',
      f,
      counts,
      pending,
      done: counts.sent + counts.bounced + counts.failed,
      mailerDescription: deps.mailer.description,
    });
  });

  r.get('/rounds/:id/mail/non-responders.csv', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    const { csv } = await nonRespondersCsv(db, actorOf(req), id);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="ej-svarat-omgang-${id}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    res.send(csv);
  });

  r.post('/rounds/:id/mail/retry-failed', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    const n = await retryFailedOfRound(db, actorOf(req), id);
    flash(
      req,
      n ? 'success' : 'info',
      n ? `${n} misslyckade meddelanden ligger i kö igen.` : 'Det fanns inga misslyckade meddelanden att försöka igen med.',
    );
    res.redirect(303, `/rounds/${id}/mail`);
  });

  // ------------------------------------------------------------------------- invitations
  const renderSend = async (req: Request, res: Response, extra: Record<string, unknown> = {}) => {
    const id = roundIdOf(req);
    const round = await requireRound(db, id);
    const plan = await recipientPlan(db, round);
    const locale = localeOf(str(req.method === 'GET' ? req.query : req.body, 'locale'), config.defaultLocale);
    const contactId = intParam(str(req.query, 'contact'));
    const preview = await previewEmail(deps, id, 'invitation', locale, contactId);
    const notInvited = plan.organisations.filter((o) => o.inPanel && !o.invitedAt);
    const selected = new Set((extra.selected as number[] | undefined) ?? []);
    res.render('pages/mail/send', {
      title: 'Skicka inbjudningar',
      round,
      isOpen: round.state === 'oppen',
      stateLabel: ROUND_STATE_LABELS[round.state] ?? round.state,
      organisations: plan.organisations.map((o) => ({ ...o, reachableCount: o.reachable.length, checked: selected.has(o.id) })),
      notInvitedCount: notInvited.length,
      notInvitedMessages: notInvited.reduce((n, o) => n + o.reachable.length, 0),
      notInvitedReachableOrgs: notInvited.filter((o) => o.reachable.length > 0).length,
      allMessages: plan.organisations.reduce((n, o) => n + o.reachable.length, 0),
      unreachable: plan.unreachable,
      withoutRecipient: plan.organisationsWithoutRecipient,
      contacts: plan.organisations.flatMap((o) =>
        o.contacts
          .filter((c) => !c.erasedAt)
          .map((c) => ({ id: c.id, label: `${c.name ?? '–'} (${o.name})`, selected: c.id === preview?.contact?.id })),
      ),
      locales: EMAIL_LOCALES.map((l) => ({ value: l, label: LOCALE_LABELS[l], selected: l === locale })),
      // (not `locale`: that name is the interface language of the page, res.locals.locale)
      mailLocale: locale,
      preview,
      previewHtmlUrl: `/rounds/${id}/mail/preview/invitation/${locale}${preview?.contact ? `?contact=${preview.contact.id}` : ''}`,
      scope: 'not_invited',
      ...extra,
    });
  };

  r.get('/rounds/:id/mail/send', requireRole('coordinator'), async (req, res) => renderSend(req, res));

  r.post('/rounds/:id/mail/send', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    const scope = str(req.body, 'scope') === 'chosen' ? 'chosen' : 'not_invited';
    const chosen = idList(req.body, 'organisationIds');
    const locale = localeOf(str(req.body, 'locale'), config.defaultLocale);
    try {
      if (scope === 'chosen' && chosen.length === 0)
        throw new ValidationError([
          { field: 'organisationIds', message: 'Välj minst en organisation, eller välj att skicka till alla som inte fått inbjudan.' },
        ]);
      const result = await sendInvitations(deps, actorOf(req), id, { organisationIds: scope === 'chosen' ? chosen : null, locale });
      flash(
        req,
        'success',
        `${result.messages} inbjudningar till ${result.organisations} organisationer ligger i kö och skickas nu. Sidan visar hur utskicket går.`,
      );
      res.redirect(303, `/rounds/${id}/mail`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      await renderSend(req, res, { errors: e.problems, scope, selected: chosen });
    }
  });

  // ------------------------------------------------------------------------- reminders
  const renderRemind = async (req: Request, res: Response, extra: Record<string, unknown> = {}) => {
    const id = roundIdOf(req);
    const round = await requireRound(db, id);
    const plan = await recipientPlan(db, round);
    const targets = reminderTargets(plan);
    const contactId = intParam(str(req.query, 'contact'));
    const firstTarget = targets.flatMap((o) => o.reachable)[0];
    const preview = await previewEmail(deps, id, 'reminder', config.defaultLocale, contactId ?? firstTarget?.id ?? null);
    res.render('pages/mail/remind', {
      title: 'Påminn de som inte svarat',
      round,
      isOpen: round.state === 'oppen',
      stateLabel: ROUND_STATE_LABELS[round.state] ?? round.state,
      targets: targets.map((o) => ({ ...o, reachableCount: o.reachable.length })),
      messages: targets.reduce((n, o) => n + o.reachable.length, 0),
      targetsWithoutRecipient: targets.filter((o) => o.reachable.length === 0),
      excluded: targets.flatMap((o) =>
        o.contacts.filter((c) => !c.reachable && !c.erasedAt).map((c) => ({ ...c, organisationName: o.name })),
      ),
      contacts: targets.flatMap((o) =>
        o.reachable.map((c) => ({ id: c.id, label: `${c.name ?? '–'} (${o.name})`, selected: c.id === preview?.contact?.id })),
      ),
      preview,
      previewHtmlUrl: `/rounds/${id}/mail/preview/reminder/${config.defaultLocale}${preview?.contact ? `?contact=${preview.contact.id}` : ''}`,
      reminderDays: round.reminderDays.join(' och '),
      ...extra,
    });
  };

  r.get('/rounds/:id/mail/remind', requireRole('coordinator'), async (req, res) => renderRemind(req, res));

  r.post('/rounds/:id/mail/remind', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    try {
      const result = await sendReminders(deps, actorOf(req), id);
      flash(req, 'success', `${result.messages} påminnelser till ${result.organisations} organisationer ligger i kö och skickas nu.`);
      res.redirect(303, `/rounds/${id}/mail`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      await renderRemind(req, res, { errors: e.problems });
    }
  });

  // ------------------------------------------------------------------------- templates
  r.get('/rounds/:id/mail/templates', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    const round = await requireRound(db, id);
    const items = [];
    for (const kind of EMAIL_KINDS) {
      for (const locale of EMAIL_LOCALES) {
        const t = await templateFor(db, id, kind, locale);
        items.push({
          kind,
          locale,
          kindLabel: KIND_LABELS[kind],
          localeLabel: LOCALE_LABELS[locale],
          subject: t.subject,
          custom: t.custom,
        });
      }
    }
    res.render('pages/mail/templates', { title: 'E-postmallar', round, items });
  });

  const renderTemplate = async (req: Request, res: Response, override?: TemplateSource, extra: Record<string, unknown> = {}) => {
    const id = roundIdOf(req);
    const kind = kindOf(req.params.kind);
    const locale = localeOf(req.params.locale);
    const round = await requireRound(db, id);
    const stored = await templateFor(db, id, kind, locale);
    const contactId = intParam(str(req.method === 'GET' ? req.query : req.body, 'contact'));
    // A refused template is not rendered (it may not even parse); the form shows the errors.
    const preview = extra.errors ? null : await previewEmail(deps, id, kind, locale, contactId, override);
    const plan = await recipientPlan(db, round);
    res.render('pages/mail/template-edit', {
      title: `E-postmall: ${KIND_LABELS[kind]} (${LOCALE_LABELS[locale].toLowerCase()})`,
      round,
      kind,
      // (not `locale`: that name is the interface language of the page, res.locals.locale)
      templateLocale: locale,
      kindLabel: KIND_LABELS[kind],
      localeLabel: LOCALE_LABELS[locale],
      values: override ?? stored,
      custom: stored.custom,
      placeholders: PLACEHOLDERS,
      preview,
      previewHtmlUrl: `/rounds/${id}/mail/preview/${kind}/${locale}${preview?.contact ? `?contact=${preview.contact.id}` : ''}`,
      contacts: plan.organisations.flatMap((o) =>
        o.contacts
          .filter((c) => !c.erasedAt)
          .map((c) => ({ id: c.id, label: `${c.name ?? '–'} (${o.name})`, selected: c.id === preview?.contact?.id })),
      ),
      ...extra,
    });
  };

  r.get('/rounds/:id/mail/templates/:kind/:locale', requireRole('coordinator'), async (req, res) => renderTemplate(req, res));

  r.post('/rounds/:id/mail/templates/:kind/:locale', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    const kind = kindOf(req.params.kind);
    const locale = localeOf(req.params.locale);
    const action = str(req.body, 'action');
    const input = { subject: str(req.body, 'subject'), body: str(req.body, 'body') };
    if (action === 'reset') {
      await resetTemplate(db, actorOf(req), id, kind, locale);
      flash(req, 'success', 'Mallen är återställd till standardtexten.');
      return res.redirect(303, `/rounds/${id}/mail/templates/${kind}/${locale}`);
    }
    try {
      if (action === 'preview') {
        validateTemplate(input);
        return await renderTemplate(req, res, input, { previewed: true });
      }
      await saveTemplate(db, actorOf(req), id, kind, locale, input);
      flash(req, 'success', 'Mallen är sparad.');
      res.redirect(303, `/rounds/${id}/mail/templates/${kind}/${locale}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      await renderTemplate(req, res, input, { errors: e.problems });
    }
  });

  r.get('/rounds/:id/mail/preview/:kind/:locale', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    const preview = await previewEmail(deps, id, kindOf(req.params.kind), localeOf(req.params.locale), intParam(str(req.query, 'contact')));
    if (!preview) throw new NotFoundError();
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(preview.email.html);
  });

  // ------------------------------------------------------------------------- outbox
  r.get('/outbox', requireRole('coordinator'), async (req, res) => {
    const status = str(req.query, 'status');
    const chosen = (OUTBOX_STATUSES as string[]).includes(status) ? (status as OutboxStatus) : undefined;
    const files = deps.mailer.listFiles ? await deps.mailer.listFiles(100) : null;
    res.render('pages/mail/outbox', {
      title: 'Utkorgen',
      rows: await listOutbox(db, { status: chosen, limit: 200 }),
      counts: await outboxCounts(db),
      statuses: OUTBOX_STATUSES.map((s) => ({ value: s, selected: s === chosen })),
      fileMode: deps.mailer.kind === 'file',
      files,
      mailerDescription: deps.mailer.description,
      workerOn: config.outboxWorker,
    });
  });

  r.get('/outbox/files/:name', requireRole('coordinator'), async (req, res) => {
    const name = String(req.params.name);
    const raw = deps.mailer.readFile ? await deps.mailer.readFile(name) : null;
    if (raw === null) throw new NotFoundError('Filen finns inte.');
    res.render('pages/mail/eml', { title: 'E-postmeddelande', name, raw });
  });

  r.post('/outbox/:id/retry', requireRole('coordinator'), async (req, res) => {
    const id = intParam(req.params.id);
    if (!id) throw new NotFoundError();
    const ok = await retryMessage(db, actorOf(req), id);
    flash(
      req,
      ok ? 'success' : 'info',
      ok
        ? 'Meddelandet ligger i kö igen.'
        : 'Meddelandet kan inte skickas igen (det är inte misslyckat, eller innehållet är redan raderat).',
    );
    res.redirect(303, '/outbox');
  });

  // ------------------------------------------------------------------------- opt-out (public by token)
  // opt-out links are guessed no faster than any other token link
  const optOutLimiter = tokenPageLimits(db, 'optout');
  r.get('/avregistrera/:token', optOutLimiter, async (req, res) => {
    // Shows a page and changes nothing: mail scanners follow links.
    const state = await findOptOut(db, String(req.params.token));
    res.setHeader('Cache-Control', 'no-store');
    if (!state) return res.status(404).render('pages/mail/optout', { title: 'Länken fungerar inte', invalid: true });
    res.render('pages/mail/optout', {
      title: 'Avregistrera dig från utskick',
      state,
      token: req.params.token,
      regionName: config.regionName,
      privacyContact: config.privacyContact,
    });
  });

  r.post('/avregistrera/:token', optOutLimiter, async (req, res) => {
    const state = await optOut(db, String(req.params.token), 'page');
    res.setHeader('Cache-Control', 'no-store');
    if (!state) return res.status(404).render('pages/mail/optout', { title: 'Länken fungerar inte', invalid: true });
    res.render('pages/mail/optout', {
      title: 'Du är avregistrerad',
      done: true,
      regionName: config.regionName,
      privacyContact: config.privacyContact,
    });
  });

  r.get('/api/v1/avregistrera/:token', optOutLimiter, (req, res) => {
    res.redirect(303, `/avregistrera/${encodeURIComponent(String(req.params.token))}`);
  });

  // RFC 8058 one-click: the mail client POSTs "List-Unsubscribe=One-Click" to the header's URL.
  r.post('/api/v1/avregistrera/:token', optOutLimiter, async (req, res) => {
    if (str(req.body, 'List-Unsubscribe') !== 'One-Click') {
      return res.status(400).json({ error: { status: 400, message: 'Förväntade List-Unsubscribe=One-Click.' } });
    }
    const state = await optOut(db, String(req.params.token), 'one-click');
    if (!state) return res.status(404).json({ error: { status: 404, message: 'Länken fungerar inte.' } });
    res.json({ status: 'opted_out' });
  });

  return r;
}
