// The survey editor and the versions of a survey (coordinators edit texts and questions, analysts
// the indicators; admins both):
//   GET|POST /surveys/ny                                 a new survey from scratch
//   GET      /surveys/:surveyId/versioner                every version and draft of a survey
//   POST     /surveys/:surveyId/nytt-utkast              a new version from the survey's file
//   GET      /surveys/versioner/:versionId               one version: who, when, rounds, changes
//   POST     /surveys/versioner/:versionId/nytt-utkast   "Ny version från 2025"
//   GET      /surveys/versioner/:versionId/export.yaml   the version as the YAML file the CLI reads
//   GET|POST /surveys/versioner/:versionId/forhandsvisning  the version as a respondent sees it
//   GET|POST /surveys/utkast/:draftId                    edit texts and questions (one form, every problem at once)
//   GET|POST /surveys/utkast/:draftId/indikatorer        edit the indicators
//   GET      /surveys/utkast/:draftId/andringar          what the draft changes
//   GET|POST /surveys/utkast/:draftId/forhandsvisning    the draft as a respondent sees it
//   POST     /surveys/utkast/:draftId/klar               mark ready: a version a round can use
//   GET|POST /surveys/utkast/:draftId/ta-bort            discard the draft (with a confirmation page)
import { type Request, type Response, Router } from 'express';
import type { Deps } from '../deps';
import { type FieldProblem, NotFoundError } from '../errors';
import { handleForm, intParam, str } from '../forms';
import { actorOf, flash, requireRole } from '../middleware/auth';
import {
  discardDraft,
  draftDefinition,
  type EditorForm,
  type EditorPart,
  loadDraft,
  lockedIds,
  markReadyAndSync,
  type NewSurveyValues,
  startDraftFromFile,
  startDraftFromVersion,
  startNewSurvey,
  storedEditorForm,
  submitEditor,
} from '../services/survey-editor';
import { editorView, QUESTION_TYPE_LABELS } from '../services/survey-editor-view';
import { draftChanges, exportVersionYaml, surveyVersionsPage, versionPage } from '../services/survey-history';
import { checkPostedAnswers, previewLocale, respondentFormPage } from '../services/survey-preview';
import { getSurveyVersion } from '../services/survey-versions';
import type { SurveyDefinition } from '../surveys/schema';

type EditorDeps = Pick<Deps, 'db' | 'config'>;

function numberParam(req: Request, name: string, what: string): number {
  const id = intParam(req.params[name]);
  if (!id) throw new NotFoundError(`${what} finns inte.`);
  return id;
}
const draftIdOf = (req: Request) => numberParam(req, 'draftId', 'Utkastet');
const versionIdOf = (req: Request) => numberParam(req, 'versionId', 'Versionen');
function surveyIdOf(req: Request): string {
  const id = String(req.params.surveyId ?? '');
  if (!/^[a-z][a-z0-9_]{0,63}$/.test(id)) throw new NotFoundError('Enkäten finns inte.');
  return id;
}

const TABS = [
  { part: 'survey', path: '', label: 'Frågor och texter', roles: ['coordinator'] },
  { part: 'indicators', path: '/indikatorer', label: 'Indikatorer', roles: ['analyst'] },
  { part: 'changes', path: '/andringar', label: 'Ändringar', roles: ['coordinator', 'analyst'] },
  { part: 'preview', path: '/forhandsvisning', label: 'Förhandsvisa', roles: ['coordinator', 'analyst'] },
];

/** The tabs of a draft's pages the user's role may open, with the current one marked. */
function tabsFor(req: Request, draftId: number, current: string) {
  const role = req.user!.role;
  return TABS.filter((t) => role === 'admin' || t.roles.includes(role)).map((t) => ({
    href: `/surveys/utkast/${draftId}${t.path}`,
    label: t.label,
    current: t.part === current,
  }));
}

/** The draft's header: the survey, the version it is made from, who made and saved it. */
async function draftHeader(deps: EditorDeps, draftId: number) {
  const ctx = await loadDraft(deps.db, draftId);
  const title = ctx.doc.title.sv;
  return { draft: ctx.draft, parentId: ctx.parent?.id ?? null, surveyTitle: title, surveyId: ctx.draft.surveyId, ctx };
}

function editorPages(deps: EditorDeps) {
  const render = async (req: Request, res: Response, draftId: number, part: EditorPart, form?: EditorForm) => {
    const stored = await storedEditorForm(deps.db, deps.config, draftId);
    const f = form ?? stored;
    const view = editorView({
      doc: f.doc,
      part,
      locked: lockedIds(stored.ctx.parent?.definition ?? null, stored.ctx.parent === null),
      problems: f.problems,
      issues: f.issues,
      confirmed: f.confirmed,
    });
    const shown = new Set([...view.removed.map((r) => r.key), ...f.issues.filter((i) => i.part === part).map((i) => i.key)]);
    res.render(part === 'survey' ? 'pages/surveys/editor' : 'pages/surveys/editor-indicators', {
      title: part === 'survey' ? 'Redigera enkäten' : 'Redigera indikatorerna',
      ...(await draftHeader(deps, draftId)),
      tabs: tabsFor(req, draftId, part),
      formPath: part === 'survey' ? `/surveys/utkast/${draftId}` : `/surveys/utkast/${draftId}/indikatorer`,
      revision: f.revision,
      unsaved: f.notice === 'unsaved',
      conflict: f.notice === 'conflict',
      ...view,
      errors: view.errors.length ? view.errors : undefined,
      hiddenConfirms: [...f.confirmed].filter((k) => !shown.has(k)),
      english: f.doc.english,
      canMarkReady: true,
    });
  };
  return { render };
}

function editRoutes(r: Router, deps: EditorDeps): void {
  const pages = editorPages(deps);
  const part = (p: EditorPart, path: string, role: 'coordinator' | 'analyst') => {
    r.get(`/surveys/utkast/:draftId${path}`, requireRole(role), async (req, res) => {
      await pages.render(req, res, draftIdOf(req), p);
    });
    r.post(`/surveys/utkast/:draftId${path}`, requireRole(role), async (req, res) => {
      const id = draftIdOf(req);
      const outcome = await submitEditor(deps.db, deps.config, actorOf(req), id, p, req.body as Record<string, unknown>);
      if (outcome.kind === 'saved') {
        flash(req, 'success', 'Utkastet är sparat. Markera det som klart när det kan användas av en omgång.');
        return res.redirect(303, `/surveys/utkast/${id}${path}`);
      }
      res.status(outcome.status);
      await pages.render(req, res, id, p, outcome);
    });
  };
  part('survey', '', 'coordinator');
  part('indicators', '/indikatorer', 'analyst');

  r.get('/surveys/utkast/:draftId/andringar', requireRole('coordinator', 'analyst'), async (req, res) => {
    const id = draftIdOf(req);
    res.render('pages/surveys/draft-changes', {
      title: 'Ändringar i utkastet',
      ...(await draftHeader(deps, id)),
      tabs: tabsFor(req, id, 'changes'),
      ...(await draftChanges(deps.db, id)),
    });
  });
}

function readyRoutes(r: Router, deps: EditorDeps): void {
  r.post('/surveys/utkast/:draftId/klar', requireRole('coordinator', 'analyst'), async (req, res) => {
    const id = draftIdOf(req);
    await handleForm(
      res,
      async () => {
        const { versionId, syncProblem } = await markReadyAndSync(deps, actorOf(req), id, str(req.body, 'note'));
        flash(req, 'success', `Versionen är klar (version ${versionId}). Den kan nu väljas när en omgång skapas och exporteras som YAML.`);
        if (syncProblem) flash(req, 'error', `Indikatorerna kunde inte uppdateras: ${syncProblem}`);
        res.redirect(303, `/surveys/versioner/${versionId}`);
      },
      async (errors) => {
        res.render('pages/surveys/draft-changes', {
          title: 'Utkastet kunde inte markeras som klart',
          ...(await draftHeader(deps, id)),
          tabs: tabsFor(req, id, 'changes'),
          ...(await draftChanges(deps.db, id)),
          errors,
          note: str(req.body, 'note'),
        });
      },
    );
  });

  r.get('/surveys/utkast/:draftId/ta-bort', requireRole('coordinator', 'analyst'), async (req, res) => {
    const id = draftIdOf(req);
    res.render('pages/surveys/draft-delete', { title: 'Ta bort utkastet', ...(await draftHeader(deps, id)) });
  });
  r.post('/surveys/utkast/:draftId/ta-bort', requireRole('coordinator', 'analyst'), async (req, res) => {
    const surveyId = await discardDraft(deps.db, actorOf(req), draftIdOf(req));
    flash(req, 'success', 'Utkastet är borttaget.');
    res.redirect(303, `/surveys/${surveyId}/versioner`);
  });
}

const EMPTY_NEW: NewSurveyValues = {
  id: '',
  title: '',
  intro: '',
  estimatedMinutes: '5',
  questionType: 'yesno',
  questionId: '',
  questionText: '',
};

function startRoutes(r: Router, deps: EditorDeps): void {
  const newForm = (res: Response, values: NewSurveyValues, errors?: FieldProblem[]) =>
    res.render('pages/surveys/new', {
      title: 'Ny enkät',
      values,
      errors,
      types: ['yesno', 'text'].map((v) => ({ value: v, label: QUESTION_TYPE_LABELS[v], selected: values.questionType === v })),
    });
  r.get('/surveys/ny', requireRole('coordinator'), (_req, res) => newForm(res, EMPTY_NEW));
  r.post('/surveys/ny', requireRole('coordinator'), async (req, res) => {
    const values = Object.fromEntries(Object.keys(EMPTY_NEW).map((k) => [k, str(req.body, k)])) as unknown as NewSurveyValues;
    await handleForm(
      res,
      async () => {
        const id = await startNewSurvey(deps.db, deps.config, actorOf(req), values);
        flash(req, 'success', 'Enkäten är skapad som ett utkast. Lägg till frågorna och spara.');
        res.redirect(303, `/surveys/utkast/${id}`);
      },
      (errors) => newForm(res, values, errors),
    );
  });

  /** Where a new draft opens: the questions for a coordinator, the indicators for an analyst. */
  const openDraft = (req: Request, res: Response, id: number) =>
    res.redirect(303, req.user!.role === 'analyst' ? `/surveys/utkast/${id}/indikatorer` : `/surveys/utkast/${id}`);
  r.post('/surveys/versioner/:versionId/nytt-utkast', requireRole('coordinator', 'analyst'), async (req, res) => {
    const id = await startDraftFromVersion(deps.db, actorOf(req), versionIdOf(req));
    flash(req, 'success', 'Ett utkast till en ny version är skapat. Ändra och spara; versionen kan användas när den är markerad som klar.');
    openDraft(req, res, id);
  });
  r.post('/surveys/:surveyId/nytt-utkast', requireRole('coordinator', 'analyst'), async (req, res) => {
    const id = await startDraftFromFile(deps.db, deps.config.surveysDir, actorOf(req), surveyIdOf(req));
    flash(req, 'success', 'Ett utkast till en ny version är skapat från enkätfilen.');
    openDraft(req, res, id);
  });
}

function versionRoutes(r: Router, deps: EditorDeps): void {
  r.get('/surveys/:surveyId/versioner', requireRole('coordinator', 'analyst'), async (req, res) => {
    const view = await surveyVersionsPage(deps.db, deps.config, surveyIdOf(req));
    res.render('pages/surveys/versions', { title: `Versioner av ${view.surveyTitle}`, ...view });
  });
  r.get('/surveys/versioner/:versionId', requireRole('coordinator', 'analyst'), async (req, res) => {
    const view = await versionPage(deps.db, deps.config, versionIdOf(req));
    res.render('pages/surveys/version', { title: `${view.surveyTitle} – version ${view.version.id}`, ...view });
  });
  r.get('/surveys/versioner/:versionId/export.yaml', requireRole('coordinator', 'analyst'), async (req, res) => {
    const v = await getSurveyVersion(deps.db, versionIdOf(req));
    const out = await exportVersionYaml(deps.db, v.surveyId, v.id);
    res.set('Content-Type', 'application/yaml; charset=utf-8');
    res.set('Content-Disposition', `attachment; filename="${out.fileName}"`);
    res.send(out.yaml);
  });
}

/** The preview of a version or a draft: the respondent's form, in the language asked for, at phone width when asked. */
function previewRoutes(r: Router, deps: EditorDeps): void {
  const show = (req: Request, res: Response, o: { def: SurveyDefinition; what: string; back: string; path: string }) => {
    const locale = previewLocale(o.def, req.query.sprak);
    const submit = str(req.body, '_action') === 'submit';
    const checked = req.method === 'POST' ? checkPostedAnswers(o.def, req.body, deps.config, locale, submit) : null;
    res.locals.locale = locale;
    res.locals.previewMode = true;
    res.locals.hideLanguageSwitch = true;
    const phone = req.query.mobil === '1';
    const query = (lang: string, mobil: boolean) => `${o.path}?sprak=${lang}${mobil ? '&mobil=1' : ''}`;
    if (checked?.errors.length) res.status(400);
    const page = respondentFormPage(o.def, deps.config, locale, checked?.raw ?? {}, checked?.errors ?? []);
    res.render('pages/surveys/preview', {
      title: page.surveyTitle,
      ...page,
      what: o.what,
      back: o.back,
      phone,
      action: query(locale, phone),
      svUrl: query('sv', phone),
      enUrl: query('en', phone),
      phoneUrl: query(locale, true),
      wideUrl: query(locale, false),
      isEnglish: locale === 'en',
      checkedOk: checked !== null && checked.errors.length === 0,
      checkedSubmit: submit,
    });
  };
  const version = async (req: Request, res: Response) => {
    const v = await getSurveyVersion(deps.db, versionIdOf(req));
    show(req, res, {
      def: v.definition,
      what: `version ${v.id}`,
      back: `/surveys/versioner/${v.id}`,
      path: `/surveys/versioner/${v.id}/forhandsvisning`,
    });
  };
  const draft = async (req: Request, res: Response) => {
    const id = draftIdOf(req);
    show(req, res, {
      def: await draftDefinition(deps.db, id),
      what: 'utkastet',
      back: `/surveys/utkast/${id}`,
      path: `/surveys/utkast/${id}/forhandsvisning`,
    });
  };
  r.get('/surveys/versioner/:versionId/forhandsvisning', requireRole('coordinator', 'analyst'), version);
  r.post('/surveys/versioner/:versionId/forhandsvisning', requireRole('coordinator', 'analyst'), version);
  r.get('/surveys/utkast/:draftId/forhandsvisning', requireRole('coordinator', 'analyst'), draft);
  r.post('/surveys/utkast/:draftId/forhandsvisning', requireRole('coordinator', 'analyst'), draft);
}

export function surveyEditorRouter(deps: Deps): Router {
  const r = Router();
  startRoutes(r, deps);
  versionRoutes(r, deps);
  previewRoutes(r, deps);
  editRoutes(r, deps);
  readyRoutes(r, deps);
  return r;
}
