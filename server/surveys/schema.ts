// Survey definitions: the file format (a zod schema for the YAML in surveys/) and the
// resolved, typed definition the rest of the application works with.
//
// Two layers, on purpose:
//   * `surveyFileSchema` describes what an author writes. It allows named scales that
//     several questions share (`scales:` + `scale: name`) and short forms (a yes/no question
//     without listed options). Every object is strict, so a misspelt key is an error.
//   * `SurveyDefinition` is what `parseSurveyYaml` / `loadSurveyDir` (./load.ts) return after
//     validation: every choice question carries its own `options`, defaults are filled in,
//     and cross-references (conditions, indicators) are known to be valid. Rounds store this
//     form (see `canonicalJson` in ./load.ts), so code that reads a stored definition never
//     has to resolve scales.
//
// Swedish words kept as identifiers where the domain is Swedish: målvärde (target),
// effektmål / nämndmål / uppdrag (goal levels), arbetsmöte / riktningsmöte / årskonferens
// (the meetings of the årshjul, the partnership's yearly cycle of meetings).
import { z } from 'zod';
import type { Locale } from '../i18n';

// ---------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------

/** Placeholders that survey texts may use; both are settings (config.regionName, config.strategyName). */
export const PLACEHOLDERS = ['region', 'strategy'] as const;
export type PlaceholderName = (typeof PLACEHOLDERS)[number];
/** Values for every placeholder, e.g. `{ region: config.regionName, strategy: config.strategyName }`. */
export type PlaceholderValues = Record<PlaceholderName, string>;

export const QUESTION_TYPES = ['single', 'multiple', 'yesno', 'text', 'matrix'] as const;
export const GOAL_LEVELS = ['effektmal', 'namndmal', 'uppdrag'] as const;
export const INDICATOR_KINDS = ['survey', 'attendance', 'manual'] as const;
export const MEETING_TYPES = ['arbetsmote', 'riktningsmote', 'arskonferens'] as const;
export const DONT_KNOW_POLICIES = ['include', 'exclude'] as const;
export const DIRECTIONS = ['higher', 'lower'] as const;
export const UNITS = ['percent'] as const;

export type GoalLevel = (typeof GOAL_LEVELS)[number];
export type MeetingType = (typeof MEETING_TYPES)[number];
/** `include`: denominator = every organisation that answered the question (Vet ej included);
 *  `exclude`: denominator leaves the Vet ej answers out. Always stated, never defaulted. */
export type DontKnowPolicy = (typeof DONT_KNOW_POLICIES)[number];
export type Direction = (typeof DIRECTIONS)[number];
export type IndicatorUnit = (typeof UNITS)[number];

export const INDICATOR_DEFAULTS = {
  /** Yellow band below (or above, for `lower`) the target, in percentage points. */
  tolerance: 5,
  /** |change| below this many percentage points reads as "oförändrat". */
  deadBand: 1,
  /** Breakdown cells with fewer answers than this are suppressed. */
  minN: 5,
} as const;
export const TEXT_MAX_LENGTH_DEFAULT = 2000;
export const TEXT_MAX_LENGTH_LIMIT = 20000;

/** Ids of surveys, questions, statements, sections, scales, indicators and option codes:
 *  lower-case a–z, digits and underscore, starting with a letter (they end up in CSV
 *  headers, URLs and exports, so no å/ä/ö and no spaces). */
export const ID_PATTERN = /^[a-z][a-z0-9_]*$/;
export const ID_MAX_LENGTH = 64;
/** A reference to a question (`rus_planering`) or a matrix statement (`matris_id.statement_id`). */
export const QUESTION_REF_PATTERN = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)?$/;

/** Option codes of the generated options of a `yesno` question. */
export const YESNO_CODES = { yes: 'ja', no: 'nej', dontKnow: 'vet_ej' } as const;

// ---------------------------------------------------------------------------------------
// The file format (zod)
// ---------------------------------------------------------------------------------------

/** Texts are trimmed and lose trailing spaces at line ends (invisible, and otherwise a
 *  whitespace-only edit inside a `|` block would change the content hash). */
export function normalizeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[ \t]+$/gm, '')
    .trim();
}
const nonEmptyText = z.string().overwrite(normalizeText).min(1);

export const idSchema = z.string().max(ID_MAX_LENGTH).regex(ID_PATTERN);
export const questionRefSchema = z
  .string()
  .max(2 * ID_MAX_LENGTH + 1)
  .regex(QUESTION_REF_PATTERN);

/** A text in Swedish, and in English when the survey has English (its title has an English
 *  text; then every text needs one — checked in ./load.ts). */
export const localizedTextSchema = z.strictObject({ sv: nonEmptyText, en: nonEmptyText.optional() });
/** A text in Swedish, optionally also in English (indicator and goal names, as written in the report). */
export const svTextSchema = z.strictObject({ sv: nonEmptyText, en: nonEmptyText.optional() });

export const optionSchema = z.strictObject({
  code: idSchema,
  label: localizedTextSchema,
  /** The "Vet ej" option: not an opinion; at most one per scale. */
  dontKnow: z.boolean().default(false),
  /** In a multiple-choice question: cannot be combined with other options ("Inget av mötena"). */
  exclusive: z.boolean().default(false),
});

export const scaleSchema = z.strictObject({
  options: z.array(optionSchema).min(2),
});

export const conditionSchema = z.strictObject({
  /** An earlier question (or `matrix.statement`) … */
  question: questionRefSchema,
  /** … and the option codes that make this question visible. */
  anyOf: z.array(idSchema).min(1),
});

export const sectionSchema = z.strictObject({
  id: idSchema,
  title: localizedTextSchema,
  intro: localizedTextSchema.optional(),
});

const questionCommon = {
  id: idSchema,
  text: localizedTextSchema,
  help: localizedTextSchema.optional(),
  required: z.boolean().default(false),
  showIf: conditionSchema.optional(),
  section: idSchema.optional(),
};

const choiceSource = {
  /** The name of a scale under `scales:` … */
  scale: idSchema.optional(),
  /** … or the options written out here (exactly one of the two). */
  options: z.array(optionSchema).min(2).optional(),
};

export const statementSchema = z.strictObject({ id: idSchema, text: localizedTextSchema });

export const questionFileSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...questionCommon, type: z.literal('single'), ...choiceSource }),
  z.strictObject({
    ...questionCommon,
    type: z.literal('multiple'),
    ...choiceSource,
    maxSelected: z.number().int().min(1).optional(),
  }),
  z.strictObject({
    ...questionCommon,
    type: z.literal('yesno'),
    /** Add a third option "Vet ej" (code vet_ej). */
    dontKnow: z.boolean().default(false),
  }),
  z.strictObject({
    ...questionCommon,
    type: z.literal('text'),
    maxLength: z.number().int().min(1).max(TEXT_MAX_LENGTH_LIMIT).default(TEXT_MAX_LENGTH_DEFAULT),
    /** A textarea (true) or a one-line input (false). */
    multiline: z.boolean().default(true),
  }),
  z.strictObject({
    ...questionCommon,
    type: z.literal('matrix'),
    statements: z.array(statementSchema).min(1),
    ...choiceSource,
  }),
]);

const percentPoints = z.number().min(0).max(100);

const indicatorCommon = {
  id: idSchema,
  /** The indicator as written in the annual report. */
  name: svTextSchema,
  /** The name of the goal the indicator hangs under. */
  goal: svTextSchema,
  level: z.enum(GOAL_LEVELS),
  unit: z.enum(UNITS).default('percent'),
  direction: z.enum(DIRECTIONS),
  tolerance: percentPoints.default(INDICATOR_DEFAULTS.tolerance),
  deadBand: percentPoints.default(INDICATOR_DEFAULTS.deadBand),
  minN: z.number().int().min(1).default(INDICATOR_DEFAULTS.minN),
  /** Default målvärde (analysts set the target per year; this is the starting value). */
  target: z.number().min(0).max(100).optional(),
  /** Codes for the region's goal-management export. */
  codes: z.strictObject({ unit: nonEmptyText, indicator: nonEmptyText }).optional(),
};

export const indicatorFileSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    ...indicatorCommon,
    kind: z.literal('survey'),
    question: questionRefSchema,
    numerator: z.array(idSchema).min(1),
    dontKnowPolicy: z.enum(DONT_KNOW_POLICIES),
  }),
  z.strictObject({ ...indicatorCommon, kind: z.literal('attendance'), meetingType: z.enum(MEETING_TYPES) }),
  z.strictObject({ ...indicatorCommon, kind: z.literal('manual') }),
]);

export const surveyFileSchema = z.strictObject({
  id: idSchema,
  /** A free label for people ("2025", "2025-v2"); the content hash is what identifies a version. */
  version: nonEmptyText.optional(),
  title: localizedTextSchema,
  intro: localizedTextSchema,
  estimatedMinutes: z.number().int().min(1).max(240),
  scales: z.record(idSchema, scaleSchema).optional(),
  sections: z.array(sectionSchema).optional(),
  questions: z.array(questionFileSchema).min(1),
  indicators: z.array(indicatorFileSchema).optional(),
});

/** A survey file as written (after zod, before scales are resolved and references checked). */
export type SurveyFile = z.output<typeof surveyFileSchema>;
export type SurveyFileQuestion = z.output<typeof questionFileSchema>;
export type SurveyFileOption = z.output<typeof optionSchema>;

// ---------------------------------------------------------------------------------------
// The resolved definition (what parseSurveyYaml / loadSurveyDir return)
// ---------------------------------------------------------------------------------------

export type { Locale };
/** A respondent-facing text: Swedish always, English when the survey has English. */
export interface LocalizedText {
  sv: string;
  en?: string;
}
export interface SvText {
  sv: string;
  en?: string;
}

export interface ScaleOption {
  /** Stable code, stored in answers and used in imports, conditions and indicators. */
  code: string;
  label: LocalizedText;
  /** The "Vet ej" option (at most one per question). */
  dontKnow: boolean;
  /** Only meaningful in `multiple`: may not be combined with other options. A `dontKnow`
   *  option in a `multiple` question should be treated as exclusive too. */
  exclusive: boolean;
}

/** Show the question only when the earlier question `question` (or matrix statement
 *  `matrix.statement`) was answered with one of `anyOf` (for a `multiple` question: when at
 *  least one of them was ticked). A required question is required only while it is shown. */
export interface Condition {
  question: string;
  anyOf: string[];
}

export interface Section {
  id: string;
  title: LocalizedText;
  intro?: LocalizedText;
}

interface QuestionCommon {
  id: string;
  text: LocalizedText;
  help?: LocalizedText;
  required: boolean;
  showIf?: Condition;
  /** Id of a section in `SurveyDefinition.sections`; a section's questions are consecutive. */
  section?: string;
}

export interface SingleQuestion extends QuestionCommon {
  type: 'single';
  /** Name of the shared scale the options came from, if any (informative). */
  scale?: string;
  options: ScaleOption[];
}
export interface MultipleQuestion extends QuestionCommon {
  type: 'multiple';
  scale?: string;
  options: ScaleOption[];
  maxSelected?: number;
}
export interface YesNoQuestion extends QuestionCommon {
  type: 'yesno';
  /** Generated: ja, nej and (if the file says `dontKnow: true`) vet_ej. */
  options: ScaleOption[];
}
export interface TextQuestion extends QuestionCommon {
  type: 'text';
  maxLength: number;
  multiline: boolean;
}
export interface MatrixStatement {
  id: string;
  text: LocalizedText;
}
/** Several statements answered on one scale; each statement is answered like a single
 *  choice and is referred to as `matrixId.statementId`. */
export interface MatrixQuestion extends QuestionCommon {
  type: 'matrix';
  scale?: string;
  statements: MatrixStatement[];
  options: ScaleOption[];
}

export type ChoiceQuestion = SingleQuestion | MultipleQuestion | YesNoQuestion | MatrixQuestion;
export type Question = ChoiceQuestion | TextQuestion;

interface IndicatorCommon {
  id: string;
  name: SvText;
  goal: SvText;
  level: GoalLevel;
  unit: IndicatorUnit;
  direction: Direction;
  /** Percentage points; default 5. */
  tolerance: number;
  /** Percentage points; default 1. */
  deadBand: number;
  /** Default 5. */
  minN: number;
  /** Default målvärde, 0–100; absent when the file gives none. */
  target?: number;
  codes?: { unit: string; indicator: string };
}
export interface SurveyIndicator extends IndicatorCommon {
  kind: 'survey';
  /** A `single` or `yesno` question id, or `matrixId.statementId`. */
  question: string;
  /** Option codes counted in the numerator (never the Vet ej option). */
  numerator: string[];
  dontKnowPolicy: DontKnowPolicy;
}
export interface AttendanceIndicator extends IndicatorCommon {
  kind: 'attendance';
  meetingType: MeetingType;
}
export interface ManualIndicator extends IndicatorCommon {
  kind: 'manual';
}
export type IndicatorDefinition = SurveyIndicator | AttendanceIndicator | ManualIndicator;

export interface SurveyDefinition {
  id: string;
  version?: string;
  title: LocalizedText;
  /** Paragraphs are separated by a blank line. */
  intro: LocalizedText;
  estimatedMinutes: number;
  /** Empty when the survey has no headings. */
  sections: Section[];
  questions: Question[];
  /** Empty when the survey feeds no indicators. */
  indicators: IndicatorDefinition[];
}

// ---------------------------------------------------------------------------------------
// Helpers for the code that uses a definition
// ---------------------------------------------------------------------------------------

export function isChoiceQuestion(q: Question): q is ChoiceQuestion {
  return q.type !== 'text';
}

export function findQuestion(def: SurveyDefinition, id: string): Question | undefined {
  return def.questions.find((q) => q.id === id);
}

/** Splits `rus_planering` → { questionId: 'rus_planering' } and `matris.pastaende` →
 *  { questionId: 'matris', statementId: 'pastaende' }. */
export function splitQuestionRef(ref: string): { questionId: string; statementId?: string } {
  const dot = ref.indexOf('.');
  return dot < 0 ? { questionId: ref } : { questionId: ref.slice(0, dot), statementId: ref.slice(dot + 1) };
}

export interface ResolvedQuestionRef {
  question: ChoiceQuestion;
  statement?: MatrixStatement;
  options: ScaleOption[];
}

/** Resolves an indicator's or a condition's `question` to the question, the matrix statement
 *  (if any) and the options that can be answered. Undefined when the reference does not
 *  point at something answerable with one option code (validated files always resolve). */
export function resolveQuestionRef(def: SurveyDefinition, ref: string): ResolvedQuestionRef | undefined {
  const { questionId, statementId } = splitQuestionRef(ref);
  const question = findQuestion(def, questionId);
  if (!question || !isChoiceQuestion(question)) return undefined;
  if (question.type === 'matrix') {
    const statement = question.statements.find((s) => s.id === statementId);
    return statement ? { question, statement, options: question.options } : undefined;
  }
  return statementId === undefined ? { question, options: question.options } : undefined;
}

/** The questions grouped into consecutive runs of the same section (a run without a section
 *  has `section: null`), in survey order — what a respondent page renders. */
export function questionsBySection(def: SurveyDefinition): Array<{ section: Section | null; questions: Question[] }> {
  const groups: Array<{ section: Section | null; questions: Question[] }> = [];
  for (const q of def.questions) {
    const section = q.section === undefined ? null : (def.sections.find((s) => s.id === q.section) ?? null);
    const last = groups[groups.length - 1];
    if (last && last.section === section) last.questions.push(q);
    else groups.push({ section, questions: [q] });
  }
  return groups;
}

/** `{name}` where name is anything but braces; the validator rejects names not in PLACEHOLDERS. */
export const PLACEHOLDER_PATTERN = /\{([^{}]*)\}/g;

/** Replaces `{region}` and `{strategy}` with their values. An unknown placeholder (which a
 *  validated survey file cannot contain) is left as written. */
export function renderText(text: string, vars: PlaceholderValues): string {
  return text.replace(PLACEHOLDER_PATTERN, (whole, name: string) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? vars[name as PlaceholderName] : whole,
  );
}

/** The languages a respondent can read the survey in: Swedish, and English when its title has English (then every text has). */
export function surveyLanguages(def: Pick<SurveyDefinition, 'title'>): Locale[] {
  return def.title.en === undefined ? ['sv'] : ['sv', 'en'];
}

/** The text in the wanted language, falling back to Swedish, with placeholders filled in. */
export function localize(text: LocalizedText | SvText, locale: Locale, vars: PlaceholderValues): string {
  return renderText((locale === 'en' ? text.en : undefined) ?? text.sv, vars);
}

/** A copy of the definition with every placeholder filled in (ids and codes never contain
 *  braces, so rendering every string is safe). Store the unrendered definition; render for display. */
export function renderDefinition(def: SurveyDefinition, vars: PlaceholderValues): SurveyDefinition {
  const render = (value: unknown): unknown => {
    if (typeof value === 'string') return renderText(value, vars);
    if (Array.isArray(value)) return value.map(render);
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, render(v)]));
    }
    return value;
  };
  return render(def) as SurveyDefinition;
}
