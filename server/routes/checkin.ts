// The check-in link of an årshjul meeting (public by token): an attendee opens it at the meeting
// and picks their organisation from the panel's list. Rate-limited; the token is checked by hash.
import { Router } from 'express';
import type { Deps } from '../deps';
import { tokenPageLimits } from '../middleware/rate-limits';
import { NotFoundError, ValidationError } from '../errors';
import { str } from '../forms';
import { checkIn, checkinMeeting, MEETING_TYPE_LABELS } from '../services/meetings';

export function checkinRouter(deps: Deps): Router {
  const r = Router();
  const limiter = tokenPageLimits(deps.db, 'checkin');

  const invalid = (res: import('express').Response) => res.status(404).render('pages/checkin/invalid', { title: 'Länken gäller inte' });

  r.get('/incheckning/:token', limiter, async (req, res) => {
    const found = await checkinMeeting(deps.db, String(req.params.token));
    if (!found) return invalid(res);
    res.render('pages/checkin/show', {
      title: 'Incheckning',
      meeting: { ...found.meeting, typeLabel: MEETING_TYPE_LABELS[found.meeting.type] ?? found.meeting.type },
      organisations: found.organisations,
      token: req.params.token,
    });
  });

  r.post('/incheckning/:token', limiter, async (req, res) => {
    const token = String(req.params.token);
    try {
      const result = await checkIn(deps.db, token, str(req.body, 'organisation'));
      const found = await checkinMeeting(deps.db, token);
      res.render('pages/checkin/done', {
        title: 'Tack för att du checkade in',
        name: result.name,
        already: result.already,
        meeting: found ? { ...found.meeting, typeLabel: MEETING_TYPE_LABELS[found.meeting.type] ?? found.meeting.type } : null,
        token,
      });
    } catch (e) {
      if (e instanceof NotFoundError) return invalid(res);
      if (!(e instanceof ValidationError)) throw e;
      const found = await checkinMeeting(deps.db, token);
      if (!found) return invalid(res);
      res.status(400).render('pages/checkin/show', {
        title: 'Incheckning',
        meeting: { ...found.meeting, typeLabel: MEETING_TYPE_LABELS[found.meeting.type] ?? found.meeting.type },
        organisations: found.organisations,
        token,
        errors: e.problems,
      });
    }
  });

  return r;
}
