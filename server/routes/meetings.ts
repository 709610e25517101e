// Årshjul meetings for coordinators: the year's meetings, attendance checklist, check-in link.
import { type Request, Router } from 'express';
import type { Deps } from '../deps';
import { NotFoundError, ValidationError } from '../errors';
import { handleForm, intParam, str, strList } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import {
  closeCheckin,
  createCheckinLink,
  createMeeting,
  editMeeting,
  type MeetingForm,
  meetingPage,
  meetingsPage,
  removeMeeting,
  setAttendance,
} from '../services/meetings';
import { currentYear, parseYear } from '../lib/year';

function meetingForm(body: unknown): MeetingForm {
  return { type: str(body, 'type'), heldOn: str(body, 'heldOn'), place: str(body, 'place'), panelId: str(body, 'panelId') };
}

function idOf(req: Request): number {
  const id = intParam(req.params.id);
  if (!id) throw new NotFoundError('Mötet finns inte.');
  return id;
}

export function meetingsRouter(deps: Deps): Router {
  const r = Router();
  const db = deps.db;

  r.get('/meetings', requireRole('coordinator'), async (req, res) => {
    const year = req.query.year === undefined ? currentYear() : parseYear(req.query.year);
    if (year === null) throw new ValidationError([{ field: 'year', message: 'Ange året med fyra siffror, t.ex. 2025.' }]);
    res.render('pages/meetings/index', await meetingsPage(db, year));
  });

  r.post('/meetings', requireRole('coordinator'), async (req, res) => {
    const form = meetingForm(req.body);
    await handleForm(
      res,
      async () => {
        const id = await createMeeting(db, actorOf(req), form);
        flash(
          req,
          'success',
          'Mötet är registrerat. Bocka för vilka organisationer som var representerade, eller skapa en incheckningslänk.',
        );
        res.redirect(303, `/meetings/${id}`);
      },
      async (errors) => {
        const year = parseYear(form.heldOn.slice(0, 4)) ?? currentYear();
        res.render('pages/meetings/index', { ...(await meetingsPage(db, year, form)), errors });
      },
    );
  });

  r.get('/meetings/:id', requireRole('coordinator'), async (req, res) => {
    res.render('pages/meetings/show', await meetingPage(db, idOf(req)));
  });

  r.post('/meetings/:id', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const form = meetingForm(req.body);
    await handleForm(
      res,
      async () => {
        await editMeeting(db, actorOf(req), id, form);
        flash(req, 'success', 'Mötet är uppdaterat.');
        res.redirect(303, `/meetings/${id}`);
      },
      async (errors) => res.render('pages/meetings/show', { ...(await meetingPage(db, id, { typed: form })), errors }),
    );
  });

  r.post('/meetings/:id/delete', requireRole('coordinator'), async (req, res) => {
    const m = await removeMeeting(db, actorOf(req), idOf(req));
    flash(req, 'success', 'Mötet och dess närvaro är borttagna.');
    res.redirect(303, `/meetings?year=${m.year}`);
  });

  r.post('/meetings/:id/attendance', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    await handleForm(
      res,
      async () => {
        const { added, removed } = await setAttendance(db, actorOf(req), id, strList(req.body, 'organisations'));
        flash(req, 'success', `Närvaron är sparad (${added} tillagda, ${removed} borttagna).`);
        res.redirect(303, `/meetings/${id}`);
      },
      async (errors) => res.render('pages/meetings/show', { ...(await meetingPage(db, id)), errors }),
    );
  });

  r.post('/meetings/:id/checkin-link', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const token = await createCheckinLink(db, actorOf(req), id);
    res.render('pages/meetings/show', await meetingPage(db, id, { checkinLink: `${deps.config.baseUrl}/incheckning/${token}` }));
  });

  r.post('/meetings/:id/checkin-close', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    await closeCheckin(db, actorOf(req), id);
    flash(req, 'success', 'Incheckningen är stängd. Länken fungerar inte längre.');
    res.redirect(303, `/meetings/${id}`);
  });

  return r;
}
