// Årshjul meetings for coordinators: the year's meetings, attendance checklist, check-in link.
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { NotFoundError, ValidationError } from '../errors';
import { intParam, str, strList } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import { attendanceOf, listMeetings, panelMembers } from '../repositories/meetings';

import {
  closeCheckin,
  createCheckinLink,
  createMeeting,
  editMeeting,
  MEETING_TYPE_LABELS,
  type MeetingForm,
  removeMeeting,
  requireMeeting,
  setAttendance,
} from '../services/meetings';
import { qrSvgPath } from '../services/qr';
import { organisationTypeLabel } from '../services/organisation-types';
import { MEETING_TYPES } from '../surveys/schema';
import { parseYear } from '../lib/year';

function meetingForm(body: unknown): MeetingForm {
  return { type: str(body, 'type'), heldOn: str(body, 'heldOn'), place: str(body, 'place'), panelId: str(body, 'panelId') };
}

export function meetingsRouter(deps: Deps): Router {
  const r = Router();
  const db = deps.db;

  const idOf = (req: Request): number => {
    const id = intParam(req.params.id);
    if (!id) throw new NotFoundError('Mötet finns inte.');
    return id;
  };

  async function panels(selected?: number | string) {
    const rows = await db('panels').orderBy('name').select('id', 'slug', 'name');
    const fallback = rows.find((p: { slug: string }) => p.slug === 'arshjulet')?.id ?? rows[0]?.id;
    const chosen = selected === undefined || selected === '' ? fallback : Number(selected);
    return rows.map((p: { id: number; name: string }) => ({
      value: Number(p.id),
      label: p.name,
      selected: Number(p.id) === Number(chosen),
    }));
  }

  const typeOptions = (selected?: string) =>
    MEETING_TYPES.map((t) => ({ value: t, label: MEETING_TYPE_LABELS[t], selected: t === selected }));

  async function renderList(
    req: Request,
    res: Response,
    year: number,
    extra: { errors?: unknown; values?: MeetingForm } = {},
  ): Promise<void> {
    const meetings = (await listMeetings(db, year)).map((m) => ({ ...m, typeLabel: MEETING_TYPE_LABELS[m.type] ?? m.type }));
    const thisYear = new Date().getFullYear();
    const years = [];
    for (let y = thisYear + 1; y >= thisYear - 6; y--) years.push({ value: y, selected: y === year });
    res.render('pages/meetings/index', {
      title: 'Årshjulets möten',
      year,
      years,
      meetings,
      panels: await panels(extra.values?.panelId),
      types: typeOptions(extra.values?.type),
      values: extra.values ?? { heldOn: '', place: '' },
      errors: extra.errors,
    });
  }

  r.get('/meetings', requireRole('coordinator'), async (req, res) => {
    const year = req.query.year === undefined ? new Date().getFullYear() : parseYear(req.query.year);
    if (year === null) throw new ValidationError([{ field: 'year', message: 'Ange året med fyra siffror, t.ex. 2025.' }]);
    await renderList(req, res, year);
  });

  r.post('/meetings', requireRole('coordinator'), async (req, res) => {
    const form = meetingForm(req.body);
    try {
      const id = await createMeeting(db, actorOf(req), form);
      flash(
        req,
        'success',
        'Mötet är registrerat. Bocka för vilka organisationer som var representerade, eller skapa en incheckningslänk.',
      );
      res.redirect(303, `/meetings/${id}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      await renderList(req, res, parseYear(form.heldOn.slice(0, 4)) ?? new Date().getFullYear(), { errors: e.problems, values: form });
    }
  });

  async function renderMeeting(
    req: Request,
    res: Response,
    id: number,
    extra: { errors?: unknown; values?: MeetingForm; checkinLink?: string } = {},
  ): Promise<void> {
    const meeting = await requireMeeting(db, id);
    const attended = new Map((await attendanceOf(db, id)).map((a) => [a.organisationId, a.source]));
    const organisations = (await panelMembers(db, meeting.panelId, meeting.year)).map((o) => ({
      ...o,
      typeLabel: organisationTypeLabel(o.type),
      checked: attended.has(o.id),
      viaCheckin: attended.get(o.id) === 'checkin',
    }));
    const values = extra.values ?? {
      type: meeting.type,
      heldOn: meeting.heldOn,
      place: meeting.place ?? '',
      panelId: String(meeting.panelId),
    };
    res.render('pages/meetings/show', {
      title: `${MEETING_TYPE_LABELS[meeting.type] ?? meeting.type} ${meeting.heldOn}`,
      meeting: { ...meeting, typeLabel: MEETING_TYPE_LABELS[meeting.type] ?? meeting.type },
      organisations,
      represented: organisations.filter((o) => o.checked).length,
      panels: await panels(values.panelId),
      types: typeOptions(values.type),
      values,
      checkinLink: extra.checkinLink,
      qr: extra.checkinLink ? qrSvgPath(extra.checkinLink) : null,
      errors: extra.errors,
    });
  }

  r.get('/meetings/:id', requireRole('coordinator'), async (req, res) => {
    await renderMeeting(req, res, idOf(req));
  });

  r.post('/meetings/:id', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const form = meetingForm(req.body);
    try {
      await editMeeting(db, actorOf(req), id, form);
      flash(req, 'success', 'Mötet är uppdaterat.');
      res.redirect(303, `/meetings/${id}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      await renderMeeting(req, res, id, { errors: e.problems, values: form });
    }
  });

  r.post('/meetings/:id/delete', requireRole('coordinator'), async (req, res) => {
    const m = await removeMeeting(db, actorOf(req), idOf(req));
    flash(req, 'success', 'Mötet och dess närvaro är borttagna.');
    res.redirect(303, `/meetings?year=${m.year}`);
  });

  r.post('/meetings/:id/attendance', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    try {
      const { added, removed } = await setAttendance(db, actorOf(req), id, strList(req.body, 'organisations'));
      flash(req, 'success', `Närvaron är sparad (${added} tillagda, ${removed} borttagna).`);
      res.redirect(303, `/meetings/${id}`);
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      res.status(400);
      await renderMeeting(req, res, id, { errors: e.problems });
    }
  });

  r.post('/meetings/:id/checkin-link', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    const token = await createCheckinLink(db, actorOf(req), id);
    await renderMeeting(req, res, id, { checkinLink: `${deps.config.baseUrl}/incheckning/${token}` });
  });

  r.post('/meetings/:id/checkin-close', requireRole('coordinator'), async (req, res) => {
    const id = idOf(req);
    await closeCheckin(db, actorOf(req), id);
    flash(req, 'success', 'Incheckningen är stängd. Länken fungerar inte längre.');
    res.redirect(303, `/meetings/${id}`);
  });

  return r;
}
