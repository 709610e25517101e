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
import { ValidationError } from '../errors';
import { findPanel, findPanelBySlug, type Panel } from '../repositories/panels';
import { insertResponse, insertRevision, replaceAnswers } from '../repositories/responses';
import { insertRound, panelMembersForYear, type Round, toRound } from '../repositories/rounds';
import { isChoiceQuestion, localize, type ScaleOption, type SurveyDefinition } from '../surveys/schema';
import { type AnswerValue, answerRefs, checkAnswers, conditionText, type RawAnswers } from './answers';
import { type Actor, audit } from './audit';
import { type ImportProblem, problemText } from './csv-import';
import { readCsv } from './csv';
import { ensureInvitation } from './invitations';
import { normaliseOrganisationNumber } from './organisation-types';
import { getSurveyVersion, pinSurveyVersion } from './survey-versions';
import { currentSurveysOrRefuse, placeholderValues } from './surveys';
import type { LoadedSurvey } from '../surveys/load';
import { inTransaction } from '../repositories/transaction';

export { problemText };

export const ORGANISATION_COLUMN = 'organisation';
export const MULTIPLE_SEPARATORS = /[;|]/;
export const MAX_RESPONSE_IMPORT_ROWS = 5000;

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

const key = (s: string) => s.toLocaleLowerCase('sv').replace(/\s+/g, ' ').trim();

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
  const uploaded = await db('survey_versions').where({ survey_id: surveyId }).orderBy('id', 'desc').first('id');
  if (!uploaded) return null;
  const v = await getSurveyVersion(db, Number(uploaded.id));
  return { definition: v.definition, hash: v.hash, loaded: null, versionId: v.id };
}

function allowedText(options: ScaleOption[]): string {
  return options.map((o) => `${o.code} (${o.label.sv})`).join(', ');
}

/** Reads and checks the file; never writes. */
export async function planResponseImport(
  db: Knex,
  config: Pick<Config, 'surveysDir' | 'regionName' | 'strategyName'>,
  input: ResponseImportInput,
): Promise<ResponseImportPlan> {
  const problems: ImportProblem[] = [];
  const fileProblem = (message: string) => problems.push({ row: null, column: null, message });
  const plan: ResponseImportPlan = {
    problems,
    responses: [],
    survey: null,
    panel: null,
    existingRound: null,
    columns: [],
    surveySource: null,
  };

  if (!Number.isInteger(input.year) || input.year < 2000 || input.year > 2100) fileProblem('Ange år med fyra siffror, t.ex. 2023.');
  const panel =
    input.panelId !== undefined ? await findPanel(db, input.panelId) : input.panelSlug ? await findPanelBySlug(db, input.panelSlug) : null;
  if (!panel) {
    const slugs = ((await db('panels').orderBy('slug').select('slug')) as Array<{ slug: string }>).map((p) => p.slug);
    fileProblem(
      `Panelen ${input.panelSlug ? `”${input.panelSlug}” ` : ''}finns inte${slugs.length ? ` (finns: ${slugs.join(', ')})` : ''}.`,
    );
  }
  plan.panel = panel;
  let existingRound: Round | null = null;
  if (panel && problems.length === 0) {
    const rows = await db('rounds').where({ survey_id: input.surveyId, year: input.year, panel_id: panel.id }).orderBy('id');
    existingRound = rows.length ? toRound(rows[0]) : null;
    if (existingRound?.state === 'publicerad')
      fileProblem(`Omgången ”${existingRound.title}” är publicerad och kan inte ta emot fler svar.`);
  }
  plan.existingRound = existingRound;
  const survey = await surveyFor(db, config.surveysDir, input.surveyId, existingRound);
  if (!survey) {
    const ids = (await currentSurveysOrRefuse(config.surveysDir)).map((s) => s.definition.id);
    fileProblem(`Enkäten ”${input.surveyId}” finns inte (finns: ${ids.join(', ')}).`);
  }
  if (problems.length || !survey || !panel) return plan;
  const def = survey.definition;
  const vars = placeholderValues(config);
  plan.survey = { id: def.id, title: localize(def.title, 'sv', vars), hash: survey.hash };
  plan.surveySource = { loaded: survey.loaded, versionId: survey.versionId };

  const read = readCsv(input.bytes);
  if (!read.ok) {
    problems.push(read.problem);
    return plan;
  }
  const { header, rows } = read.csv;
  if (rows.length === 0) {
    fileProblem('Filen innehåller bara rubrikraden och inga organisationer.');
    return plan;
  }
  if (rows.length > MAX_RESPONSE_IMPORT_ROWS) {
    fileProblem(`Filen har ${rows.length} rader; högst ${MAX_RESPONSE_IMPORT_ROWS} kan läsas in åt gången.`);
    return plan;
  }

  // Columns: `organisation` and question references.
  const refs = answerRefs(def);
  const refByKey = new Map(refs.map((r) => [r.ref.toLowerCase(), r]));
  const matrixIds = new Set(def.questions.filter((q) => q.type === 'matrix').map((q) => q.id));
  let orgIndex = -1;
  const columnRef = new Map<number, string>();
  const seen = new Map<string, number>();
  header.forEach((h, i) => {
    const k = h.trim().toLowerCase();
    if (!k) return;
    if (seen.has(k)) {
      fileProblem(`Kolumnen ”${h}” finns två gånger (kolumn ${seen.get(k)! + 1} och ${i + 1}).`);
      return;
    }
    seen.set(k, i);
    if (k === ORGANISATION_COLUMN) {
      orgIndex = i;
      return;
    }
    const ref = refByKey.get(k);
    if (ref) {
      columnRef.set(i, ref.ref);
      return;
    }
    if (matrixIds.has(k)) {
      const q = def.questions.find((x) => x.id === k);
      const statementColumns = q && q.type === 'matrix' ? q.statements.map((s) => `${q.id}.${s.id}`).join(', ') : '';
      fileProblem(`Kolumnen ”${h}” är en matris: ange en kolumn per påstående (${statementColumns}).`);
      return;
    }
    fileProblem(`Okänd kolumn ”${h}”. Tillåtna kolumner: ${ORGANISATION_COLUMN}, ${refs.map((r) => r.ref).join(', ')}.`);
  });
  if (orgIndex < 0)
    fileProblem(
      `Filen saknar kolumnen ”${ORGANISATION_COLUMN}” (organisationens namn eller organisationsnummer). Första raden ska innehålla kolumnnamnen, t.ex. organisation;${refs
        .slice(0, 2)
        .map((r) => r.ref)
        .join(';')}`,
    );
  if (problems.length) return plan;
  plan.columns = [...columnRef.values()];

  // The register, for matching organisations.
  const orgRows = (await db('organisations').select('id', 'name', 'organisation_number')) as Array<Record<string, unknown>>;
  const byNumber = new Map<string, { id: number; name: string }>();
  const byName = new Map<string, Array<{ id: number; name: string }>>();
  for (const o of orgRows) {
    const entry = { id: Number(o.id), name: String(o.name) };
    if (o.organisation_number) byNumber.set(String(o.organisation_number), entry);
    byName.set(key(entry.name), [...(byName.get(key(entry.name)) ?? []), entry]);
  }
  const alreadyAnswered = new Set<number>();
  if (existingRound) {
    for (const r of (await db('responses').where({ round_id: existingRound.id }).select('organisation_id')) as Array<
      Record<string, unknown>
    >)
      alreadyAnswered.add(Number(r.organisation_id));
  }

  const rowOfOrg = new Map<number, number>();
  for (const { row, cells } of rows) {
    const problemAt = (column: string | null, message: string) => problems.push({ row, column, message });
    // Organisation
    const orgCell = (cells[orgIndex] ?? '').trim();
    let org: { id: number; name: string } | null = null;
    if (!orgCell) problemAt(ORGANISATION_COLUMN, 'Organisationen saknas. Skriv organisationens namn eller organisationsnummer.');
    else {
      const number = /\d{6}/.test(orgCell) ? normaliseOrganisationNumber(orgCell) : null;
      const candidates = number && byNumber.has(number) ? [byNumber.get(number)!] : (byName.get(key(orgCell)) ?? []);
      if (candidates.length === 1) org = candidates[0];
      else if (candidates.length > 1)
        problemAt(ORGANISATION_COLUMN, `Flera organisationer i registret heter ”${orgCell}”. Använd organisationsnumret i stället.`);
      else
        problemAt(
          ORGANISATION_COLUMN,
          `”${orgCell}” finns inte i registret. Skriv namnet exakt som i registret eller organisationsnumret (NNNNNN-NNNN), eller lägg till organisationen i registret först.`,
        );
    }
    if (org) {
      const other = rowOfOrg.get(org.id);
      if (other !== undefined) {
        problemAt(ORGANISATION_COLUMN, `”${org.name}” finns redan på rad ${other}. Varje organisation ska stå på en rad.`);
        org = null;
      } else if (alreadyAnswered.has(org.id)) {
        problemAt(ORGANISATION_COLUMN, `”${org.name}” har redan ett svar i omgången ”${existingRound!.title}”.`);
        org = null;
      } else rowOfOrg.set(org.id, row);
    }

    // Answers: cell → codes.
    const raw: RawAnswers = {};
    const given = new Set<string>();
    let rowOk = true;
    for (const [index, ref] of columnRef) {
      const cell = (cells[index] ?? '').trim();
      if (!cell) continue;
      given.add(ref.split('.')[0]);
      const target = refs.find((r) => r.ref === ref)!;
      const q = target.question;
      if (!isChoiceQuestion(q)) {
        raw[ref] = [cell];
        continue;
      }
      const parts = cell
        .split(MULTIPLE_SEPARATORS)
        .map((p) => p.trim())
        .filter(Boolean);
      const codes: string[] = [];
      for (const part of parts) {
        const option =
          q.options.find((o) => o.code.toLowerCase() === part.toLowerCase()) ?? q.options.find((o) => key(o.label.sv) === key(part));
        if (!option) {
          problemAt(ref, `”${part}” är inget svarsalternativ. Tillåtet (kod eller etikett): ${allowedText(q.options)}.`);
          rowOk = false;
        } else codes.push(option.code);
      }
      raw[ref] = codes;
    }
    if (!rowOk) continue;
    const checked = checkAnswers(def, raw, { enforceRequired: false, vars });
    for (const p of checked.problems) problemAt(p.ref, p.message);
    for (const skippedId of checked.skipped) {
      if (!given.has(skippedId)) continue;
      const q = def.questions.find((x) => x.id === skippedId)!;
      const column = [...columnRef.values()].find((ref) => ref === skippedId || ref.startsWith(`${skippedId}.`)) ?? skippedId;
      problemAt(
        column,
        `Frågan ställs bara under ett villkor som inte är uppfyllt på raden (${conditionText(def, q, 'sv', vars)}). Lämna cellen tom.`,
      );
    }
    if (org && checked.problems.length === 0)
      plan.responses.push({ row, organisationId: org.id, organisationName: org.name, answers: checked.answers });
  }
  problems.sort((a, b) => (a.row ?? 0) - (b.row ?? 0));
  return plan;
}

export interface ResponseImportResult {
  roundId: number;
  createdRound: boolean;
  imported: number;
}

/** Imports a clean file in one transaction; throws ValidationError listing every problem otherwise. */
export async function runResponseImport(
  db: Knex,
  config: Pick<Config, 'surveysDir' | 'regionName' | 'strategyName'>,
  actor: Actor,
  input: ResponseImportInput,
): Promise<ResponseImportResult> {
  const plan = await planResponseImport(db, config, input);
  if (plan.problems.length || !plan.panel || !plan.survey) {
    throw new ValidationError(
      plan.problems.map((p) => ({ field: p.column ?? '', message: problemText(p) })),
      'Filen har fel och inget har importerats.',
    );
  }
  const panel = plan.panel;
  const existing = plan.existingRound;
  const source = plan.surveySource!;
  return inTransaction(db, async (trx) => {
    let roundId: number;
    if (existing) roundId = existing.id;
    else {
      const versionId = source.loaded ? await pinSurveyVersion(trx, source.loaded, 'file') : source.versionId!;
      roundId = await insertRound(trx, {
        surveyVersionId: versionId,
        surveyId: input.surveyId,
        year: input.year,
        panelId: panel.id,
        title: `${plan.survey!.title} ${input.year}`,
        opensAt: null,
        closesAt: null,
        contactName: null,
        contactEmail: null,
        confidential: input.confidential ?? false,
        allowChanges: false,
        sendConfirmation: false,
        reminderDays: [],
        state: 'stangd',
        imported: true,
        createdBy: actor.userId,
      });
    }
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
}
