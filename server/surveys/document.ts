// A survey as its YAML file is written — the data of a file, before validation — and the way
// back from a stored definition to that data. The editor in the browser edits this data, the
// validator in ./load.ts checks it exactly as it checks a file, and `surveys export` writes it
// as YAML, so a version edited in the browser can go into git and come back with the same
// content hash.
//
// Shared scales come back as `scales:` (the resolved definition keeps each question's scale name
// and a copy of its options); values equal to the file format's defaults are left out, so the
// exported file reads like one written by hand. Texts are kept unrendered ({region}, {strategy}).
import { Document } from 'yaml';
import type { z } from 'zod';
import {
  INDICATOR_DEFAULTS,
  TEXT_MAX_LENGTH_DEFAULT,
  type IndicatorDefinition,
  type LocalizedText,
  type Question,
  type optionSchema,
  type ScaleOption,
  type SurveyDefinition,
  type surveyFileSchema,
} from './schema';

/** The data of a survey file as an author writes it (defaults may be left out). */
export type SurveyFileData = z.input<typeof surveyFileSchema>;
type FileOption = z.input<typeof optionSchema>;
type FileQuestion = SurveyFileData['questions'][number];
type FileIndicator = NonNullable<SurveyFileData['indicators']>[number];

function text(t: LocalizedText): LocalizedText {
  return t.en === undefined ? { sv: t.sv } : { sv: t.sv, en: t.en };
}

function option(o: ScaleOption): FileOption {
  return { code: o.code, label: text(o.label), ...(o.dontKnow ? { dontKnow: true } : {}), ...(o.exclusive ? { exclusive: true } : {}) };
}

const sameOptions = (a: ScaleOption[], b: ScaleOption[]) => JSON.stringify(a.map(option)) === JSON.stringify(b.map(option));

/** The shared scales: each scale name with the options of the questions that use it (when they all agree). */
function scalesOf(def: SurveyDefinition): Map<string, ScaleOption[]> {
  const scales = new Map<string, ScaleOption[]>();
  const broken = new Set<string>();
  for (const q of def.questions) {
    if (q.type === 'text' || q.type === 'yesno' || q.scale === undefined) continue;
    const seen = scales.get(q.scale);
    if (!seen) scales.set(q.scale, q.options);
    else if (!sameOptions(seen, q.options)) broken.add(q.scale);
  }
  for (const name of broken) scales.delete(name);
  return scales;
}

function question(q: Question, scales: Map<string, ScaleOption[]>): FileQuestion {
  const common = {
    ...(q.section !== undefined ? { section: q.section } : {}),
    ...(q.required ? { required: true } : {}),
    ...(q.showIf ? { showIf: { question: q.showIf.question, anyOf: [...q.showIf.anyOf] } } : {}),
    text: text(q.text),
    ...(q.help ? { help: text(q.help) } : {}),
  };
  const choices = (scale: string | undefined, options: ScaleOption[]) =>
    scale !== undefined && scales.has(scale) ? { scale } : { options: options.map(option) };
  switch (q.type) {
    case 'single':
      return { id: q.id, type: 'single', ...common, ...choices(q.scale, q.options) };
    case 'multiple':
      return {
        id: q.id,
        type: 'multiple',
        ...common,
        ...choices(q.scale, q.options),
        ...(q.maxSelected !== undefined ? { maxSelected: q.maxSelected } : {}),
      };
    case 'yesno':
      return { id: q.id, type: 'yesno', ...common, ...(q.options.some((o) => o.dontKnow) ? { dontKnow: true } : {}) };
    case 'text':
      return {
        id: q.id,
        type: 'text',
        ...common,
        ...(q.maxLength !== TEXT_MAX_LENGTH_DEFAULT ? { maxLength: q.maxLength } : {}),
        ...(q.multiline ? {} : { multiline: false }),
      };
    case 'matrix':
      return {
        id: q.id,
        type: 'matrix',
        ...common,
        ...choices(q.scale, q.options),
        statements: q.statements.map((s) => ({ id: s.id, text: text(s.text) })),
      };
  }
}

function indicator(i: IndicatorDefinition): FileIndicator {
  const { unit, tolerance, deadBand, minN, ...rest } = i;
  return {
    ...rest,
    ...(unit !== 'percent' ? { unit } : {}),
    ...(tolerance !== INDICATOR_DEFAULTS.tolerance ? { tolerance } : {}),
    ...(deadBand !== INDICATOR_DEFAULTS.deadBand ? { deadBand } : {}),
    ...(minN !== INDICATOR_DEFAULTS.minN ? { minN } : {}),
  };
}

/** The file data of a stored (resolved) definition; read back, it gives the same definition and hash. */
export function definitionToFile(def: SurveyDefinition): SurveyFileData {
  const scales = scalesOf(def);
  return {
    id: def.id,
    ...(def.version !== undefined ? { version: def.version } : {}),
    title: text(def.title),
    intro: text(def.intro),
    estimatedMinutes: def.estimatedMinutes,
    ...(scales.size ? { scales: Object.fromEntries([...scales].map(([name, options]) => [name, { options: options.map(option) }])) } : {}),
    ...(def.sections.length
      ? { sections: def.sections.map((s) => ({ id: s.id, title: text(s.title), ...(s.intro ? { intro: text(s.intro) } : {}) })) }
      : {}),
    questions: def.questions.map((q) => question(q, scales)),
    ...(def.indicators.length ? { indicators: def.indicators.map(indicator) } : {}),
  };
}

/** The file data as YAML, with a comment at the top (each line of `comment` as a YAML comment). */
export function surveyFileToYaml(data: SurveyFileData, comment: string): string {
  const doc = new Document(data);
  doc.commentBefore = comment
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
  return doc.toString({ lineWidth: 0 });
}
