// Validating the editor's working copy: the survey file's data it stands for goes through the
// same validator as a file (server/surveys/load.ts checkSurveyData), and every problem comes back
// tied to a field of the editor's form (its name), in Swedish, with where it is in words
// ("Fråga 3 (rus_planering), svarsalternativ 2, etikett på engelska: …").
import { checkSurveyData, type DataProblem, type LoadedSurvey, type Segment } from '../surveys/load';
import { ID_PATTERN } from '../surveys/schema';
import { type EditorDoc, fileDataOf } from './survey-editor-doc';

export interface EditorProblem {
  /** The form field's name as posted (`questions.2.options.0.label.sv`). */
  name: string;
  message: string;
}

const LANGUAGE: Record<string, string> = { sv: 'på svenska', en: 'på engelska' };

const FIELD_WORDS: Record<string, string> = {
  id: 'id',
  code: 'svarskod',
  version: 'versionsetikett',
  title: 'rubrik',
  intro: 'inledning',
  text: 'text',
  help: 'hjälptext',
  label: 'etikett',
  section: 'avsnitt',
  scale: 'svarsalternativ',
  options: 'svarsalternativ',
  statements: 'påståenden',
  required: 'obligatorisk',
  showIf: 'villkor',
  question: 'fråga',
  anyOf: 'svar som visar frågan',
  dontKnow: 'Vet ej',
  exclusive: 'kan inte kombineras',
  maxSelected: 'högsta antal val',
  maxLength: 'högsta antal tecken',
  multiline: 'flera rader',
  name: 'namn',
  goal: 'mål',
  level: 'målnivå',
  direction: 'riktning',
  numerator: 'svar som räknas',
  dontKnowPolicy: 'hur Vet ej räknas',
  meetingType: 'mötestyp',
  target: 'målvärde',
  tolerance: 'tolerans',
  deadBand: 'gräns för oförändrat',
  minN: 'minsta antal svar i en redovisningsgrupp',
  unit: 'enhet',
  codes: 'koder för målstyrningssystemet',
  estimatedMinutes: 'tid att svara',
};

/** Where a problem is, in words: "Fråga 3 (rus_planering), svarsalternativ 2, etikett på svenska". */
export function placeOf(doc: EditorDoc, segs: Segment[]): string {
  const words: string[] = [];
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    const next = segs[i + 1];
    if (typeof next === 'number') {
      words.push(itemWords(doc, segs.slice(0, i + 2)));
      i++;
    } else if (typeof seg === 'string') {
      if (LANGUAGE[seg]) words[words.length - 1] = `${words[words.length - 1] ?? 'text'} ${LANGUAGE[seg]}`;
      else if (i === 0 && seg === 'id') words.push('Enkätens id');
      else if (i === 0 && (seg === 'title' || seg === 'intro')) words.push(seg === 'title' ? 'Enkätens titel' : 'Enkätens inledning');
      else words.push(FIELD_WORDS[seg] ?? seg);
    }
  }
  const text = words.join(', ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function itemWords(doc: EditorDoc, at: Segment[]): string {
  const list = at[at.length - 2];
  const n = Number(at[at.length - 1]) + 1;
  if (list === 'questions') {
    const id = doc.questions[n - 1]?.id;
    return `fråga ${n}${id && ID_PATTERN.test(id) ? ` (${id})` : ''}`;
  }
  if (list === 'scales') return `skalan ${doc.scales[n - 1]?.name ? `”${doc.scales[n - 1].name}”` : n}`;
  if (list === 'indicators') {
    const id = doc.indicators[n - 1]?.id;
    return `indikatorn ${id && ID_PATTERN.test(id) ? id : n}`;
  }
  const what: Record<string, string> = {
    sections: 'avsnitt',
    options: 'svarsalternativ',
    statements: 'påstående',
    anyOf: 'svar',
    numerator: 'svarskod',
  };
  return `${what[String(list)] ?? String(list)} ${n}`;
}

/** A missing or empty text, said for the form; null for other problems. */
function textMessage(p: DataProblem, last: Segment | undefined): string | null {
  const empty = p.code === 'too_small' || (p.code === 'invalid_type' && p.message.endsWith('saknas'));
  if (last === 'sv' && empty) return 'skriv texten på svenska.';
  if (last === 'en' && (empty || p.code === 'english_missing'))
    return 'skriv texten på engelska (enkäten finns också på engelska, så alla texter behöver en engelsk version).';
  return null;
}

/** The validator's message, said for a form where it says it for a file. */
function editorMessage(p: DataProblem): string {
  const last = p.segments[p.segments.length - 1];
  const text = textMessage(p, last);
  if (text) return text;
  if (p.code === 'invalid_format' && /^'' /.test(p.message))
    return last === 'code'
      ? 'skriv en svarskod: små bokstäver a–z, siffror och _, t.ex. hogt.'
      : 'skriv ett id: små bokstäver a–z, siffror och _, t.ex. fraga_1.';
  if (p.code === 'invalid_type' && /ska vara ett (hel)?tal/.test(p.message))
    return `skriv ${p.message.includes('heltal') ? 'ett heltal' : 'ett tal'}, t.ex. 5.`;
  if (p.code === 'invalid_value' && p.message.includes('saknas')) return `välj ${FIELD_WORDS[String(last)] ?? 'ett värde'}.`;
  return p.message.endsWith('.') ? p.message : `${p.message}.`;
}

/** The file data's path as the form's field name: scales are named in the file and numbered in the form. */
function formName(doc: EditorDoc, segs: Segment[]): Segment[] {
  if (segs[0] !== 'scales' || typeof segs[1] !== 'string') return segs;
  const k = doc.scales.findIndex((s) => s.name.trim() === segs[1]);
  return ['scales', k < 0 ? 0 : k, ...(segs.length > 2 ? segs.slice(2) : ['name'])];
}

/** Problems the file format cannot see in the form: scale names (a file's map keys) that repeat. */
function scaleNameProblems(doc: EditorDoc): EditorProblem[] {
  const seen = new Set<string>();
  return doc.scales.flatMap((s, k): EditorProblem[] => {
    const name = s.name.trim();
    const dup = seen.has(name);
    seen.add(name);
    if (!dup) return [];
    return [
      { name: `scales.${k}.name`, message: `${placeOf(doc, ['scales', k, 'name'])}: två skalor heter ”${name}”; ge skalan ett eget namn.` },
    ];
  });
}

/**
 * Checks the working copy as the validator checks a file: every problem at once, each tied to a
 * form field. `survey` is the loaded survey when there is no problem.
 */
export function checkEditorDoc(doc: EditorDoc): { survey: LoadedSurvey | null; problems: EditorProblem[] } {
  const own = scaleNameProblems(doc);
  const { survey, problems } = checkSurveyData(fileDataOf(doc));
  const mapped = problems.map((p): EditorProblem => {
    const segs = formName(doc, p.segments);
    return { name: segs.join('.'), message: `${placeOf(doc, segs)}: ${editorMessage(p)}` };
  });
  return { survey: own.length ? null : survey, problems: [...own, ...mapped] };
}
