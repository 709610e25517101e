// Loading and validating survey files (surveys/*.yaml).
//
// A file is checked in three steps and every problem is reported, each with the file, the
// line and column, a readable path inside the file (questions.rus_statistik.options[1].code)
// and a message in Swedish:
//   1. YAML syntax (yaml's parseDocument + LineCounter, so positions are exact);
//   2. structure (zod, ./schema.ts: types, strict keys, ranges, required fields);
//   3. meaning (duplicate ids and codes, scale references, conditions, indicators, sections,
//      placeholders) — only when step 2 passed, since it relies on the typed shape.
//
// Linear in the size of the file, whatever it holds (issue 9: 60 000 unknown keys took minutes):
// a file nested deeper than MAX_DEPTH is refused before YAML reads it; duplicate keys are found
// with one set per map (yaml's own check compares every key with every other); a key's place in
// the file is found through an index per map; and at most MAX_LISTED_PROBLEMS problems are
// described — sorted by line — with one more that counts the rest.
//
// Content hash — the choice: sha256 over the canonical JSON (keys sorted, no whitespace) of the
// *resolved* definition (scales inlined, defaults filled in). So:
//   * whitespace, comments, key order, quoting style and YAML anchors do not change the hash;
//   * any change of wording, codes, order of questions/options or indicator settings does;
//   * writing out a default explicitly (tolerance: 5) does not — the meaning is the same;
//   * if a default in ./schema.ts ever changes, unchanged files get a new hash — correct,
//     since their meaning changed.
// A round stores `canonicalJson` (what was hashed) next to `hash`, so an existing round never
// depends on the file or on this code again.
import { createHash } from 'node:crypto';
import { type Dirent, promises as fs } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isAlias, isMap, isScalar, isSeq, type Document, type Pair, type YAMLMap } from 'yaml';
import { MAX_LISTED_PROBLEMS, moreProblemsMessage } from '../lib/upload-limits';
import {
  ID_PATTERN,
  PLACEHOLDERS,
  PLACEHOLDER_PATTERN,
  YESNO_CODES,
  surveyFileSchema,
  splitQuestionRef,
  type IndicatorDefinition,
  type Question,
  type ScaleOption,
  type SurveyDefinition,
  type SurveyFile,
  type SurveyFileOption,
  type SurveyFileQuestion,
} from './schema';

// ---------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------

export interface SurveyProblem {
  /** The file name as given (loadSurveyDir: the base name inside the directory). */
  file: string;
  /** 1-based; null when the problem has no place in the file (a missing directory). */
  line: number | null;
  column: number | null;
  /** Where in the file, e.g. `questions.rus_statistik.options[1].code`; '' for the whole file. */
  path: string;
  /** The same place as keys and list positions (`['questions', 1, 'options', 1, 'code']`); [] for the whole file. */
  segments: Array<string | number>;
  /** In Swedish. */
  message: string;
}

export class SurveyDefinitionError extends Error {
  constructor(public readonly problems: SurveyProblem[]) {
    super(`Ogiltig enkätdefinition:\n  - ${problems.map(formatProblem).join('\n  - ')}`);
    this.name = 'SurveyDefinitionError';
  }
}

export interface LoadedSurvey {
  fileName: string;
  definition: SurveyDefinition;
  /** sha256 (hex) of `canonicalJson`. */
  hash: string;
  /** The resolved definition as canonical JSON — store this with the round. */
  canonicalJson: string;
}

/** `partnerskapsenkat.yaml:42:9 indicators.fortroende_rua.numerator[1]: okänd svarskod …` */
export function formatProblem(p: SurveyProblem): string {
  const where = p.line !== null ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  return `${where}${p.path ? ` ${p.path}` : ''}: ${p.message}`;
}

// ---------------------------------------------------------------------------------------
// Hashing
// ---------------------------------------------------------------------------------------

/** JSON with object keys sorted at every level and undefined members left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

// ---------------------------------------------------------------------------------------
// Parsing one file
// ---------------------------------------------------------------------------------------

export type Segment = string | number;
interface RawProblem {
  path: Segment[];
  message: string;
  /** What kind of problem: a zod issue code, or 'meaning', 'placeholder', 'english_missing', 'english_unexpected'. */
  code: string;
}
interface Analysis {
  survey: LoadedSurvey | null;
  problems: SurveyProblem[];
  /** Position of a path in the file (for problems found later, across files). */
  locate: (segments: Segment[]) => Pick<SurveyProblem, 'line' | 'column' | 'path' | 'segments'>;
}

/** Parses and validates one survey file. Throws SurveyDefinitionError with every problem found. */
export function parseSurveyYaml(text: string, fileName: string): LoadedSurvey {
  const { survey, problems } = analyseSurveyYaml(text, fileName);
  if (!survey) throw new SurveyDefinitionError(problems);
  return survey;
}

/** Like parseSurveyYaml but returns the problems instead of throwing ([] when the file is valid). */
export function checkSurveyYaml(text: string, fileName: string): SurveyProblem[] {
  return analyseSurveyYaml(text, fileName).problems;
}

/** Deeper than this (indentation levels or brackets) no survey file goes; YAML would recurse that deep. */
const MAX_DEPTH = 64;

/** Where a scan of flow brackets stands: inside which quote (if any), and how deep. */
interface BracketScan {
  quote: string | null;
  depth: number;
  deepest: number;
}

/** Flow brackets ([ {) of one line outside quotes (which may span lines) and comments. */
function scanBrackets(line: string, scan: BracketScan): void {
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (scan.quote) {
      if (ch === scan.quote) scan.quote = null;
    } else if (ch === '"' || ch === "'") scan.quote = ch;
    else if (ch === '#' && (i === 0 || line[i - 1] === ' ' || line[i - 1] === '\t')) return;
    else if (ch === '[' || ch === '{') scan.deepest = Math.max(scan.deepest, ++scan.depth);
    else if (ch === ']' || ch === '}') scan.depth = Math.max(0, scan.depth - 1);
  }
}

/**
 * A linear look at the text before YAML reads it: the deepest nesting by indentation (leading
 * spaces and "- " of a line, in steps of two) and by flow brackets ([ {).
 */
function nestingDepth(source: string): number {
  const scan: BracketScan = { quote: null, depth: 0, deepest: 0 };
  let deepest = 0;
  for (const line of source.split('\n')) {
    deepest = Math.max(deepest, Math.ceil((/^[ -]*/.exec(line)?.[0].length ?? 0) / 2));
    scanBrackets(line, scan);
  }
  return Math.max(deepest, scan.deepest);
}

/** Duplicate keys, each map checked with one set (yaml's uniqueKeys check is quadratic in a map's size). */
function duplicateKeys(doc: Document, lineCounter: LineCounter, fileName: string): SurveyProblem[] {
  const out: SurveyProblem[] = [];
  const visit = (node: unknown): void => {
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
        if (seen.has(key)) {
          const pos = lineCounter.linePos(rangeStart(pair.key) ?? 0);
          out.push({
            file: fileName,
            line: Math.max(pos.line, 1),
            column: pos.col,
            path: '',
            segments: [],
            message: YAML_MESSAGES.DUPLICATE_KEY!,
          });
        }
        seen.add(key);
        visit(pair.value);
      }
    } else if (isSeq(node)) node.items.forEach(visit);
  };
  visit(doc.contents);
  return out;
}

/** The first MAX_LISTED_PROBLEMS of `total` problems, and then one that says how many more there are. */
function capped(problems: SurveyProblem[], total: number, fileName: string): SurveyProblem[] {
  if (total <= MAX_LISTED_PROBLEMS) return problems;
  const more = { file: fileName, line: null, column: null, path: '', segments: [], message: moreProblemsMessage(total) };
  return [...problems.slice(0, MAX_LISTED_PROBLEMS), more];
}

/** A problem in a survey given as data (the editor's working copy): where, as segments and as a readable path, and what. */
export interface DataProblem {
  segments: Segment[];
  path: string;
  message: string;
  code: string;
}

/**
 * Validates a survey given as data, in the shape of a survey file (what the editor in the browser
 * works on): exactly the checks a file gets — structure, languages, placeholders, meaning — with
 * every problem at once. `survey` is the loaded survey when there is no problem.
 */
export function checkSurveyData(raw: unknown, fileName = 'enkat.yaml'): { survey: LoadedSurvey | null; problems: DataProblem[] } {
  const { definition, problems } = validateRaw(raw);
  return {
    survey: definition ? loadedSurvey(definition, fileName) : null,
    problems: problems.map((p) => ({ segments: p.path, path: formatPath(raw, p.path), message: p.message, code: p.code })),
  };
}

function analyseSurveyYaml(text: string, fileName: string): Analysis {
  const source = text.replace(/^\uFEFF/, '');
  const lineCounter = new LineCounter();
  const tooDeep = nestingDepth(source) > MAX_DEPTH;
  const doc = parseDocument(tooDeep ? '' : source, { lineCounter, prettyErrors: false, uniqueKeys: false, version: '1.2', schema: 'core' });

  let raw: unknown = undefined;
  const index = new WeakMap<YAMLMap, Map<string, Pair>>();
  const locate = (segments: Segment[]): Pick<SurveyProblem, 'line' | 'column' | 'path' | 'segments'> => {
    const offset = offsetOf(doc, segments, index);
    const pos = offset === null ? null : lineCounter.linePos(offset);
    return { line: pos ? Math.max(pos.line, 1) : null, column: pos ? pos.col : null, path: formatPath(raw, segments), segments };
  };
  const whole = (message: string, line: number | null = null, column: number | null = null): SurveyProblem => ({
    file: fileName,
    line,
    column,
    path: '',
    segments: [],
    message,
  });
  // Sorted by line, then only the first ones get their readable path (formatPath looks through lists).
  const located = (rawProblems: RawProblem[]): SurveyProblem[] => {
    const placed = rawProblems.map((p) => {
      const offset = offsetOf(doc, p.path, index);
      return { p, line: offset === null ? 0 : lineCounter.linePos(offset).line };
    });
    placed.sort((a, b) => a.line - b.line);
    const listed = placed.slice(0, MAX_LISTED_PROBLEMS).map(({ p }) => ({ file: fileName, ...locate(p.path), message: p.message }));
    return capped(listed, placed.length, fileName);
  };

  if (tooDeep) {
    const message = `filen är för djupt nästlad (fler än ${MAX_DEPTH} nivåer): en enkätfil har bara några få nivåer av indrag och klamrar`;
    return { survey: null, problems: [whole(message)], locate };
  }
  if (doc.errors.length > 0) {
    const lines = source.split(/\r?\n/);
    const problems = doc.errors.slice(0, MAX_LISTED_PROBLEMS).map((err): SurveyProblem => {
      const pos = lineCounter.linePos(err.pos[0]);
      const line = Math.max(pos.line, 1);
      return whole(yamlErrorMessage(err.code, err.message, lines[line - 1] ?? ''), line, pos.col);
    });
    return { survey: null, problems: capped(problems, doc.errors.length, fileName), locate };
  }
  const duplicates = duplicateKeys(doc, lineCounter, fileName);
  if (duplicates.length > 0) return { survey: null, problems: capped(duplicates, duplicates.length, fileName), locate };

  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    return { survey: null, problems: [whole(`filen kunde inte läsas som YAML: ${(err as Error).message}`)], locate };
  }
  if (raw === null || raw === undefined) return { survey: null, problems: [whole('filen är tom', 1, 1)], locate };

  const { definition, problems } = validateRaw(raw);
  return { survey: definition ? loadedSurvey(definition, fileName) : null, problems: located(problems), locate };
}

function loadedSurvey(definition: SurveyDefinition, fileName: string): LoadedSurvey {
  const json = canonicalJson(definition);
  return { fileName, definition, hash: sha256(json), canonicalJson: json };
}

/**
 * Steps 2 and 3 on the data of a file: structure (zod), the texts (languages, placeholders) and —
 * when the structure is right, or can be made right by filling in the values that were wrong —
 * the meaning. So a file with an empty text and a condition on an unknown code gets both problems
 * at once, not the second only after the first is fixed.
 */
function validateRaw(raw: unknown): { definition: SurveyDefinition | null; problems: RawProblem[] } {
  // The error callback only records which keys each object allows, so that an unknown key can
  // be reported with the allowed ones and a "menade du …?".
  const allowedKeys = new Map<string, string[]>();
  const parsed = surveyFileSchema.safeParse(raw, {
    error: (issue) => {
      const keys = shapeKeysOf(issue.inst);
      if (keys) allowedKeys.set(pathKey(issue.path ?? []), keys);
      return undefined;
    },
  });
  const textProblems = [...checkLanguages(raw), ...checkPlaceholders(raw)];
  if (!parsed.success) {
    const issues = parsed.error.issues as ZodIssueLike[];
    const structural = issues.flatMap((issue) => zodIssueProblems(issue, raw, allowedKeys));
    return { definition: null, problems: [...structural, ...textProblems, ...semanticsDespite(raw, issues)] };
  }
  const semantic = checkSemantics(parsed.data);
  if (semantic.length > 0 || textProblems.length > 0) return { definition: null, problems: [...semantic, ...textProblems] };
  return { definition: toDefinition(parsed.data), problems: [] };
}

// ---------------------------------------------------------------------------------------
// A directory of files
// ---------------------------------------------------------------------------------------

/** Reads every *.yaml / *.yml file in `dir` (not subdirectories, not hidden files), validates
 *  each, and checks that survey ids and indicator ids are unique across the files. Throws
 *  SurveyDefinitionError with all problems of all files; otherwise returns the surveys sorted by
 *  file name. */
export async function loadSurveyDir(dir: string): Promise<LoadedSurvey[]> {
  const { surveys, problems } = await readSurveyDir(dir);
  if (problems.length > 0) throw new SurveyDefinitionError(problems);
  return surveys;
}

/** The problems loadSurveyDir would throw; [] when every file is valid (`surveys check`). */
export async function checkSurveyDir(dir: string): Promise<SurveyProblem[]> {
  return (await readSurveyDir(dir)).problems;
}

async function readSurveyDir(dir: string): Promise<{ surveys: LoadedSurvey[]; problems: SurveyProblem[] }> {
  let entries: Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT' ? `mappen med enkätfiler finns inte: ${dir}` : `mappen med enkätfiler kunde inte läsas: ${(err as Error).message}`;
    return { surveys: [], problems: [{ file: dir, line: null, column: null, path: '', segments: [], message }] };
  }
  const names = entries
    .filter((e) => (e.isFile() || e.isSymbolicLink()) && /\.ya?ml$/i.test(e.name) && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();

  const surveys: LoadedSurvey[] = [];
  const problems: SurveyProblem[] = [];
  const surveyIds = new Map<string, string>(); // survey id → file
  const indicatorIds = new Map<string, string>(); // indicator id → file
  for (const name of names) {
    let text: string;
    try {
      text = await fs.readFile(path.join(dir, name), 'utf8');
    } catch (err) {
      problems.push({
        file: name,
        line: null,
        column: null,
        path: '',
        segments: [],
        message: `filen kunde inte läsas: ${(err as Error).message}`,
      });
      continue;
    }
    const analysis = analyseSurveyYaml(text, name);
    problems.push(...analysis.problems);
    const survey = analysis.survey;
    if (!survey) continue;

    let clash = false;
    const otherFile = surveyIds.get(survey.definition.id);
    if (otherFile !== undefined) {
      clash = true;
      problems.push({
        file: name,
        ...analysis.locate(['id']),
        message: `enkätens id '${survey.definition.id}' används redan i ${otherFile}`,
      });
    } else {
      surveyIds.set(survey.definition.id, name);
    }
    survey.definition.indicators.forEach((indicator, k) => {
      const other = indicatorIds.get(indicator.id);
      if (other !== undefined) {
        clash = true;
        problems.push({
          file: name,
          ...analysis.locate(['indicators', k, 'id']),
          message: `indikatorns id '${indicator.id}' används redan i ${other}; indikatorernas id:n ska vara unika i alla enkätfiler`,
        });
      } else {
        indicatorIds.set(indicator.id, name);
      }
    });
    if (!clash) surveys.push(survey);
  }
  return { surveys, problems };
}

// ---------------------------------------------------------------------------------------
// Step 2: zod issues → Swedish messages
// ---------------------------------------------------------------------------------------

/** The parts of a zod v4 issue that are used here. */
interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  expected?: string;
  keys?: string[];
  values?: unknown[];
  options?: unknown[];
  discriminator?: string;
  origin?: string;
  minimum?: number | bigint;
  maximum?: number | bigint;
  format?: string;
}

function shapeKeysOf(inst: unknown): string[] | null {
  const shape = (inst as { _zod?: { def?: { shape?: unknown } } } | undefined)?._zod?.def?.shape;
  return shape !== null && typeof shape === 'object' ? Object.keys(shape) : null;
}

function pathKey(segments: readonly PropertyKey[]): string {
  return JSON.stringify(segments.map((s) => (typeof s === 'number' ? s : String(s))));
}

/** One zod issue where it happened: the path, its last key, the value found there. */
interface IssueAt {
  issue: ZodIssueLike;
  raw: unknown;
  allowedKeys: Map<string, string[]>;
  at: Segment[];
  key: string;
  input: unknown;
}

function zodIssueProblems(issue: ZodIssueLike, raw: unknown, allowedKeys: Map<string, string[]>): RawProblem[] {
  const at = issue.path.map((s) => (typeof s === 'number' ? s : String(s)));
  const c: IssueAt = { issue, raw, allowedKeys, at, key: lastKey(at), input: valueAt(raw, at) };
  if (issue.code === 'unrecognized_keys') return unrecognizedKeyProblems(c);
  return [{ path: at, message: issueMessage(c), code: issue.code }];
}

function issueMessage(c: IssueAt): string {
  const { issue, key } = c;
  switch (issue.code) {
    case 'invalid_type':
      return invalidTypeMessage(c);
    case 'invalid_union':
      return invalidUnionMessage(c);
    case 'invalid_value':
      return invalidValueMessage(c);
    case 'invalid_format':
      return key === 'question'
        ? `${describe(c.input)} är ingen giltig hänvisning till en fråga: skriv frågans id (rus_planering) eller matrisens id och påståendets id (matris.pastaende)`
        : `${describe(c.input)} är inget giltigt id: använd små bokstäver a–z, siffror och _, och börja med en bokstav (inga å, ä, ö, bindestreck eller mellanslag)`;
    case 'invalid_key':
      return `'${key}' är inget giltigt namn: använd små bokstäver a–z, siffror och _, och börja med en bokstav`;
    case 'too_small':
      return tooSmallMessage(c);
    case 'too_big':
      return tooBigMessage(c);
    default:
      return issue.message;
  }
}

function unrecognizedKeyProblems({ issue, allowedKeys, at }: IssueAt): RawProblem[] {
  const allowed = allowedKeys.get(pathKey(at)) ?? [];
  // (only the first ones are ever listed: beyond them the edit distance is not worth working out)
  return (issue.keys ?? []).map((k, n) => {
    const guess = n < MAX_LISTED_PROBLEMS ? closest(k, allowed) : null;
    const hint = guess ? ` – menade du '${guess}'?` : '';
    const list = allowed.length ? ` (tillåtna: ${allowed.join(', ')})` : '';
    return { path: [...at, k], message: `okänd nyckel '${k}'${hint}${list}`, code: issue.code };
  });
}

const EXPECTED_TYPES: Record<string, string> = {
  string: 'ska vara text',
  number: 'ska vara ett tal',
  int: 'ska vara ett heltal',
  boolean: 'ska vara true eller false',
  array: 'ska vara en lista',
  object: 'ska vara en samling nycklar',
};

function invalidTypeMessage(c: IssueAt): string {
  const { issue, at, key, input, raw } = c;
  if (input === undefined) return missingMessage(at, raw);
  if (at.length === 0)
    return `filen ska beskriva en enkät med nycklarna id, title, intro, estimatedMinutes och questions (fick ${describe(input)})`;
  const inOptionList = at.length >= 2 && typeof at[at.length - 1] === 'number' && at[at.length - 2] === 'options';
  if (inOptionList && typeof input !== 'object')
    return `skalan saknar etiketter: alternativet ${describe(input)} ska skrivas med kod och etikett, t.ex. { code: ${typeof input === 'string' ? input : 'kod'}, label: { sv: …, en: … } }`;
  const shape = c.allowedKeys.get(pathKey(at));
  if (issue.expected === 'object' && shape && shape.includes('sv'))
    return `'${key}' ska ha en svensk text (och en engelsk om enkäten finns på engelska): ${key}: { sv: …, en: … } (fick ${describe(input)})`;
  const what = EXPECTED_TYPES[issue.expected ?? ''] ?? `ska vara av typen ${issue.expected}`;
  return `${key ? `'${key}' ` : ''}${what} (fick ${describe(input)})${quoteHint(issue.expected, input)}`;
}

/** A number or boolean where text is expected, or a number written as text. */
function quoteHint(expected: string | undefined, input: unknown): string {
  if (expected === 'string' && (typeof input === 'number' || typeof input === 'boolean')) return ' – sätt citattecken runt värdet';
  const numberAsText = typeof input === 'string' && input.trim() !== '' && !Number.isNaN(Number(input));
  return (expected === 'number' || expected === 'int') && numberAsText ? ' – skriv talet utan citattecken' : '';
}

function invalidUnionMessage({ issue, raw, at, input }: IssueAt): string {
  if (!issue.discriminator) return `ogiltigt värde (fick ${describe(input)})`;
  const value = valueAt(raw, at);
  const what =
    issue.discriminator === 'type' ? 'frågetyp' : issue.discriminator === 'kind' ? 'indikatortyp' : `värde för '${issue.discriminator}'`;
  const allowed = (issue.options ?? []).map(String).join(', ');
  return value === undefined
    ? `'${issue.discriminator}' saknas (tillåtna: ${allowed})`
    : `okänd ${what} ${describe(value)} (tillåtna: ${allowed})`;
}

function invalidValueMessage({ issue, raw, at, key, input }: IssueAt): string {
  if (input === undefined) {
    const missing = missingMessage(at, raw);
    return `${missing}${issue.values && key !== 'dontKnowPolicy' ? ` (tillåtna: ${issue.values.map(String).join(', ')})` : ''}`;
  }
  const allowed = (issue.values ?? []).map(String).join(', ');
  return `ogiltigt värde ${describe(input)} för '${key}' (tillåtna: ${allowed})`;
}

const EMPTY_LISTS: Record<string, string> = {
  questions: 'enkäten saknar frågor',
  statements: 'matrisen saknar påståenden',
  numerator: 'täljaren är tom: ange minst en svarskod som räknas',
  anyOf: 'villkoret saknar svarskoder',
};

function tooSmallMessage({ issue, key, input }: IssueAt): string {
  if (issue.origin === 'string') return `'${key}' får inte vara tom`;
  if (issue.origin === 'array') {
    const count = Array.isArray(input) ? input.length : 0;
    if (key === 'options')
      return count === 0 ? 'skalan saknar svarsalternativ (minst två behövs)' : 'skalan har bara ett svarsalternativ (minst två behövs)';
    return EMPTY_LISTS[key] ?? `'${key}' ska ha minst ${issue.minimum} element`;
  }
  if (key === 'target') return targetMessage(input);
  return `'${key}' ska vara minst ${issue.minimum} (fick ${describe(input)})`;
}

function tooBigMessage({ issue, key, input }: IssueAt): string {
  if (issue.origin === 'string') return `'${key}' får vara högst ${issue.maximum} tecken lång`;
  if (key === 'target') return targetMessage(input);
  if (issue.origin === 'array') return `'${key}' får ha högst ${issue.maximum} element`;
  return `'${key}' ska vara högst ${issue.maximum} (fick ${describe(input)})`;
}

function targetMessage(input: unknown): string {
  return `målvärdet (target) ska vara mellan 0 och 100 procent (fick ${describe(input)})`;
}

function missingMessage(at: Segment[], raw: unknown): string {
  const key = lastKey(at);
  const parent = at.slice(0, -1);
  if (key === 'dontKnowPolicy') {
    const id = valueAt(raw, [...parent, 'id']);
    return (
      `dontKnowPolicy saknas${typeof id === 'string' ? ` i indikatorn '${id}'` : ''}: ange include (nämnaren är alla som svarat på frågan, Vet ej medräknat) ` +
      `eller exclude (Vet ej räknas inte i nämnaren) – det finns ingen standard`
    );
  }
  if (key === 'label' && parent.length >= 2 && parent[parent.length - 2] === 'options') {
    const code = valueAt(raw, [...parent, 'code']);
    return `skalan saknar etiketter: alternativet ${typeof code === 'string' ? `'${code}' ` : ''}saknar label: { sv: …, en: … }`;
  }
  if (key === 'sv') return 'texten saknar svenska (sv)';
  if (key === 'en') return 'texten saknar engelska (en)';
  return `'${key}' saknas`;
}

const YAML_MESSAGES: Partial<Record<string, string>> = {
  DUPLICATE_KEY: 'nyckeln förekommer två gånger på samma nivå',
  TAB_AS_INDENT: 'tabbtecken används som indrag – använd mellanslag',
  MULTIPLE_DOCS: 'filen innehåller flera YAML-dokument (---); en fil ska innehålla en enkät',
  BAD_INDENT: 'felaktigt indrag',
};

function yamlErrorMessage(code: string, message: string, sourceLine: string): string {
  const known = YAML_MESSAGES[code];
  if (known) return known;
  const firstLine = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const hint = /\{|: .*: /.test(sourceLine)
    ? " (tips: en text som börjar med '{' eller innehåller ': ' ska stå inom citattecken, t.ex. sv: \"{region} …\")"
    : '';
  return `YAML-syntaxfel: ${firstLine}${hint}`;
}

// ---------------------------------------------------------------------------------------
// Step 3: meaning
// ---------------------------------------------------------------------------------------

const YESNO_OPTIONS: Record<'yes' | 'no' | 'dontKnow', ScaleOption> = {
  yes: { code: YESNO_CODES.yes, label: { sv: 'Ja', en: 'Yes' }, dontKnow: false, exclusive: false },
  no: { code: YESNO_CODES.no, label: { sv: 'Nej', en: 'No' }, dontKnow: false, exclusive: false },
  dontKnow: { code: YESNO_CODES.dontKnow, label: { sv: 'Vet ej', en: "Don't know" }, dontKnow: true, exclusive: false },
};

function yesNoOptions(withDontKnow: boolean): ScaleOption[] {
  const list = [YESNO_OPTIONS.yes, YESNO_OPTIONS.no, ...(withDontKnow ? [YESNO_OPTIONS.dontKnow] : [])];
  return list.map((o) => ({ ...o, label: { ...o.label } }));
}

type AddProblem = (p: Segment[], message: string) => void;

/** What the meaning checks share: the file, how to report, and the questions' ids and options. */
interface SemanticCheck {
  file: SurveyFile;
  scales: NonNullable<SurveyFile['scales']>;
  add: AddProblem;
  /** Question id → its index (the first, when an id is repeated). */
  questionIndex: Map<string, number>;
  /** Each question's options (null for free text, or when they could not be resolved). */
  optionsByIndex: Array<SurveyFileOption[] | null>;
}

function checkSemantics(file: SurveyFile): RawProblem[] {
  const problems: RawProblem[] = [];
  const c: SemanticCheck = {
    file,
    scales: file.scales ?? {},
    add: (p, message) => problems.push({ path: p, message, code: 'meaning' }),
    questionIndex: new Map(),
    optionsByIndex: [],
  };
  for (const [name, scale] of Object.entries(c.scales)) {
    checkOptionList(scale.options, ['scales', name, 'options'], `skalan '${name}'`, c.add);
  }
  checkQuestions(c);
  checkSections(c);
  checkConditions(c);
  checkIndicators(c);
  return problems;
}

/** Questions: ids, options, statements. */
function checkQuestions(c: SemanticCheck): void {
  const { add } = c;
  c.file.questions.forEach((q, i) => {
    if (c.questionIndex.has(q.id)) add(['questions', i, 'id'], `frågans id '${q.id}' förekommer två gånger`);
    else c.questionIndex.set(q.id, i);
    const options = questionOptions(c, q, i);
    c.optionsByIndex.push(options);
    if (q.type === 'matrix') {
      const seen = new Set<string>();
      q.statements.forEach((s, j) => {
        if (seen.has(s.id))
          add(['questions', i, 'statements', j, 'id'], `påståendets id '${s.id}' förekommer två gånger i matrisen '${q.id}'`);
        seen.add(s.id);
      });
    }
    if (q.type === 'multiple' && q.maxSelected !== undefined && options && q.maxSelected > options.length) {
      add(['questions', i, 'maxSelected'], `maxSelected är ${q.maxSelected} men frågan har bara ${options.length} svarsalternativ`);
    }
  });
}

function questionOptions({ scales, add }: SemanticCheck, q: SurveyFileQuestion, i: number): SurveyFileOption[] | null {
  if (q.type === 'text') return null;
  if (q.type === 'yesno') return yesNoOptions(q.dontKnow);
  if (q.scale !== undefined && q.options !== undefined) {
    add(['questions', i, 'scale'], `frågan '${q.id}' har både scale och options – ange bara det ena`);
    return null;
  }
  if (q.scale !== undefined) {
    const scale = scales[q.scale];
    if (!scale) {
      const names = Object.keys(scales);
      add(
        ['questions', i, 'scale'],
        `okänd skala '${q.scale}' (${names.length ? `finns: ${names.join(', ')}` : 'inga skalor finns under scales'})`,
      );
      return null;
    }
    return scale.options;
  }
  if (q.options !== undefined) {
    checkOptionList(q.options, ['questions', i, 'options'], `frågan '${q.id}'`, add);
    return q.options;
  }
  add(['questions', i], `frågan '${q.id}' saknar svarsalternativ: ange scale (namnet på en skala under scales) eller options`);
  return null;
}

/** Sections: known, used, and each section's questions consecutive. */
function checkSections({ file, add }: SemanticCheck): void {
  const sections = file.sections ?? [];
  const sectionIds = new Set<string>();
  sections.forEach((s, k) => {
    if (sectionIds.has(s.id)) add(['sections', k, 'id'], `avsnittets id '${s.id}' förekommer två gånger`);
    sectionIds.add(s.id);
  });
  const usedSections = new Set<string>();
  const finishedSections = new Set<string>();
  let currentSection: string | undefined;
  file.questions.forEach((q, i) => {
    if (q.section !== undefined && !sectionIds.has(q.section)) {
      add(
        ['questions', i, 'section'],
        `okänt avsnitt '${q.section}' (${sectionIds.size ? `finns: ${[...sectionIds].join(', ')}` : 'inga avsnitt finns under sections'})`,
      );
      return;
    }
    if (q.section !== currentSection) {
      if (currentSection !== undefined) finishedSections.add(currentSection);
      if (q.section !== undefined && finishedSections.has(q.section)) {
        add(
          ['questions', i, 'section'],
          `frågorna i avsnittet '${q.section}' ska stå i följd, men frågan '${q.id}' kommer efter frågor utanför avsnittet`,
        );
      }
      currentSection = q.section;
    }
    if (q.section !== undefined) usedSections.add(q.section);
  });
  sections.forEach((s, k) => {
    if (!usedSections.has(s.id)) add(['sections', k], `avsnittet '${s.id}' har inga frågor`);
  });
}

interface RefTarget {
  index: number;
  question: SurveyFileQuestion;
  options: SurveyFileOption[] | null;
}

/** A reference to a question or matrix statement; reports what is wrong, returns the target. */
function resolveRef(c: SemanticCheck, ref: string, refPath: Segment[], who: string): RefTarget | null {
  const { add } = c;
  const { questionId, statementId } = splitQuestionRef(ref);
  const index = c.questionIndex.get(questionId);
  if (index === undefined) {
    add(refPath, `${who} hänvisar till frågan '${questionId}' som inte finns (finns: ${[...c.questionIndex.keys()].join(', ')})`);
    return null;
  }
  const question = c.file.questions[index];
  if (question.type === 'matrix') {
    const statementRefs = question.statements.map((s) => `${questionId}.${s.id}`).join(', ');
    if (statementId === undefined) {
      add(refPath, `'${questionId}' är en matris – ${who} ska hänvisa till ett av dess påståenden: ${statementRefs}`);
      return null;
    }
    if (!question.statements.some((s) => s.id === statementId)) {
      add(refPath, `okänt påstående '${statementId}' i matrisen '${questionId}' (finns: ${statementRefs})`);
      return null;
    }
  } else if (statementId !== undefined) {
    add(refPath, `'${questionId}' är ingen matris och har inga påståenden – skriv bara '${questionId}'`);
    return null;
  }
  return { index, question, options: c.optionsByIndex[index] };
}

/** Conditions: point backwards, at a question with options, with codes that exist. */
function checkConditions(c: SemanticCheck): void {
  c.file.questions.forEach((q, i) => {
    if (!q.showIf) return;
    const refPath: Segment[] = ['questions', i, 'showIf', 'question'];
    const target = resolveRef(c, q.showIf.question, refPath, 'villkoret');
    if (!target) return;
    const problem = conditionTargetProblem(q, i, target);
    if (problem) return c.add(refPath, problem);
    const options = target.options;
    if (!options) return;
    q.showIf.anyOf.forEach((code, k) => {
      if (!options.some((o) => o.code === code)) {
        c.add(
          ['questions', i, 'showIf', 'anyOf', k],
          `okänd svarskod '${code}' i villkoret för frågan '${q.id}' (finns: ${options.map((o) => o.code).join(', ')})`,
        );
      }
    });
  });
}

/** What is wrong with the question a condition points at (itself, a later one, a free-text one), or null. */
function conditionTargetProblem(q: SurveyFileQuestion, i: number, target: RefTarget): string | null {
  if (target.index === i) return `frågan '${q.id}' kan inte visas på villkor av sitt eget svar`;
  if (target.index > i)
    return `villkoret hänvisar till frågan '${target.question.id}' som kommer senare i enkäten; ett villkor kan bara bygga på en fråga som står före`;
  if (target.question.type === 'text')
    return `villkoret hänvisar till fritextfrågan '${target.question.id}'; ett villkor kan bara bygga på en fråga med svarsalternativ`;
  return null;
}

/** Indicators: unique ids; a survey indicator counts codes of a question with one answer per organisation. */
function checkIndicators(c: SemanticCheck): void {
  const { add } = c;
  const indicatorIds = new Set<string>();
  (c.file.indicators ?? []).forEach((indicator, k) => {
    if (indicatorIds.has(indicator.id)) add(['indicators', k, 'id'], `indikatorns id '${indicator.id}' förekommer två gånger`);
    indicatorIds.add(indicator.id);
    if (indicator.kind !== 'survey') return;
    const target = resolveRef(c, indicator.question, ['indicators', k, 'question'], `indikatorn '${indicator.id}'`);
    if (!target) return;
    if (target.question.type === 'text' || target.question.type === 'multiple') {
      const what = target.question.type === 'text' ? 'fritextfrågan' : 'flervalsfrågan';
      add(
        ['indicators', k, 'question'],
        `indikatorn '${indicator.id}' kan inte räknas på ${what} '${target.question.id}': en indikator räknas på en fråga med ett svar per organisation (single, yesno eller ett påstående i en matris)`,
      );
      return;
    }
    if (target.options) checkNumerator(indicator.id, indicator.numerator, target.options, ['indicators', k, 'numerator'], add);
  });
}

/** The numerator's codes: each an option of the question, not Vet ej, listed once. */
function checkNumerator(indicatorId: string, numerator: string[], options: SurveyFileOption[], at: Segment[], add: AddProblem): void {
  const seen = new Set<string>();
  numerator.forEach((code, m) => {
    const where: Segment[] = [...at, m];
    const option = options.find((o) => o.code === code);
    if (!option) {
      add(where, `okänd svarskod '${code}' i indikatorn '${indicatorId}' (finns: ${options.map((o) => o.code).join(', ')})`);
    } else if (option.dontKnow) {
      add(
        where,
        `svarskoden '${code}' är Vet ej-alternativet och kan inte räknas i täljaren för indikatorn '${indicatorId}'; hur Vet ej räknas styrs av dontKnowPolicy`,
      );
    } else if (seen.has(code)) {
      add(where, `svarskoden '${code}' står två gånger i täljaren för indikatorn '${indicatorId}'`);
    }
    seen.add(code);
  });
}

function checkOptionList(options: SurveyFileOption[], at: Segment[], where: string, add: AddProblem): void {
  const codes = new Set<string>();
  let dontKnowCode: string | null = null;
  options.forEach((option, j) => {
    if (codes.has(option.code)) add([...at, j, 'code'], `svarskoden '${option.code}' förekommer två gånger i ${where}`);
    codes.add(option.code);
    if (option.dontKnow) {
      if (dontKnowCode !== null) {
        add(
          [...at, j, 'dontKnow'],
          `bara ett alternativ får vara Vet ej (dontKnow) i ${where}, men både '${dontKnowCode}' och '${option.code}' är markerade`,
        );
      } else {
        dontKnowCode = option.code;
      }
    }
  });
}

/** Every string in the file may use {region} and {strategy}, and nothing else in braces. */
function checkPlaceholders(raw: unknown): RawProblem[] {
  const problems: RawProblem[] = [];
  const known = PLACEHOLDERS.map((p) => `{${p}}`).join(', ');
  const visit = (value: unknown, at: Segment[]): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(PLACEHOLDER_PATTERN)) {
        if (!(PLACEHOLDERS as readonly string[]).includes(match[1])) {
          const guess = closest(match[1], PLACEHOLDERS);
          problems.push({
            path: at,
            code: 'placeholder',
            message: `okänd platshållare '${match[0]}'${guess ? ` – menade du '{${guess}}'?` : ''} (tillgängliga: ${known})`,
          });
        }
      }
      if (/[{}]/.test(value.replace(PLACEHOLDER_PATTERN, ''))) {
        problems.push({ path: at, code: 'placeholder', message: `ensam klammerparentes i texten – platshållare skrivs ${known}` });
      }
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => visit(v, [...at, i]));
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, [...at, k]);
    }
  };
  visit(raw, []);
  return problems;
}

// ---------------------------------------------------------------------------------------
// Languages: Swedish always; English for the whole survey or not at all
// ---------------------------------------------------------------------------------------

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const listOf = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Every text a respondent reads (title, intro, sections, questions, help, options, statements), where it is in the file. */
function respondentTexts(raw: unknown): Array<{ at: Segment[]; text: Record<string, unknown> }> {
  const out: Array<{ at: Segment[]; text: Record<string, unknown> }> = [];
  const add = (at: Segment[], v: unknown) => {
    if (isRecord(v)) out.push({ at, text: v });
  };
  const options = (at: Segment[], v: unknown) =>
    listOf(v).forEach((o, j) => {
      if (isRecord(o)) add([...at, j, 'label'], o.label);
    });
  if (!isRecord(raw)) return out;
  add(['title'], raw.title);
  add(['intro'], raw.intro);
  listOf(raw.sections).forEach((section, k) => {
    if (!isRecord(section)) return;
    add(['sections', k, 'title'], section.title);
    add(['sections', k, 'intro'], section.intro);
  });
  if (isRecord(raw.scales))
    for (const [name, scale] of Object.entries(raw.scales)) if (isRecord(scale)) options(['scales', name, 'options'], scale.options);
  listOf(raw.questions).forEach((q, i) => {
    if (!isRecord(q)) return;
    add(['questions', i, 'text'], q.text);
    add(['questions', i, 'help'], q.help);
    options(['questions', i, 'options'], q.options);
    listOf(q.statements).forEach((st, k) => {
      if (isRecord(st)) add(['questions', i, 'statements', k, 'text'], st.text);
    });
  });
  return out;
}

export const ENGLISH_MISSING =
  'texten saknar engelska (en): enkätens titel finns på engelska, så enkäten är tvåspråkig och alla texter behöver en engelsk version';
export const ENGLISH_UNEXPECTED =
  'texten har en engelsk version (en), men enkätens titel saknar engelska, så enkäten är bara på svenska: ta bort den engelska texten, eller ge titeln en engelsk text (title.en) så att enkäten blir tvåspråkig';

/**
 * A survey is in Swedish, and also in English when its title has an English text (title.en).
 * Then every text a respondent reads needs English; without it, no text may have English (the
 * respondent would never see it, and a half-translated survey is not offered in English).
 */
function checkLanguages(raw: unknown): RawProblem[] {
  const texts = respondentTexts(raw);
  const title = texts.find((t) => t.at.length === 1 && t.at[0] === 'title');
  if (!title) return [];
  const english = title.text.en !== undefined;
  return texts.flatMap(({ at, text }): RawProblem[] => {
    if (english && text.en === undefined) return [{ path: [...at, 'en'], message: ENGLISH_MISSING, code: 'english_missing' }];
    if (!english && text.en !== undefined) return [{ path: [...at, 'en'], message: ENGLISH_UNEXPECTED, code: 'english_unexpected' }];
    return [];
  });
}

// ---------------------------------------------------------------------------------------
// The meaning of a file whose structure is wrong
// ---------------------------------------------------------------------------------------

/** Stands in for a wrong value while the meaning is checked; problems that mention it are not reported. */
const FILLER = 'x_ersatt_varde';
const TEXT_KEYS = new Set(['title', 'intro', 'text', 'help', 'label', 'name', 'goal']);
const ID_KEYS = new Set(['id', 'code', 'section', 'scale', 'question']);

function setAt(root: unknown, at: Segment[], value: unknown): boolean {
  let node: unknown = root;
  for (const seg of at.slice(0, -1)) {
    if (node === null || typeof node !== 'object') return false;
    node = (node as Record<Segment, unknown>)[seg];
  }
  if (node === null || typeof node !== 'object' || at.length === 0) return false;
  const last = at[at.length - 1];
  if (value === undefined) delete (node as Record<Segment, unknown>)[last];
  else (node as Record<Segment, unknown>)[last] = value;
  return true;
}

/** A stand-in for a value of the wrong type, or undefined when there is no sensible one. */
function typeStandIn(issue: ZodIssueLike, at: Segment[], filler: () => string): unknown {
  const key = lastKey(at);
  if (issue.expected === 'string') return ID_KEYS.has(key) || typeof at[at.length - 1] === 'number' ? filler() : FILLER;
  if (issue.expected === 'number' || issue.expected === 'int') return 1;
  if (issue.expected === 'boolean') return false;
  if (issue.expected === 'object' && TEXT_KEYS.has(key)) return { sv: FILLER };
  return undefined;
}

/** A stand-in for a value out of range (a text too short or long, a number too small or big). */
function rangeStandIn(issue: ZodIssueLike, filler: () => string): unknown {
  const small = issue.code === 'too_small';
  if (issue.origin === 'string') return small ? filler() : filler().slice(0, Number(issue.maximum));
  if (issue.origin === 'number') return Number(small ? issue.minimum : issue.maximum);
  return undefined;
}

/** Replaces the value a zod issue is about with one that passes; false when there is no sensible stand-in. */
function patchIssue(copy: unknown, issue: ZodIssueLike, filler: () => string): boolean {
  const at = issue.path.map((s) => (typeof s === 'number' ? s : String(s)));
  let standIn: unknown;
  if (issue.code === 'unrecognized_keys') return (issue.keys ?? []).every((k) => setAt(copy, [...at, k], undefined));
  if (issue.code === 'invalid_format') standIn = filler();
  else if (issue.code === 'invalid_value') standIn = issue.values?.[0];
  else if (issue.code === 'too_small' || issue.code === 'too_big') standIn = rangeStandIn(issue, filler);
  else if (issue.code === 'invalid_type') standIn = typeStandIn(issue, at, filler);
  return standIn !== undefined && setAt(copy, at, standIn);
}

const startsWith = (path: Segment[], prefix: Segment[]) => prefix.every((seg, i) => path[i] === seg);

/**
 * The meaning checks on a copy of the file in which each wrong value is replaced by one that
 * passes (an empty text by a text, a bad id by an id …), so the author sees those problems too.
 * Nothing is reported about a replaced value. [] when the structure cannot be made right.
 */
function semanticsDespite(raw: unknown, firstIssues: ZodIssueLike[]): RawProblem[] {
  const copy: unknown = structuredClone(raw);
  const patched: Segment[][] = [];
  let n = 0;
  const filler = () => `${FILLER}_${++n}`;
  let issues = firstIssues;
  for (let pass = 0; pass < 4; pass++) {
    for (const issue of issues) {
      if (!patchIssue(copy, issue, filler)) return [];
      patched.push(issue.path.map((s) => (typeof s === 'number' ? s : String(s))));
    }
    const again = surveyFileSchema.safeParse(copy);
    if (again.success)
      return checkSemantics(again.data).filter((p) => !p.message.includes(FILLER) && !patched.some((at) => startsWith(p.path, at)));
    issues = again.error.issues;
  }
  return [];
}

// ---------------------------------------------------------------------------------------
// File → definition
// ---------------------------------------------------------------------------------------

function copyOption(o: SurveyFileOption): ScaleOption {
  return { code: o.code, label: { ...o.label }, dontKnow: o.dontKnow, exclusive: o.exclusive };
}

/** Only called on a file that passed checkSemantics. */
function toDefinition(file: SurveyFile): SurveyDefinition {
  const scales = file.scales ?? {};
  const optionsOf = (q: { scale?: string; options?: SurveyFileOption[] }): ScaleOption[] =>
    (q.options ?? (q.scale !== undefined ? scales[q.scale].options : [])).map(copyOption);

  const questions = file.questions.map((q): Question => {
    const common = {
      id: q.id,
      text: q.text,
      ...(q.help ? { help: q.help } : {}),
      required: q.required,
      ...(q.showIf ? { showIf: { question: q.showIf.question, anyOf: [...q.showIf.anyOf] } } : {}),
      ...(q.section !== undefined ? { section: q.section } : {}),
    };
    const scale = 'scale' in q && q.scale !== undefined ? { scale: q.scale } : {};
    switch (q.type) {
      case 'single':
        return { ...common, type: 'single', ...scale, options: optionsOf(q) };
      case 'multiple':
        return {
          ...common,
          type: 'multiple',
          ...scale,
          options: optionsOf(q),
          ...(q.maxSelected !== undefined ? { maxSelected: q.maxSelected } : {}),
        };
      case 'yesno':
        return { ...common, type: 'yesno', options: yesNoOptions(q.dontKnow) };
      case 'text':
        return { ...common, type: 'text', maxLength: q.maxLength, multiline: q.multiline };
      case 'matrix':
        return {
          ...common,
          type: 'matrix',
          ...scale,
          statements: q.statements.map((s) => ({ id: s.id, text: s.text })),
          options: optionsOf(q),
        };
    }
  });

  const indicators = (file.indicators ?? []).map((i): IndicatorDefinition => ({ ...i }));
  return {
    id: file.id,
    ...(file.version !== undefined ? { version: file.version } : {}),
    title: file.title,
    intro: file.intro,
    estimatedMinutes: file.estimatedMinutes,
    sections: (file.sections ?? []).map((s) => ({ ...s })),
    questions,
    indicators,
  };
}

// ---------------------------------------------------------------------------------------
// Paths and positions
// ---------------------------------------------------------------------------------------

function lastKey(at: Segment[]): string {
  for (let i = at.length - 1; i >= 0; i--) if (typeof at[i] === 'string') return at[i] as string;
  return '';
}

function valueAt(raw: unknown, at: readonly Segment[]): unknown {
  let current: unknown = raw;
  for (const seg of at) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[seg];
  }
  return current;
}

/** Lists whose items are named by their `id` in paths: questions.rus_planering, not questions[0]. */
const LISTS_BY_ID = new Set(['questions', 'indicators', 'sections', 'statements']);

/** `questions.rus_statistik.options[1].code`; an item is shown by index when its id is missing,
 *  invalid or not unique in its list. */
function formatPath(raw: unknown, at: readonly Segment[]): string {
  let out = '';
  let current: unknown = raw;
  let parentKey: Segment | undefined;
  for (const seg of at) {
    if (typeof seg === 'number') {
      const list = Array.isArray(current) ? current : [];
      const item: unknown = list[seg];
      const id = item !== null && typeof item === 'object' ? (item as { id?: unknown }).id : undefined;
      const unique =
        typeof id === 'string' &&
        list.filter((x: unknown) => x !== null && typeof x === 'object' && (x as { id?: unknown }).id === id).length === 1;
      out +=
        typeof parentKey === 'string' && LISTS_BY_ID.has(parentKey) && typeof id === 'string' && ID_PATTERN.test(id) && unique
          ? `.${id}`
          : `[${seg}]`;
    } else {
      out += out ? `.${seg}` : seg;
    }
    current = current !== null && typeof current === 'object' ? (current as Record<string | number, unknown>)[seg] : undefined;
    parentKey = seg;
  }
  return out;
}

/** The pairs of a map by key, built once per map (so finding many keys of one map stays linear). */
function pairOf(node: YAMLMap, key: string, index: WeakMap<YAMLMap, Map<string, Pair>>): Pair | undefined {
  let byKey = index.get(node);
  if (!byKey) {
    byKey = new Map();
    for (const p of node.items) {
      const k = String(isScalar(p.key) ? p.key.value : p.key);
      if (!byKey.has(k)) byKey.set(k, p);
    }
    index.set(node, byKey);
  }
  return byKey.get(key);
}

/** The source offset of the deepest node on the path that exists; for a path ending at a map
 *  key, the key itself (so the line is the key's line). */
function offsetOf(doc: Document, at: readonly Segment[], index: WeakMap<YAMLMap, Map<string, Pair>>): number | null {
  let node: unknown = doc.contents;
  let offset = rangeStart(node);
  for (let i = 0; i < at.length; i++) {
    const seg = at[i];
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = pairOf(node, String(seg), index);
      if (!pair) break;
      if (i === at.length - 1) return rangeStart(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      if (node === undefined) break;
    } else {
      break;
    }
    offset = rangeStart(node) ?? offset;
  }
  return offset;
}

function rangeStart(node: unknown): number | null {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : null;
}

// ---------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------

function describe(value: unknown): string {
  if (value === undefined) return 'inget värde';
  if (value === null) return 'ett tomt värde';
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}…` : value}'`;
  if (typeof value === 'number') return `talet ${value}`;
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'en lista';
  return 'en samling nycklar';
}

/** The candidate closest to `word` by edit distance, if it is close enough to be a typo. */
function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(1, Math.floor(best.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length];
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
