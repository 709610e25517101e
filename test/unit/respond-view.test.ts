// The respondent form's view model (services/respond-view.ts): a question nobody has answered is
// made once and shared between views, so what one organisation answered must never show on
// another's form, and an answered or erroneous question is always made from its own answers.
import path from 'node:path';
import { formView, type QuestionView } from '../../server/services/respond-view';
import { loadSurveyDir } from '../../server/surveys/load';
import type { SurveyDefinition } from '../../server/surveys/schema';

let def: SurveyDefinition;
const vars = { region: 'Region Test', strategy: 'RUS' };
beforeAll(async () => {
  const surveys = await loadSurveyDir(path.join(__dirname, '..', '..', 'surveys'));
  def = surveys.find((s) => s.definition.id === 'partnerskapsenkat')!.definition;
});

const questions = (sections: ReturnType<typeof formView>): Map<string, QuestionView> =>
  new Map(sections.flatMap((s) => s.questions).map((q) => [q.ref, q]));
const chosen = (q: QuestionView | undefined) => (q?.options ?? []).filter((o) => o.checked).map((o) => o.code);

it('shows each view its own answers and errors, and a blank question the same (unchanged) before and after', () => {
  const blank = questions(formView(def, {}, [], 'sv', vars));
  const planning = blank.get('rus_planering')!;
  const code = planning.options[1].code;
  expect(chosen(planning)).toEqual([]);

  const answered = questions(
    formView(
      def,
      { rus_planering: [code], kommentar_rus: ['Vår kommentar'] },
      [{ field: 'rus_statistik', message: 'Välj ett svar.' }],
      'sv',
      vars,
    ),
  );
  expect(chosen(answered.get('rus_planering'))).toEqual([code]);
  expect(answered.get('kommentar_rus')!.value).toBe('Vår kommentar');
  expect(answered.get('rus_statistik')!.error).toBe('Välj ett svar.');
  expect(answered.get('rus_statistik')!.describedBy).toContain('error-rus_statistik');

  const again = questions(formView(def, {}, [], 'sv', vars));
  expect(chosen(again.get('rus_planering'))).toEqual([]);
  expect(again.get('kommentar_rus')!.value).toBe('');
  expect(again.get('rus_statistik')!.error).toBeNull();
  expect(again.get('rus_statistik')!.describedBy).not.toContain('error-');
  // the shared blank question cannot be changed by whoever renders it
  expect(() => {
    (again.get('rus_planering')!.options[0] as { checked: boolean }).checked = true;
  }).toThrow(TypeError);
  expect(chosen(questions(formView(def, {}, [], 'sv', vars)).get('rus_planering'))).toEqual([]);
});

it('localises per language: an English view is not the Swedish one', () => {
  const sv = questions(formView(def, {}, [], 'sv', vars)).get('rus_planering')!;
  const en = questions(formView(def, {}, [], 'en', vars)).get('rus_planering')!;
  expect(en.legend).not.toBe(sv.legend);
});
