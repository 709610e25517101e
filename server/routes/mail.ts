// E-mail: sending invitations and reminders, templates per round, the follow-up page, the
// non-responder export, the outbox, and the public opt-out pages.
//   /rounds/:id/mail                      follow-up (coordinator)
//   /rounds/:id/mail/send                 "Skicka inbjudningar"
//   /rounds/:id/mail/remind               "Påminn de som inte svarat"
//   /rounds/:id/mail/templates[/:kind/:locale]  edit subject + body with a preview
//   /rounds/:id/mail/preview/:kind/:locale      the HTML version of a preview
//   /rounds/:id/mail/non-responders.csv   export for phone follow-up
//   /outbox                               recent outbox rows; in file mode the written .eml files
//   /outbox/send-now                      "Skicka nu": mail waiting out a backoff is due at once
//   /avregistrera/:token                  opt-out: GET shows a confirmation page, POST opts out
//   /api/v1/avregistrera/:token           List-Unsubscribe target: POST = RFC 8058 one-click, GET → the page
import { type Request, Router } from 'express';
import type { Knex } from 'knex';
import { NotFoundError, ValidationError } from '../errors';
import { handleForm, intParam, str, strList } from '../forms';
import { isLocale, type Locale } from '../i18n';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { tokenPageLimits } from '../middleware/rate-limits';
import { nonRespondersCsv } from '../services/mail-follow-up';
import { assertReminderNotTooSoon } from '../services/reminder-status';
import { scheduleInvitations } from '../services/rounds';
import { formatStockholmDeadline } from '../services/stockholm-time';
import {
  emailKindOf,
  emlFilePage,
  followUpPage,
  type MailPageDeps,
  outboxPage,
  previewHtml,
  remindPage,
  sendPage,
  sendResultMessage,
  templateEditPage,
  templatesPage,
} from '../services/mail-pages';
import {
  findOptOut,
  optOut,
  resetTemplate,
  retryFailedOfRound,
  retryMessage,
  saveTemplate,
  sendInvitations,
  sendReminders,
  sendRequestOf,
  sendWaitingNow,
} from '../services/mailings';

function roundIdOf(req: Request): number {
  const id = intParam(req.params.id);
  if (!id) throw new NotFoundError('Enkätomgången finns inte.');
  return id;
}

/** The language chosen for a send: 'sv' or 'en' for every message; anything else ('contact'): each contact's own. */
function mailLanguageOf(v: unknown): Locale | null {
  return isLocale(v) ? v : null;
}

function localeOf(v: unknown, fallback?: Locale): Locale {
  if (isLocale(v)) return v;
  if (fallback) return fallback;
  throw new NotFoundError('Det finns ingen sådan e-postmall.');
}

/** The template of the URL (/…/templates/:kind/:locale). */
function templateOf(req: Request) {
  const kind = emailKindOf(req.params.kind);
  if (!kind) throw new NotFoundError('Det finns ingen sådan e-postmall.');
  return { kind, locale: localeOf(req.params.locale) };
}

/** The contact to preview a message for: ?contact= on a GET, the form's field on a POST. */
function previewContactOf(req: Request): number | null {
  return intParam(str(req.method === 'GET' ? req.query : req.body, 'contact'));
}

function idList(body: unknown, key: string): number[] {
  return strList(body, key)
    .map((s) => intParam(s))
    .filter((n): n is number => n !== null);
}

export function mailRouter(deps: MailPageDeps): Router {
  const r = Router();
  followUpRoutes(r, deps);
  invitationRoutes(r, deps);
  reminderRoutes(r, deps);
  scheduleRoutes(r, deps);
  templateRoutes(r, deps);
  outboxRoutes(r, deps);
  optOutRoutes(r, deps);
  return r;
}

function followUpRoutes(r: Router, deps: MailPageDeps): void {
  const { db } = deps;
  r.get('/rounds/:id/mail', requireRole('coordinator'), async (req, res) => {
    res.render('pages/mail/follow-up', await followUpPage(deps, roundIdOf(req)));
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
}

function invitationRoutes(r: Router, deps: MailPageDeps): void {
  r.get('/rounds/:id/mail/send', requireRole('coordinator'), async (req, res) => {
    const locale = mailLanguageOf(str(req.query, 'locale'));
    res.render('pages/mail/send', await sendPage(deps, roundIdOf(req), { locale, contactId: intParam(str(req.query, 'contact')) }));
  });

  r.post('/rounds/:id/mail/send', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    const scope = str(req.body, 'scope') === 'chosen' ? 'chosen' : 'not_invited';
    const chosen = idList(req.body, 'organisationIds');
    const locale = mailLanguageOf(str(req.body, 'locale'));
    await handleForm(
      res,
      async () => {
        if (scope === 'chosen' && !chosen.length)
          throw new ValidationError([
            { field: 'organisationIds', message: 'Välj minst en organisation, eller välj att skicka till alla som inte fått inbjudan.' },
          ]);
        const request = sendRequestOf(str(req.body, 'sendRequestId'), str(req.body, 'afterSendId'));
        const result = await sendInvitations(deps, actorOf(req), id, {
          organisationIds: scope === 'chosen' ? chosen : null,
          locale,
          request,
        });
        const { kind, message } = sendResultMessage('invitation', result);
        flash(req, kind, message);
        res.redirect(303, `/rounds/${id}/mail`);
      },
      async (errors) => {
        const form = { locale, contactId: intParam(str(req.query, 'contact')), scope, selected: chosen, errors } as const;
        res.render('pages/mail/send', await sendPage(deps, id, form));
      },
    );
  });
}

/** "Skicka inbjudningarna automatiskt": a time for the scheduler, or none (the date left empty). */
function scheduleRoutes(r: Router, deps: MailPageDeps): void {
  r.post('/rounds/:id/mail/schedule', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    const schedule = { date: str(req.body, 'invitations_date'), time: str(req.body, 'invitations_time') };
    await handleForm(
      res,
      async () => {
        const at = await scheduleInvitations(deps.db, actorOf(req), id, schedule);
        flash(
          req,
          'success',
          at
            ? `Inbjudningarna skickas automatiskt ${formatStockholmDeadline(at)} till dem som inte fått någon inbjudan.`
            : 'Inbjudningarna är inte längre schemalagda. Skicka dem för hand.',
        );
        res.redirect(303, `/rounds/${id}/mail/send`);
      },
      async (errors) => res.render('pages/mail/send', await sendPage(deps, id, { locale: null, contactId: null, schedule, errors })),
    );
  });
}

function reminderRoutes(r: Router, deps: MailPageDeps): void {
  r.get('/rounds/:id/mail/remind', requireRole('coordinator'), async (req, res) => {
    res.render('pages/mail/remind', await remindPage(deps, roundIdOf(req), intParam(str(req.query, 'contact'))));
  });

  r.post('/rounds/:id/mail/remind', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    // scope=chosen: only the organisations ticked (the reminder page, or the drafts on the closing page)
    const chosen = str(req.body, 'scope') === 'chosen' ? idList(req.body, 'organisationIds') : null;
    const confirmRecent = str(req.body, 'confirm_recent') === 'ja';
    // from the closing page: back there afterwards
    const back = str(req.body, 'tillbaka') === 'stang' ? `/rounds/${id}/stang` : `/rounds/${id}/mail`;
    await handleForm(
      res,
      async () => {
        if (chosen && !chosen.length)
          throw new ValidationError([{ field: 'organisationIds', message: 'Välj minst en organisation att påminna.' }]);
        const request = sendRequestOf(str(req.body, 'sendRequestId'), str(req.body, 'afterSendId'));
        // the second-reminder check runs inside the send, after the press is known to be new
        const notTooSoon = (trx: Knex) => assertReminderNotTooSoon(trx, id, confirmRecent);
        const result = await sendReminders(deps, actorOf(req), id, chosen, request, notTooSoon);
        const { kind, message } = sendResultMessage('reminder', result);
        flash(req, kind, message);
        res.redirect(303, back);
      },
      async (errors) =>
        res.render(
          'pages/mail/remind',
          await remindPage(deps, id, intParam(str(req.query, 'contact')), errors, { selected: chosen, confirmRecent }),
        ),
    );
  });
}

function templateRoutes(r: Router, deps: MailPageDeps): void {
  const { db } = deps;
  r.get('/rounds/:id/mail/templates', requireRole('coordinator'), async (req, res) => {
    res.render('pages/mail/templates', await templatesPage(deps, roundIdOf(req)));
  });

  r.get('/rounds/:id/mail/templates/:kind/:locale', requireRole('coordinator'), async (req, res) => {
    res.render(
      'pages/mail/template-edit',
      await templateEditPage(deps, roundIdOf(req), { ...templateOf(req), contactId: previewContactOf(req) }),
    );
  });

  r.post('/rounds/:id/mail/templates/:kind/:locale', requireRole('coordinator'), async (req, res) => {
    const id = roundIdOf(req);
    const { kind, locale } = templateOf(req);
    const action = str(req.body, 'action');
    const draft = { subject: str(req.body, 'subject'), body: str(req.body, 'body') };
    const page = { kind, locale, contactId: previewContactOf(req), draft };
    if (action === 'reset') {
      await resetTemplate(db, actorOf(req), id, kind, locale);
      flash(req, 'success', 'Mallen är återställd till standardtexten.');
      return res.redirect(303, `/rounds/${id}/mail/templates/${kind}/${locale}`);
    }
    await handleForm(
      res,
      async () => {
        if (action === 'preview')
          return res.render('pages/mail/template-edit', await templateEditPage(deps, id, { ...page, previewed: true }));
        await saveTemplate(db, actorOf(req), id, kind, locale, draft);
        flash(req, 'success', 'Mallen är sparad.');
        res.redirect(303, `/rounds/${id}/mail/templates/${kind}/${locale}`);
      },
      async (errors) => res.render('pages/mail/template-edit', await templateEditPage(deps, id, { ...page, errors })),
    );
  });

  r.get('/rounds/:id/mail/preview/:kind/:locale', requireRole('coordinator'), async (req, res) => {
    const { kind, locale } = templateOf(req);
    const html = await previewHtml(deps, roundIdOf(req), kind, locale, intParam(str(req.query, 'contact')));
    res.setHeader('Cache-Control', 'no-store');
    res.type('html').send(html);
  });
}

function outboxRoutes(r: Router, deps: MailPageDeps): void {
  r.get('/outbox', requireRole('coordinator'), async (req, res) => {
    res.render('pages/mail/outbox', await outboxPage(deps, str(req.query, 'status')));
  });

  r.get('/outbox/files/:name', requireRole('coordinator'), async (req, res) => {
    res.render('pages/mail/eml', await emlFilePage(deps, String(req.params.name)));
  });

  r.post('/outbox/send-now', requireRole('coordinator'), async (req, res) => {
    const n = await sendWaitingNow(deps.db, actorOf(req));
    flash(req, n ? 'success' : 'info', n ? `${n} meddelanden skickas nu.` : 'Inga meddelanden väntade på ett nytt försök.');
    res.redirect(303, '/outbox');
  });

  r.post('/outbox/:id/retry', requireRole('coordinator'), async (req, res) => {
    const id = intParam(req.params.id);
    if (!id) throw new NotFoundError();
    const ok = await retryMessage(deps.db, actorOf(req), id);
    flash(
      req,
      ok ? 'success' : 'info',
      ok
        ? 'Meddelandet ligger i kö igen.'
        : 'Meddelandet kan inte skickas igen (det är inte misslyckat, eller innehållet är redan raderat).',
    );
    res.redirect(303, '/outbox');
  });
}

/** The public opt-out pages, reached by the token in every e-mail. */
function optOutRoutes(r: Router, deps: MailPageDeps): void {
  const { db, config } = deps;
  const invalid = { title: 'Länken fungerar inte', invalid: true };
  // opt-out links are guessed no faster than any other token link
  const optOutLimiter = tokenPageLimits(db, 'optout');
  r.get('/avregistrera/:token', optOutLimiter, async (req, res) => {
    // Shows a page and changes nothing: mail scanners follow links.
    const state = await findOptOut(db, String(req.params.token));
    res.setHeader('Cache-Control', 'no-store');
    if (!state) return res.status(404).render('pages/mail/optout', invalid);
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
    if (!state) return res.status(404).render('pages/mail/optout', invalid);
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
}
