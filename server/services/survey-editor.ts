// The survey editor (coordinators and admins edit the texts and questions; analysts and admins
// the indicators): a new version is started from any stored version ("Ny version från 2025"),
// from the current file, or from scratch, and edited as a draft.
//
// * A draft is a row in survey_drafts holding the survey as its file's data. Saving validates the
//   whole survey with the one validator (server/surveys/load.ts) and the guard of the public
//   interface (./survey-guard.ts); nothing is saved until both pass, and every problem is shown at
//   once, tied to its field. A stale form (someone saved in between) is not saved over the newer
//   draft: the form comes back with what was typed and says so.
// * Marking a draft ready stores it as a survey version (source 'editor', who, when, the version it
//   was made from) — immutable, usable by a round, exportable as YAML — and removes the draft. The
//   newest version from a file or from the editor is the survey's current definition: the
//   indicators are synced from it.
import type { Knex } from 'knex';
import type { Config } from '../config';
import type { Deps } from '../deps';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { deleteDraft, findDraft, insertDraft, listDrafts, type SurveyDraft, updateDraftIfRevision } from '../repositories/survey-drafts';
import { indicatorOwners } from '../repositories/survey-usage';
import { findSurveyVersionByHash, versionCountsBySurvey } from '../repositories/survey-versions';
import { inTransaction } from '../repositories/transaction';
import { definitionToFile } from '../surveys/document';
import { checkSurveyData, type LoadedSurvey, SurveyDefinitionError } from '../surveys/load';
import { ID_PATTERN, surveyFileSchema, type SurveyDefinition } from '../surveys/schema';
import { type Actor, audit } from './audit';
import { checkEditorDoc, type EditorProblem } from './survey-editor-check';
import { applyAction, type EditorDoc, editorDocOf, emptyOption, fileDataOf, parseAction, readEditorForm } from './survey-editor-doc';
import type { LockedIds } from './survey-editor-view';
import { guardIssues, type GuardIssue, surveyUsage } from './survey-guard';
import { syncIndicatorsFromFiles } from './indicator-sync';
import { currentSurveys, getSurveyVersion, pinSurveyVersion, type SurveyVersion } from './survey-versions';
import { placeholderValues } from './surveys';

type EditorConfig = Pick<Config, 'surveysDir' | 'regionName' | 'strategyName'>;
export type EditorPart = 'survey' | 'indicators';

export interface DraftContext {
  draft: SurveyDraft;
  doc: EditorDoc;
  parent: SurveyVersion | null;
}

/** The working copy of a stored draft's document (a valid survey file's data). */
function docOf(document: unknown): EditorDoc {
  return editorDocOf(surveyFileSchema.parse(document));
}

export async function loadDraft(db: Knex, id: number): Promise<DraftContext> {
  const draft = await findDraft(db, id);
  if (!draft) throw new NotFoundError('Utkastet finns inte. Det kan ha markerats som klart eller tagits bort.');
  const parent = draft.parentVersionId === null ? null : await getSurveyVersion(db, draft.parentVersionId);
  return { draft, doc: docOf(draft.document), parent };
}

/** The draft as a survey definition (a saved draft is always a valid survey). */
export async function draftDefinition(db: Knex, id: number): Promise<SurveyDefinition> {
  const { survey } = checkSurveyData((await loadDraft(db, id)).draft.document);
  if (!survey) throw new ConflictError('Utkastet är inte giltigt. Öppna det och spara det igen.', 'draft_invalid');
  return survey.definition;
}

/** The ids and codes of the version a draft is made from: shown, never retyped. */
export function lockedIds(parent: SurveyDefinition | null, fromScratch: boolean): LockedIds {
  const locked: LockedIds = {
    surveyId: !fromScratch,
    questions: new Set(),
    options: new Set(),
    statements: new Set(),
    sections: new Set(),
    scales: new Set(),
    indicators: new Set(),
  };
  if (!parent) return locked;
  for (const q of parent.questions) {
    locked.questions.add(q.id);
    if (q.type === 'text') continue;
    for (const o of q.options) locked.options.add(`${q.id}:${o.code}`);
    if (q.type !== 'yesno' && q.scale !== undefined) {
      locked.scales.add(q.scale);
      for (const o of q.options) locked.options.add(`scale:${q.scale}:${o.code}`);
    }
    if (q.type === 'matrix') for (const s of q.statements) locked.statements.add(`${q.id}.${s.id}`);
  }
  for (const s of parent.sections) locked.sections.add(s.id);
  for (const i of parent.indicators) locked.indicators.add(i.id);
  return locked;
}

// ---------------------------------------------------------------------------------------------
// Starting a draft
// ---------------------------------------------------------------------------------------------

/** "Ny version från …": a draft that starts as a copy of a stored version. */
export async function startDraftFromVersion(db: Knex, actor: Actor, versionId: number): Promise<number> {
  const v = await getSurveyVersion(db, versionId);
  const id = await insertDraft(db, {
    surveyId: v.surveyId,
    parentVersionId: v.id,
    document: definitionToFile(v.definition),
    createdBy: actor.userId,
  });
  await audit(db, actor, 'surveys.draft_start', { type: 'survey_draft', id }, { surveyId: v.surveyId, parentVersionId: v.id });
  return id;
}

/** A draft from the survey's file as it reads now (the file is stored as a version first). */
export async function startDraftFromFile(db: Knex, surveysDir: string, actor: Actor, surveyId: string): Promise<number> {
  const file = (await currentSurveys(surveysDir)).find((s) => s.definition.id === surveyId);
  if (!file) throw new NotFoundError('Enkätfilen finns inte.');
  return startDraftFromVersion(db, actor, await pinSurveyVersion(db, file, 'file'));
}

export interface NewSurveyValues {
  id: string;
  title: string;
  intro: string;
  estimatedMinutes: string;
  questionType: string;
  questionId: string;
  questionText: string;
}

/** The survey ids in use: the files, the stored versions and the drafts. */
async function takenSurveyIds(db: Knex, surveysDir: string): Promise<Set<string>> {
  const files = await currentSurveys(surveysDir).catch(() => [] as LoadedSurvey[]);
  const drafts = await listDrafts(db);
  return new Set([...files.map((f) => f.definition.id), ...(await versionCountsBySurvey(db)).keys(), ...drafts.map((d) => d.surveyId)]);
}

/** A new survey from scratch: its id, title, intro, time and first question; the rest is added in the editor. */
export async function startNewSurvey(db: Knex, config: EditorConfig, actor: Actor, v: NewSurveyValues): Promise<number> {
  const type = v.questionType === 'yesno' ? 'yesno' : 'text';
  const doc: EditorDoc = {
    ...docOf({
      id: 'ny',
      title: { sv: 'x' },
      intro: { sv: 'x' },
      estimatedMinutes: 1,
      questions: [{ id: 'x', type: 'text', text: { sv: 'x' } }],
    }),
    id: v.id.trim(),
    title: { sv: v.title, en: '' },
    intro: { sv: v.intro, en: '' },
    estimatedMinutes: v.estimatedMinutes,
  };
  doc.questions = [{ ...doc.questions[0], id: v.questionId.trim(), type, text: { sv: v.questionText, en: '' } }];
  const { survey, problems } = checkEditorDoc(doc);
  const formProblems = problems.map((p) => ({ field: newSurveyField(p.name), message: p.message }));
  if (survey && (await takenSurveyIds(db, config.surveysDir)).has(survey.definition.id))
    formProblems.push({
      field: 'id',
      message: `Enkätens id: det finns redan en enkät med id:t ${survey.definition.id}. Välj ett annat id.`,
    });
  if (!survey || formProblems.length) throw new ValidationError(formProblems);
  const id = await insertDraft(db, {
    surveyId: survey.definition.id,
    parentVersionId: null,
    document: fileDataOf(doc),
    createdBy: actor.userId,
  });
  await audit(db, actor, 'surveys.draft_start', { type: 'survey_draft', id }, { surveyId: survey.definition.id, parentVersionId: null });
  return id;
}

function newSurveyField(name: string): string {
  const map: Record<string, string> = {
    id: 'id',
    'title.sv': 'title',
    'intro.sv': 'intro',
    estimatedMinutes: 'estimatedMinutes',
    'questions.0.id': 'questionId',
    'questions.0.text.sv': 'questionText',
  };
  return map[name] ?? 'id';
}

// ---------------------------------------------------------------------------------------------
// Editing and saving
// ---------------------------------------------------------------------------------------------

export interface EditorForm {
  doc: EditorDoc;
  problems: EditorProblem[];
  issues: GuardIssue[];
  confirmed: Set<string>;
  revision: number;
  /** What the page says at the top (a change made but not saved, a newer save by someone else). */
  notice: 'unsaved' | 'conflict' | null;
}

export type EditorOutcome = { kind: 'saved' } | ({ kind: 'form'; status: number } & EditorForm);

/** Choice questions that have neither a scale nor options get two empty options to fill in. */
function normalise(doc: EditorDoc): void {
  for (const q of doc.questions)
    if ((q.type === 'single' || q.type === 'multiple' || q.type === 'matrix') && !q.scale && q.options.length === 0)
      q.options.push(emptyOption(), emptyOption());
}

/** The confirmations after a post: the stored ones of the other form, and what this form ticks of its own. */
function mergeConfirmed(stored: string[], posted: string[], issues: GuardIssue[], part: EditorPart): Set<string> {
  const mine = new Set(issues.filter((i) => i.part === part).map((i) => i.key));
  return new Set([...stored.filter((k) => !mine.has(k)), ...posted.filter((k) => mine.has(k))]);
}

/** Everything a save checks besides the file format: the guard, the survey id, indicator ids of other surveys. */
async function saveProblems(
  db: Knex,
  config: EditorConfig,
  ctx: DraftContext,
  doc: EditorDoc,
  survey: LoadedSurvey,
  confirmed: Set<string>,
): Promise<{ issues: GuardIssue[]; problems: EditorProblem[] }> {
  const def = survey.definition;
  const usage = await surveyUsage(
    db,
    ctx.draft.surveyId,
    def.indicators.map((i) => i.id),
  );
  const issues = guardIssues(ctx.parent?.definition ?? null, def, doc, usage, placeholderValues(config), confirmed);
  const problems: EditorProblem[] = issues
    .filter((i) => !i.confirmed)
    .map((i) => ({ name: i.name ?? `confirm:${i.key}`, message: i.message }));
  if (def.id !== ctx.draft.surveyId)
    problems.push({
      name: 'id',
      message: `Enkätens id: id:t kan inte ändras (det är ${ctx.draft.surveyId}); importer, exporter och tidigare år använder det.`,
    });
  const owners = await indicatorOwners(
    db,
    def.indicators.map((i) => i.id),
  );
  def.indicators.forEach((i, k) => {
    const owner = owners.get(i.id);
    if (owner !== undefined && owner !== def.id)
      problems.push({
        name: `indicators.${k}.id`,
        message: `Indikatorn ${i.id}: id:t används redan av ${owner ? `enkäten ${owner}` : 'en indikator utan enkät'}; indikatorernas id:n ska vara unika i alla enkäter.`,
      });
  });
  return { issues, problems };
}

/**
 * A post of the editor's form: a button that changes the working copy (add, remove, move,
 * refresh) shows the form again without saving; "Spara utkastet" validates everything and saves
 * only when there is no problem.
 */
export async function submitEditor(
  db: Knex,
  config: EditorConfig,
  actor: Actor,
  draftId: number,
  part: EditorPart,
  body: Record<string, unknown>,
): Promise<EditorOutcome> {
  const ctx = await loadDraft(db, draftId);
  const doc = readEditorForm(body, part, ctx.doc);
  const posted = Array.isArray(body._confirm) ? body._confirm.map(String) : typeof body._confirm === 'string' ? [body._confirm] : [];
  const formRevision = typeof body._revision === 'string' && /^\d{1,9}$/.test(body._revision) ? Number(body._revision) : ctx.draft.revision;
  const action = parseAction(
    typeof body._action === 'string' ? body._action : 'save',
    typeof body._newType === 'string' ? body._newType : '',
  );
  const form = (status: number, f: Omit<EditorForm, 'doc' | 'revision'>, revision = formRevision): EditorOutcome => ({
    kind: 'form',
    status,
    doc,
    revision,
    ...f,
  });
  if (action.kind !== 'save') {
    applyAction(doc, action);
    normalise(doc);
    return form(200, { problems: [], issues: [], confirmed: new Set([...ctx.draft.confirmed, ...posted]), notice: 'unsaved' });
  }
  const checked = checkEditorDoc(doc);
  if (!checked.survey) return form(400, { problems: checked.problems, issues: [], confirmed: new Set(posted), notice: null });
  const firstPass = await saveProblems(db, config, ctx, doc, checked.survey, new Set([...ctx.draft.confirmed, ...posted]));
  const confirmed = mergeConfirmed(ctx.draft.confirmed, posted, firstPass.issues, part);
  const { issues, problems } = await saveProblems(db, config, ctx, doc, checked.survey, confirmed);
  if (problems.length) return form(400, { problems, issues, confirmed, notice: null });
  const keep = [...confirmed].filter((k) => issues.some((i) => i.key === k));
  const saved = await updateDraftIfRevision(db, draftId, formRevision, {
    document: fileDataOf(doc),
    confirmed: keep,
    updatedBy: actor.userId,
  });
  if (!saved) return form(409, { problems: [], issues, confirmed, notice: 'conflict' }, (await loadDraft(db, draftId)).draft.revision);
  await audit(db, actor, 'surveys.draft_save', { type: 'survey_draft', id: draftId }, { surveyId: ctx.draft.surveyId, part });
  return { kind: 'saved' };
}

/** The editor's form as stored (a GET), with the guarded changes the draft carries. */
export async function storedEditorForm(db: Knex, config: EditorConfig, draftId: number): Promise<EditorForm & { ctx: DraftContext }> {
  const ctx = await loadDraft(db, draftId);
  const checked = checkEditorDoc(ctx.doc);
  const confirmed = new Set(ctx.draft.confirmed);
  const issues = checked.survey ? (await saveProblems(db, config, ctx, ctx.doc, checked.survey, confirmed)).issues : [];
  return { ctx, doc: ctx.doc, problems: [], issues, confirmed, revision: ctx.draft.revision, notice: null };
}

// ---------------------------------------------------------------------------------------------
// Ready, or discarded
// ---------------------------------------------------------------------------------------------

/**
 * "Markera som klar": the draft becomes a survey version (usable by a round, exportable) and
 * the draft is removed. Checked again as a save is, since answers may have arrived since.
 * Returns the new version's id.
 */
export async function markDraftReady(db: Knex, config: EditorConfig, actor: Actor, draftId: number, noteText: string): Promise<number> {
  const ctx = await loadDraft(db, draftId);
  const note = noteText.trim().slice(0, 500) || null;
  const { survey } = checkSurveyData(ctx.draft.document);
  if (!survey) throw new ConflictError('Utkastet är inte giltigt. Öppna det och spara det igen.', 'draft_invalid');
  const { problems } = await saveProblems(db, config, ctx, ctx.doc, survey, new Set(ctx.draft.confirmed));
  if (problems.length)
    throw new ValidationError(
      problems.map((p) => ({ field: 'note', message: p.message })),
      'Utkastet behöver sparas igen.',
    );
  const same = await findSurveyVersionByHash(db, survey.definition.id, survey.hash);
  if (same)
    throw new ValidationError([
      {
        field: 'note',
        message:
          same.id === ctx.parent?.id
            ? `Utkastet har inga ändringar jämfört med version ${same.id}, som det gjordes från. Ändra något, eller ta bort utkastet.`
            : `Utkastet har samma innehåll som version ${same.id}, som redan kan användas av en omgång. Ta bort utkastet och använd version ${same.id}.`,
      },
    ]);
  if (!ID_PATTERN.test(survey.definition.id)) throw new ConflictError('Enkätens id är inte giltigt.', 'draft_invalid');
  return inTransaction(db, async (trx) => {
    const versionId = await pinSurveyVersion(trx, survey, 'editor', {
      createdBy: actor.userId,
      parentVersionId: ctx.parent?.id ?? null,
      note,
    });
    if (!(await deleteDraft(trx, draftId)))
      throw new ConflictError('Utkastet har redan markerats som klart eller tagits bort.', 'draft_gone');
    await audit(
      trx,
      actor,
      'surveys.version_ready',
      { type: 'survey_version', id: versionId },
      {
        surveyId: survey.definition.id,
        hash: survey.hash,
        parentVersionId: ctx.parent?.id ?? null,
        draftId,
      },
    );
    return versionId;
  });
}

/**
 * Marks the draft ready, then syncs the indicators (the new version is the survey's current
 * definition). Returns the version id and, when the sync could not be made, why (the version is
 * kept; the indicators follow at the next start or `indicators sync`).
 */
export async function markReadyAndSync(
  deps: Pick<Deps, 'db' | 'config'>,
  actor: Actor,
  draftId: number,
  note: string,
): Promise<{ versionId: number; syncProblem: string | null }> {
  const versionId = await markDraftReady(deps.db, deps.config, actor, draftId, note);
  try {
    await syncIndicatorsFromFiles(deps);
    return { versionId, syncProblem: null };
  } catch (e) {
    if (e instanceof ValidationError) return { versionId, syncProblem: e.problems.map((p) => p.message).join(' ') };
    if (e instanceof SurveyDefinitionError) return { versionId, syncProblem: 'Enkätfilerna har fel (npm run cli -- surveys check).' };
    throw e;
  }
}

export async function discardDraft(db: Knex, actor: Actor, draftId: number): Promise<string> {
  const ctx = await loadDraft(db, draftId);
  if (!(await deleteDraft(db, draftId))) throw new NotFoundError('Utkastet finns inte.');
  await audit(db, actor, 'surveys.draft_discard', { type: 'survey_draft', id: draftId }, { surveyId: ctx.draft.surveyId });
  return ctx.draft.surveyId;
}
