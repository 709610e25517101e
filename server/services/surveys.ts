// Survey definitions as the application sees them: the files in surveys/ (validated at start and
// by `npm run cli -- surveys check`) and definitions an admin uploads in the interface.
//
// Where an uploaded definition is kept: as a survey version in the database (survey_versions,
// source 'upload'), never in the surveys/ folder. It is offered as its own choice when a
// coordinator creates a round ("uppladdad version"), and a round that uses it keeps exactly that
// content. Uploading never changes an existing round (a round points at the version it was
// given, and versions are never edited) and never changes what the files say.
import type { Knex } from 'knex';
import type { Config } from '../config';
import { ValidationError } from '../errors';
import {
  checkSurveyDir,
  formatProblem,
  type LoadedSurvey,
  parseSurveyYaml,
  SurveyDefinitionError,
  type SurveyProblem,
} from '../surveys/load';
import { type PlaceholderValues, type SurveyDefinition, renderText } from '../surveys/schema';
import { roundCountsBySurveyVersion } from '../repositories/rounds';
import { findSurveyVersionByHash, isChoosableVersion, listVersionIds } from '../repositories/survey-versions';
import { type Actor, audit } from './audit';
import { currentSurveys, getSurveyVersion, pinSurveyVersion, type SurveyVersionSource } from './survey-versions';
import { tooLargeMessage, UPLOAD_LIMITS } from '../lib/upload-limits';

/** The values of {region} and {strategy} in survey texts. */
export function placeholderValues(config: Pick<Config, 'regionName' | 'strategyName'>): PlaceholderValues {
  return { region: config.regionName, strategy: config.strategyName };
}

/** Problems in the survey folder, each as one line "fil:rad:kolumn sökväg: vad som är fel". */
export async function surveyFileProblems(surveysDir: string): Promise<string[]> {
  return (await checkSurveyDir(surveysDir)).map(formatProblem);
}

/**
 * Start-up check (server/background.ts): an invalid survey file stops the start with the
 * SurveyDefinitionError message naming file, line, path and what is wrong.
 */
export async function refuseToStartOnInvalidSurveys(
  config: Pick<Config, 'surveysDir'>,
  exit: (code: number) => never = (code) => process.exit(code),
): Promise<void> {
  const problems = await checkSurveyDir(config.surveysDir);
  if (problems.length === 0) return;
  // eslint-disable-next-line no-console -- printed before a logger exists, to whoever starts the app
  console.error(
    `${new SurveyDefinitionError(problems).message}\n\nPartnerpuls startar inte förrän enkätfilerna i ${config.surveysDir} är rättade. Kontrollera dem med: npm run cli -- surveys check`,
  );
  exit(1);
}

/**
 * The current survey files, or — when a file has been broken since the start — a ValidationError
 * (field `field`) naming every problem, so a page can say what is wrong instead of failing.
 */
export async function currentSurveysOrRefuse(surveysDir: string, field = 'survey'): Promise<LoadedSurvey[]> {
  try {
    return await currentSurveys(surveysDir);
  } catch (e) {
    if (!(e instanceof SurveyDefinitionError)) throw e;
    throw new ValidationError(
      e.problems.map((p) => ({
        field,
        message: `Enkätfilen har fel och måste rättas först (npm run cli -- surveys check): ${formatProblem(p)}`,
      })),
      'Enkätfilerna har fel.',
    );
  }
}

export interface SurveyListItem {
  surveyId: string;
  title: string;
  fileName: string | null;
  hash: string;
  versionLabel: string | null;
  estimatedMinutes: number;
  questions: Array<{ id: string; number: number; type: string; text: string; required: boolean }>;
  indicatorIds: string[];
}

function listItem(def: SurveyDefinition, hash: string, fileName: string | null, vars: PlaceholderValues): SurveyListItem {
  return {
    surveyId: def.id,
    title: renderText(def.title.sv, vars),
    fileName,
    hash,
    versionLabel: def.version ?? null,
    estimatedMinutes: def.estimatedMinutes,
    questions: def.questions.map((q, i) => ({
      id: q.id,
      number: i + 1,
      type: q.type,
      text: renderText(q.text.sv, vars),
      required: q.required,
    })),
    indicatorIds: def.indicators.map((i) => i.id),
  };
}

export async function listCurrentSurveys(config: Pick<Config, 'surveysDir' | 'regionName' | 'strategyName'>): Promise<SurveyListItem[]> {
  const vars = placeholderValues(config);
  return (await currentSurveys(config.surveysDir)).map((s) => listItem(s.definition, s.hash, s.fileName, vars));
}

/** The surveys page's list of files: the surveys, or — when a file is broken — every problem instead. */
export async function currentSurveysOrProblems(
  config: Pick<Config, 'surveysDir' | 'regionName' | 'strategyName'>,
): Promise<{ surveys: SurveyListItem[]; fileProblems: string[] }> {
  try {
    return { surveys: await listCurrentSurveys(config), fileProblems: [] };
  } catch (e) {
    if (!(e instanceof SurveyDefinitionError)) throw e;
    return { surveys: [], fileProblems: await surveyFileProblems(config.surveysDir) };
  }
}

export interface UploadedVersion extends SurveyListItem {
  versionId: number;
  source: SurveyVersionSource;
  createdAt: string;
  roundCount: number;
}

/** The versions uploaded by an admin (`sources` ['upload']) or also those made in the editor, newest first. */
export async function listUploadedVersions(
  db: Knex,
  vars: PlaceholderValues,
  sources: Array<'upload' | 'editor'> = ['upload'],
): Promise<UploadedVersion[]> {
  const uploads = await listVersionIds(db, sources);
  const countOf = await roundCountsBySurveyVersion(db);
  const out: UploadedVersion[] = [];
  for (const u of uploads) {
    const v = await getSurveyVersion(db, u.id);
    out.push({
      ...listItem(v.definition, v.hash, null, vars),
      versionId: v.id,
      source: v.source,
      createdAt: u.createdAt,
      roundCount: countOf.get(v.id) ?? 0,
    });
  }
  return out;
}

/** What a coordinator can base a round on: each current file, each uploaded version and each version made in the editor (marked ready). */
export interface SurveyChoice {
  /** `file:<surveyId>` or `version:<surveyVersionId>` */
  value: string;
  label: string;
}

export async function surveyChoices(db: Knex, config: Pick<Config, 'surveysDir' | 'regionName' | 'strategyName'>): Promise<SurveyChoice[]> {
  const vars = placeholderValues(config);
  let files: LoadedSurvey[] = [];
  try {
    files = await currentSurveys(config.surveysDir);
  } catch (e) {
    if (!(e instanceof SurveyDefinitionError)) throw e; // a broken file: offer the uploaded versions; choosing a file says what is wrong
  }
  const versions = await listUploadedVersions(db, vars, ['upload', 'editor']);
  return [
    ...files.map((s) => ({ value: `file:${s.definition.id}`, label: `${renderText(s.definition.title.sv, vars)} (${s.fileName})` })),
    ...versions.map((u) => ({
      value: `version:${u.versionId}`,
      label:
        u.source === 'editor'
          ? `${u.title} – version ${u.versionId}${u.versionLabel ? ` ”${u.versionLabel}”` : ''}, gjord i redigeraren (${u.createdAt.slice(0, 10)})`
          : `${u.title} – uppladdad version ${u.hash.slice(0, 12)} (${u.createdAt.slice(0, 10)})`,
    })),
  ];
}

/**
 * Resolves a survey choice to a stored version: a file is pinned as it reads right now (source
 * 'file'); an uploaded version, or one made in the editor, is used as it is. Throws ValidationError (field `survey`).
 */
export async function resolveSurveyChoice(
  db: Knex,
  surveysDir: string,
  choice: string,
): Promise<{ versionId: number; definition: SurveyDefinition }> {
  const bad = (message: string) => new ValidationError([{ field: 'survey', message }]);
  if (choice.startsWith('file:')) {
    const id = choice.slice('file:'.length);
    const loaded = (await currentSurveysOrRefuse(surveysDir)).find((s) => s.definition.id === id);
    if (!loaded) throw bad('Välj en enkät i listan. Den valda enkätfilen finns inte längre.');
    return { versionId: await pinSurveyVersion(db, loaded, 'file'), definition: loaded.definition };
  }
  if (choice.startsWith('version:') && /^\d{1,9}$/.test(choice.slice('version:'.length))) {
    const id = Number(choice.slice('version:'.length));
    if (!(await isChoosableVersion(db, id))) throw bad('Välj en enkät i listan. Den valda versionen finns inte.');
    const v = await getSurveyVersion(db, id);
    return { versionId: v.id, definition: v.definition };
  }
  throw bad('Välj vilken enkät omgången ska använda.');
}

/**
 * An admin uploads a survey file. It goes through the same validation as the files in surveys/
 * (and its indicator ids may not clash with another survey's), then it is stored as a version
 * with source 'upload'. Returns the version; `existed` when the same content was already stored.
 */
export async function uploadSurveyDefinition(
  db: Knex,
  actor: Actor,
  surveysDir: string,
  file: { originalName: string; bytes: Buffer },
): Promise<{ versionId: number; surveyId: string; hash: string; existed: boolean; sameAsFile: boolean }> {
  const fail = (message: string) => new ValidationError([{ field: 'file', message }]);
  if (file.bytes.length === 0) throw fail('Filen är tom. Välj en enkätfil i YAML-format (.yaml).');
  if (file.bytes.length > UPLOAD_LIMITS.survey.maxBytes) throw fail(tooLargeMessage('survey'));
  if (!/\.ya?ml$/i.test(file.originalName)) throw fail('Välj en enkätfil i YAML-format (filnamnet slutar på .yaml eller .yml).');
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
  } catch {
    throw fail('Filen är inte sparad som UTF-8. Spara den som UTF-8 och ladda upp den igen.');
  }
  const fileName = file.originalName.replace(/^.*[\\/]/, '').slice(0, 200);
  let loaded: LoadedSurvey;
  try {
    loaded = parseSurveyYaml(text, fileName);
  } catch (e) {
    if (e instanceof SurveyDefinitionError)
      throw new ValidationError(
        e.problems.map((p: SurveyProblem) => ({ field: 'file', message: formatProblem(p) })),
        'Enkätfilen är inte giltig.',
      );
    throw e;
  }
  // Indicator ids are unique across every survey (the indicators area keys on them).
  const others = (await currentSurveysOrRefuse(surveysDir, 'file')).filter((s) => s.definition.id !== loaded.definition.id);
  const clashes: string[] = [];
  for (const indicator of loaded.definition.indicators) {
    const other = others.find((s) => s.definition.indicators.some((i) => i.id === indicator.id));
    if (other)
      clashes.push(
        `${fileName}: indikatorns id '${indicator.id}' används redan i ${other.fileName} (enkäten '${other.definition.id}'); indikatorernas id:n ska vara unika i alla enkäter`,
      );
  }
  if (clashes.length)
    throw new ValidationError(
      clashes.map((message) => ({ field: 'file', message })),
      'Enkätfilen är inte giltig.',
    );

  const existing = await findSurveyVersionByHash(db, loaded.definition.id, loaded.hash);
  const versionId = existing ? existing.id : await pinSurveyVersion(db, loaded, 'upload');
  await audit(
    db,
    actor,
    'surveys.upload',
    { type: 'survey_version', id: versionId },
    { surveyId: loaded.definition.id, hash: loaded.hash, existed: !!existing },
  );
  return { versionId, surveyId: loaded.definition.id, hash: loaded.hash, existed: !!existing, sameAsFile: existing?.source === 'file' };
}
