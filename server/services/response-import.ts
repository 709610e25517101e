// Import of earlier answers (how a region brings its 2019–2024 answers from the tool it used
// before). Shared by `npm run cli -- import responses FILE.csv --survey ID --year YYYY --panel SLUG`
// and the coordinator's upload in the interface.
//
// The file: one row per organisation; a column `organisation` (the organisation's name or its
// organisation number); one column per question id (a matrix statement: `matrix_id.statement_id`).
// A cell holds the option code or the option's Swedish label exactly as in the survey file
// (compared without regard to case and repeated spaces); several answers to a multiple-choice
// question are separated by `;` or `|` (quote the cell when the file's separator is `;`); a
// free-text cell is taken as written; an empty cell is "not answered". The CSV reading rules are
// the register import's (UTF-8 with/without BOM or Windows-1252; `;` or `,`).
//
// Every problem is listed (row, column, the value, what is allowed) and nothing is imported until
// the file is clean. The import is one transaction: it creates a closed round (imported = true,
// the survey's current version pinned) for the survey, year and panel when none exists, invites
// the panel's organisations for that year plus every imported organisation (so the response rate
// reads "imported of invited"), and stores each row as a submitted response (source 'import').
import type { Knex } from 'knex';
import type { Config } from '../config';
import { refreshStatistics } from '../db';
import { ValidationError } from '../errors';
import { findPanel, findPanelBySlug, listPanels, type Panel } from '../repositories/panels';
import {
  insertResponse,
  insertRevision,
  organisationsForMatching,
  organisationsWithResponse,
  replaceAnswers,
} from '../repositories/responses';
import { findRoundOf, insertRound, panelMembersForYear, type Round } from '../repositories/rounds';
import { latestSurveyVersionId, uploadedSurveyTitles } from '../repositories/survey-versions';
import { inTransaction } from '../repositories/transaction';
import { type LoadedSurvey, SurveyDefinitionError } from '../surveys/load';
import { isChoiceQuestion, localize, type PlaceholderValues, renderText, type ScaleOption, type SurveyDefinition } from '../surveys/schema';
import { type AnswerValue, answerRefs, checkAnswers, conditionText, type RawAnswers } from './answers';
import { type Actor, audit } from './audit';
import { type ImportProblem, problemText } from './csv-import';
import { type CsvFile, readCsv } from './csv';
import { tooManyRowsMessage, UPLOAD_LIMITS } from '../lib/upload-limits';
import { ensureInvitation } from './invitations';
import { roundHasTokens } from '../repositories/invitations';
import { currentYear } from '../lib/year';
import { normaliseOrganisationNumber } from './organisation-types';
import { currentSurveys, getSurveyVersion, pinSurveyVersion } from './survey-versions';
import { currentSurveysOrRefuse, placeholderValues } from './surveys';

export { problemText };

export const ORGANISATION_COLUMN = 'organisation';
export const MULTIPLE_SEPARATORS = /[;|]/;

type ImportConfig = Pick<Config, 'surveysDir' | 'regionName' | 'strategyName'>;

export interface ResponseImportInput {
  surveyId: string;
  year: number;
  /** The panel, by slug (CLI) or id (interface). */
  panelSlug?: string;
  panelId?: number;
  /** For a round the import creates: analysts see only aggregates. Default false. */
  confidential?: boolean;
  bytes: Buffer;
}

export interface PlannedResponse {
  row: number;
  organisationId: number;
  organisationName: string;
  answers: AnswerValue[];
}

export interface ResponseImportPlan {
  problems: ImportProblem[];
  responses: PlannedResponse[];
  survey: { id: string; title: string; hash: string } | null;
  panel: Panel | null;
  /** The round the answers go into; null when the import will create it. */
  existingRound: Round | null;
  /** Question columns found in the file. */
  columns: string[];
  /** Where the definition comes from: a file to pin, or a stored version. */
  surveySource: { loaded: LoadedSurvey | null; versionId: number | null } | null;
}

/** The surveys an import can be for: each current file, and each survey that has versions uploaded or made in the editor. */
export async function importSurveyChoices(db: Knex, config: ImportConfig): Promise<Array<{ value: string; label: string }>> {
  const vars = placeholderValues(config);
  const files = await currentSurveys(config.surveysDir).catch((e: unknown) => {
    if (e instanceof SurveyDefinitionError) return []; // a broken file: the import explains it when chosen
    throw e;
  });
  const options = files.map((s) => ({
    value: s.definition.id,
    label: `${renderText(s.definition.title.sv, vars)} (${s.definition.id})`,
  }));
  for (const u of await uploadedSurveyTitles(db))
    if (!options.some((o) => o.value === u.surveyId))
      options.push({ value: u.surveyId, label: `${renderText(u.title, vars)} (${u.surveyId}, i Partnerpuls)` });
  return options;
}

const key = (s: string) => s.toLocaleLowerCase('sv').replace(/\s+/g, ' ').trim();

function fileProblem(problems: ImportProblem[], message: string): void {
  problems.push({ row: null, column: null, message });
}

// ---------------------------------------------------------------------------------------------
// Step 1: the panel, the round and the survey the answers are for
// ---------------------------------------------------------------------------------------------

interface SurveySource {
  definition: SurveyDefinition;
  hash: string;
  /** A file to pin, or an existing version id. */
  loaded: LoadedSurvey | null;
  versionId: number | null;
}

async function surveyFor(db: Knex, surveysDir: string, surveyId: string, existingRound: Round | null): Promise<SurveySource | null> {
  if (existingRound) {
    const v = await getSurveyVersion(db, existingRound.surveyVersionId);
    return { definition: v.definition, hash: v.hash, loaded: null, versionId: v.id };
  }
  const file = (await currentSurveysOrRefuse(surveysDir)).find((s) => s.definition.id === surveyId);
  if (file) return { definition: file.definition, hash: file.hash, loaded: file, versionId: null };
  const uploadedId = await latestSurveyVersionId(db, surveyId);
  if (uploadedId === null) return null;
  const v = await getSurveyVersion(db, uploadedId);
  return { definition: v.definition, hash: v.hash, loaded: null, versionId: v.id };
}

async function panelFor(db: Knex, input: ResponseImportInput, problems: ImportProblem[]): Promise<Panel | null> {
  const panel =
    input.panelId !== undefined ? await findPanel(db, input.panelId) : input.panelSlug ? await findPanelBySlug(db, input.panelSlug) : null;
  if (!panel) {
    const slugs = (await listPanels(db)).map((p) => p.slug).sort();
    fileProblem(
      problems,
      `Panelen ${input.panelSlug ? `”${input.panelSlug}” ` : ''}finns inte${slugs.length ? ` (finns: ${slugs.join(', ')})` : ''}.`,
    );
  }
  return panel;
}

/**
 * Why answers cannot be imported into an existing round, or null. Imports are for rounds that
 * have no personal links and are not open: answers imported into a round that organisations
 * answer themselves would make them "submitted" without answering (their own link would say so,
 * and no reminder would reach them), and would mix forged figures into the round's.
 */
async function roundRefusal(db: Knex, round: Round): Promise<string | null> {
  const why =
    round.state === 'publicerad'
      ? 'är publicerad och kan inte ta emot fler svar'
      : round.state === 'oppen'
        ? 'är öppen: organisationerna svarar själva via sina personliga länkar'
        : round.state === 'utkast'
          ? 'är ett utkast som ska öppnas för organisationerna att svara i'
          : (await roundHasTokens(db, round.id))
            ? 'har haft personliga länkar: organisationerna har kunnat svara själva'
            : null;
  if (!why) return null;
  return `Omgången ”${round.title}” ${why}. Tidigare svar kan bara importeras till en omgång som är stängd och aldrig har haft personliga länkar, eller till ett år och en panel utan omgång (då skapas en stängd, importerad omgång).`;
}

/** Checks the year, the panel, the round and the survey; fills them into the plan. The definition, or null when something is wrong. */
async function checkTarget(
  db: Knex,
  config: ImportConfig,
  input: ResponseImportInput,
  plan: ResponseImportPlan,
): Promise<SurveyDefinition | null> {
  const { problems } = plan;
  if (!Number.isInteger(input.year) || input.year < 2000 || input.year > 2100)
    fileProblem(problems, 'Ange år med fyra siffror, t.ex. 2023.');
  else if (input.year > currentYear())
    fileProblem(problems, `${input.year} har inte börjat: tidigare svar kan bara importeras för år som har varit (eller pågår).`);
  const panel = await panelFor(db, input, problems);
  plan.panel = panel;
  if (panel && problems.length === 0) {
    plan.existingRound = await findRoundOf(db, input.surveyId, input.year, panel.id);
    const refusal = plan.existingRound ? await roundRefusal(db, plan.existingRound) : null;
    if (refusal) fileProblem(problems, refusal);
  }
  const survey = await surveyFor(db, config.surveysDir, input.surveyId, plan.existingRound);
  if (!survey) {
    const ids = (await currentSurveysOrRefuse(config.surveysDir)).map((s) => s.definition.id);
    fileProblem(problems, `Enkäten ”${input.surveyId}” finns inte (finns: ${ids.join(', ')}).`);
  }
  if (problems.length || !survey || !panel) return null;
  plan.survey = { id: survey.definition.id, title: localize(survey.definition.title, 'sv', placeholderValues(config)), hash: survey.hash };
  plan.surveySource = { loaded: survey.loaded, versionId: survey.versionId };
  return survey.definition;
}

// ---------------------------------------------------------------------------------------------
// Step 2: the file and its columns
// ---------------------------------------------------------------------------------------------

async function readImportFile(bytes: Buffer, problems: ImportProblem[]): Promise<CsvFile | null> {
  const read = await readCsv(bytes, { maxRows: UPLOAD_LIMITS.responses.maxRows!, tooManyRows: tooManyRowsMessage('responses') });
  if (!read.ok) {
    problems.push(read.problem);
    return null;
  }
  const { rows } = read.csv;
  if (rows.length === 0) fileProblem(problems, 'Filen innehåller bara rubrikraden och inga organisationer.');
  return problems.length ? null : read.csv;
}

type AnswerRef = ReturnType<typeof answerRefs>[number];

interface ImportColumns {
  /** Index of the `organisation` column. */
  organisation: number;
  /** Column index → question reference. */
  refs: Map<number, string>;
}

function unknownColumnMessage(header: string, k: string, def: SurveyDefinition, refs: AnswerRef[]): string {
  const q = def.questions.find((x) => x.id === k);
  if (q?.type === 'matrix')
    return `Kolumnen ”${header}” är en matris: ange en kolumn per påstående (${q.statements.map((s) => `${q.id}.${s.id}`).join(', ')}).`;
  return `Okänd kolumn ”${header}”. Tillåtna kolumner: ${ORGANISATION_COLUMN}, ${refs.map((r) => r.ref).join(', ')}.`;
}

/** Columns: `organisation` and question references, each once. */
function readColumns(header: string[], def: SurveyDefinition, problems: ImportProblem[]): ImportColumns | null {
  const refs = answerRefs(def);
  const refByKey = new Map(refs.map((r) => [r.ref.toLowerCase(), r.ref]));
  const columns: ImportColumns = { organisation: -1, refs: new Map() };
  const seen = new Map<string, number>();
  header.forEach((h, i) => {
    const k = h.trim().toLowerCase();
    if (!k) return;
    const first = seen.get(k);
    if (first !== undefined) return fileProblem(problems, `Kolumnen ”${h}” finns två gånger (kolumn ${first + 1} och ${i + 1}).`);
    seen.set(k, i);
    const ref = refByKey.get(k);
    if (k === ORGANISATION_COLUMN) columns.organisation = i;
    else if (ref) columns.refs.set(i, ref);
    else fileProblem(problems, unknownColumnMessage(h, k, def, refs));
  });
  if (columns.organisation < 0)
    fileProblem(
      problems,
      `Filen saknar kolumnen ”${ORGANISATION_COLUMN}” (organisationens namn eller organisationsnummer). Första raden ska innehålla kolumnnamnen, t.ex. organisation;${refs
        .slice(0, 2)
        .map((r) => r.ref)
        .join(';')}`,
    );
  return problems.length ? null : columns;
}

// ---------------------------------------------------------------------------------------------
// Step 3: each row
// ---------------------------------------------------------------------------------------------

interface RegisterEntry {
  id: number;
  name: string;
}

/** The register, for matching a row's organisation by organisation number or name. */
interface Register {
  byNumber: Map<string, RegisterEntry>;
  byName: Map<string, RegisterEntry[]>;
}

async function loadRegister(db: Knex): Promise<Register> {
  const register: Register = { byNumber: new Map(), byName: new Map() };
  for (const o of await organisationsForMatching(db)) {
    const entry = { id: o.id, name: o.name };
    if (o.organisationNumber) register.byNumber.set(o.organisationNumber, entry);
    register.byName.set(key(entry.name), [...(register.byName.get(key(entry.name)) ?? []), entry]);
  }
  return register;
}

/** What checking the rows needs, and what it collects. */
interface RowCheck {
  def: SurveyDefinition;
  vars: PlaceholderValues;
  refs: AnswerRef[];
  columns: ImportColumns;
  register: Register;
  existingRound: Round | null;
  /** Organisations that already have a response in the existing round. */
  alreadyAnswered: Set<number>;
  /** Organisation id → the row it is on. */
  rowOfOrg: Map<number, number>;
  problems: ImportProblem[];
}

function registerCandidates(register: Register, cell: string): RegisterEntry[] {
  const number = /\d{6}/.test(cell) ? normaliseOrganisationNumber(cell) : null;
  const byNumber = number ? register.byNumber.get(number) : undefined;
  return byNumber ? [byNumber] : (register.byName.get(key(cell)) ?? []);
}

/** The row's organisation in the register, once in the file and without an answer in the round; null (with a problem) otherwise. */
function matchOrganisation(c: RowCheck, row: number, cells: string[]): RegisterEntry | null {
  const problemAt = (message: string) => c.problems.push({ row, column: ORGANISATION_COLUMN, message });
  const cell = (cells[c.columns.organisation] ?? '').trim();
  if (!cell) {
    problemAt('Organisationen saknas. Skriv organisationens namn eller organisationsnummer.');
    return null;
  }
  const candidates = registerCandidates(c.register, cell);
  if (candidates.length !== 1) {
    problemAt(
      candidates.length > 1
        ? `Flera organisationer i registret heter ”${cell}”. Använd organisationsnumret i stället.`
        : `”${cell}” finns inte i registret. Skriv namnet exakt som i registret eller organisationsnumret (NNNNNN-NNNN), eller lägg till organisationen i registret först.`,
    );
    return null;
  }
  const org = candidates[0];
  const other = c.rowOfOrg.get(org.id);
  if (other !== undefined) {
    problemAt(`”${org.name}” finns redan på rad ${other}. Varje organisation ska stå på en rad.`);
    return null;
  }
  if (c.alreadyAnswered.has(org.id)) {
    problemAt(`”${org.name}” har redan ett svar i omgången ”${c.existingRound?.title}”.`);
    return null;
  }
  c.rowOfOrg.set(org.id, row);
  return org;
}

function allowedText(options: ScaleOption[]): string {
  return options.map((o) => `${o.code} (${o.label.sv})`).join(', ');
}

/** A cell of a choice question → option codes (by code or Swedish label); null (with a problem per unknown part) otherwise. */
function cellCodes(c: RowCheck, row: number, ref: string, options: ScaleOption[], cell: string): string[] | null {
  const codes: string[] = [];
  let ok = true;
  for (const part of cell
    .split(MULTIPLE_SEPARATORS)
    .map((p) => p.trim())
    .filter(Boolean)) {
    const option = options.find((o) => o.code.toLowerCase() === part.toLowerCase()) ?? options.find((o) => key(o.label.sv) === key(part));
    if (option) codes.push(option.code);
    else {
      c.problems.push({
        row,
        column: ref,
        message: `”${part}” är inget svarsalternativ. Tillåtet (kod eller etikett): ${allowedText(options)}.`,
      });
      ok = false;
    }
  }
  return ok ? codes : null;
}

/** The row's cells as raw answers and the question ids given; null when a cell names an option that does not exist. */
function rowAnswers(c: RowCheck, row: number, cells: string[]): { raw: RawAnswers; given: Set<string> } | null {
  const raw: RawAnswers = {};
  const given = new Set<string>();
  let ok = true;
  for (const [index, ref] of c.columns.refs) {
    const cell = (cells[index] ?? '').trim();
    if (!cell) continue;
    given.add(ref.split('.')[0]);
    const q = c.refs.find((r) => r.ref === ref)!.question;
    if (!isChoiceQuestion(q)) {
      raw[ref] = [cell];
      continue;
    }
    const codes = cellCodes(c, row, ref, q.options, cell);
    if (codes) raw[ref] = codes;
    else ok = false;
  }
  return ok ? { raw, given } : null;
}

/** The survey's rules on the row's answers (the respondent's form's), and a given answer to a question that is not asked. */
function checkRowAnswers(c: RowCheck, row: number, raw: RawAnswers, given: Set<string>): AnswerValue[] | null {
  const { def, vars } = c;
  const checked = checkAnswers(def, raw, { enforceRequired: false, vars });
  for (const p of checked.problems) c.problems.push({ row, column: p.ref, message: p.message });
  for (const skippedId of checked.skipped) {
    if (!given.has(skippedId)) continue;
    const q = def.questions.find((x) => x.id === skippedId)!;
    const column = [...c.columns.refs.values()].find((ref) => ref === skippedId || ref.startsWith(`${skippedId}.`)) ?? skippedId;
    c.problems.push({
      row,
      column,
      message: `Frågan ställs bara under ett villkor som inte är uppfyllt på raden (${conditionText(def, q, 'sv', vars)}). Lämna cellen tom.`,
    });
  }
  return checked.problems.length === 0 ? checked.answers : null;
}

function checkRow(c: RowCheck, row: number, cells: string[]): PlannedResponse | null {
  const org = matchOrganisation(c, row, cells);
  const given = rowAnswers(c, row, cells);
  if (!given) return null;
  const answers = checkRowAnswers(c, row, given.raw, given.given);
  return org && answers ? { row, organisationId: org.id, organisationName: org.name, answers } : null;
}

/** Reads and checks the file; never writes. */
export async function planResponseImport(db: Knex, config: ImportConfig, input: ResponseImportInput): Promise<ResponseImportPlan> {
  const plan: ResponseImportPlan = {
    problems: [],
    responses: [],
    survey: null,
    panel: null,
    existingRound: null,
    columns: [],
    surveySource: null,
  };
  const def = await checkTarget(db, config, input, plan);
  if (!def) return plan;
  const csv = await readImportFile(input.bytes, plan.problems);
  if (!csv) return plan;
  const columns = readColumns(csv.header, def, plan.problems);
  if (!columns) return plan;
  plan.columns = [...columns.refs.values()];

  const c: RowCheck = {
    def,
    vars: placeholderValues(config),
    refs: answerRefs(def),
    columns,
    register: await loadRegister(db),
    existingRound: plan.existingRound,
    alreadyAnswered: new Set(plan.existingRound ? await organisationsWithResponse(db, plan.existingRound.id) : []),
    rowOfOrg: new Map(),
    problems: plan.problems,
  };
  for (const { row, cells } of csv.rows) {
    const planned = checkRow(c, row, cells);
    if (planned) plan.responses.push(planned);
  }
  plan.problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  return plan;
}

// ---------------------------------------------------------------------------------------------
// The import
// ---------------------------------------------------------------------------------------------

export interface ResponseImportResult {
  roundId: number;
  createdRound: boolean;
  imported: number;
}

/** The closed, imported round an import creates when the survey has none for the year and panel. */
async function createImportedRound(
  trx: Knex,
  actor: Actor,
  input: ResponseImportInput,
  plan: ResponseImportPlan & { panel: Panel; survey: NonNullable<ResponseImportPlan['survey']> },
): Promise<number> {
  const source = plan.surveySource!;
  const versionId = source.loaded ? await pinSurveyVersion(trx, source.loaded, 'file') : source.versionId!;
  return insertRound(trx, {
    surveyVersionId: versionId,
    surveyId: input.surveyId,
    year: input.year,
    panelId: plan.panel.id,
    title: `${plan.survey.title} ${input.year}`,
    opensAt: null,
    closesAt: null,
    contactName: null,
    contactEmail: null,
    replyTo: null,
    invitationsAt: null,
    confidential: input.confidential ?? false,
    allowChanges: false,
    sendConfirmation: false,
    reminderDays: [],
    state: 'stangd',
    imported: true,
    createdBy: actor.userId,
  });
}

/** Imports a clean file in one transaction; throws ValidationError listing every problem otherwise. */
export async function runResponseImport(
  db: Knex,
  config: ImportConfig,
  actor: Actor,
  input: ResponseImportInput,
): Promise<ResponseImportResult> {
  const plan = await planResponseImport(db, config, input);
  const { panel, survey } = plan;
  if (plan.problems.length || !panel || !survey) {
    throw new ValidationError(
      plan.problems.map((p) => ({ field: p.column ?? '', message: problemText(p) })),
      'Filen har fel och inget har importerats.',
    );
  }
  const existing = plan.existingRound;
  const result = await inTransaction(db, async (trx) => {
    const roundId = existing ? existing.id : await createImportedRound(trx, actor, input, { ...plan, panel, survey });
    for (const m of await panelMembersForYear(trx, panel.id, input.year)) await ensureInvitation(trx, roundId, m.id);
    for (const r of plan.responses) {
      await ensureInvitation(trx, roundId, r.organisationId);
      const responseId = await insertResponse(trx, {
        roundId,
        organisationId: r.organisationId,
        status: 'submitted',
        contactId: null,
        receiptCode: null,
        source: 'import',
      });
      await replaceAnswers(trx, responseId, r.answers);
      await insertRevision(trx, { responseId, revision: 1, kind: 'submitted', answers: r.answers, contactId: null });
    }
    await audit(
      trx,
      actor,
      'responses.import',
      { type: 'round', id: roundId },
      { surveyId: input.surveyId, year: input.year, panelId: panel.id, rows: plan.responses.length, createdRound: !existing },
    );
    return { roundId, createdRound: !existing, imported: plan.responses.length };
  });
  await refreshStatistics(db); // a bulk load: the planner's statistics (issue 10)
  return result;
}
