// The survey editor's rules without a database: languages, every problem at once, the way from a
// stored definition to YAML and back, the working copy and its buttons, the diff and the guard.
import { definitionToFile, surveyFileToYaml } from '../../server/surveys/document';
import { checkSurveyData, checkSurveyYaml, parseSurveyYaml } from '../../server/surveys/load';
import { surveyFileSchema, surveyLanguages } from '../../server/surveys/schema';
import { diffDefinitions } from '../../server/services/survey-diff';
import { checkEditorDoc } from '../../server/services/survey-editor-check';
import { applyAction, editorDocOf, fileDataOf, parseAction } from '../../server/services/survey-editor-doc';
import { guardIssues, type SurveyUsage, yearList } from '../../server/services/survey-guard';
import { shippedSurvey } from '../helpers/fixtures';

const VARS = { region: 'Region Exempel', strategy: 'Exempelstrategin 2040' };

const SWEDISH = `
id: bara_svenska
title: { sv: Enkät om samarbetet }
intro: { sv: "{region} vill veta hur samarbetet fungerar." }
estimatedMinutes: 3
scales:
  grad:
    options:
      - { code: hog, label: { sv: Hög } }
      - { code: lag, label: { sv: Låg } }
      - { code: vet_ej, label: { sv: Vet ej }, dontKnow: true }
questions:
  - id: deltog
    type: yesno
    dontKnow: true
    text: { sv: Deltog ni? }
  - id: vilka
    type: multiple
    showIf: { question: deltog, anyOf: [ja] }
    text: { sv: Vilka möten? }
    maxSelected: 2
    options:
      - { code: a, label: { sv: Arbetsmötet } }
      - { code: b, label: { sv: Årskonferensen } }
      - { code: inget, label: { sv: Inget }, exclusive: true }
  - id: omdome
    type: matrix
    scale: grad
    required: true
    text: { sv: Hur bedömer ni? }
    help: { sv: Ett svar per rad. }
    statements:
      - { id: nytta, text: { sv: Nyttan } }
      - { id: tydlighet, text: { sv: Tydligheten } }
  - id: forslag
    type: text
    multiline: false
    maxLength: 300
    text: { sv: Förslag? }
indicators:
  - id: nytta_hog
    name: { sv: Andel som ser hög nytta }
    goal: { sv: Mötena är till nytta }
    level: uppdrag
    direction: higher
    kind: survey
    question: omdome.nytta
    numerator: [hog]
    dontKnowPolicy: exclude
    tolerance: 4.9
`;

describe('languages', () => {
  it('a survey in Swedish only is valid and offers only Swedish; the shipped surveys keep their English', async () => {
    const s = parseSurveyYaml(SWEDISH, 'bara-svenska.yaml');
    expect(surveyLanguages(s.definition)).toEqual(['sv']);
    expect(s.definition.questions[0].text).toEqual({ sv: 'Deltog ni?' });
    expect(surveyLanguages((await shippedSurvey('partnerskapsenkat')).definition)).toEqual(['sv', 'en']);
  });

  it('English is for the whole survey or not at all, decided by the title', () => {
    const stray = SWEDISH.replace('text: { sv: Deltog ni? }', 'text: { sv: Deltog ni?, en: Did you take part? }');
    expect(checkSurveyYaml(stray, 'x.yaml').map((p) => [p.path, p.message.slice(0, 60)])).toEqual([
      ['questions.deltog.text.en', 'texten har en engelsk version (en), men enkätens titel sakna'],
    ]);
    const half = SWEDISH.replace('title: { sv: Enkät om samarbetet }', 'title: { sv: Enkät om samarbetet, en: Survey }');
    const paths = checkSurveyYaml(half, 'x.yaml').map((p) => p.path);
    expect(paths).toContain('intro.en');
    expect(paths).toContain('scales.grad.options[0].label.en');
    expect(paths).toContain('questions.omdome.statements.tydlighet.text.en');
    expect(paths).toContain('questions.omdome.help.en');
    expect(paths).toHaveLength(14);
  });
});

describe('every problem at once', () => {
  it('a wrong structure does not hide the problems of meaning', () => {
    const broken = SWEDISH.replace('text: { sv: Vilka möten? }', 'text: { sv: "" }')
      .replace('anyOf: [ja]', 'anyOf: [kanske]')
      .replace('estimatedMinutes: 3', 'estimatedMinutes: tre');
    expect(checkSurveyYaml(broken, 'x.yaml').map((p) => p.path)).toEqual([
      'estimatedMinutes',
      'questions.vilka.showIf.anyOf[0]',
      'questions.vilka.text.sv',
    ]);
  });

  it('a stand-in value is never reported as a problem of its own', () => {
    // an id that is not valid, and a condition that points at it: only the id is reported (a message
    // about the stand-in would name a value nobody wrote)
    const broken = SWEDISH.replace('- id: deltog', '- id: Deltog');
    expect(checkSurveyYaml(broken, 'x.yaml').map((p) => p.path)).toEqual(['questions[0].id']);
  });
});

describe('from a stored version to YAML and back', () => {
  it.each(['partnerskapsenkat', 'arshjulet', 'foretagsframjande'])('%s gives the same content hash', async (id) => {
    const s = await shippedSurvey(id);
    const yaml = surveyFileToYaml(definitionToFile(s.definition), 'export');
    expect(yaml.startsWith('# export\n')).toBe(true);
    expect(parseSurveyYaml(yaml, `${id}.yaml`).hash).toBe(s.hash);
  });

  it('a survey with every kind of question, in Swedish only, with shared scales and defaults left out', () => {
    const s = parseSurveyYaml(SWEDISH, 'x.yaml');
    const data = definitionToFile(s.definition);
    expect(Object.keys(data.scales ?? {})).toEqual(['grad']);
    expect(data.indicators?.[0]).not.toHaveProperty('minN'); // the default is not written out
    expect(data.indicators?.[0]).toMatchObject({ tolerance: 4.9 });
    expect(parseSurveyYaml(surveyFileToYaml(data, 'x'), 'x.yaml').hash).toBe(s.hash);
  });
});

describe("the editor's working copy", () => {
  const docOf = (yaml: string) => editorDocOf(surveyFileSchema.parse(definitionToFile(parseSurveyYaml(yaml, 'x.yaml').definition)));

  it('stands for exactly the survey it was made from', async () => {
    for (const s of [parseSurveyYaml(SWEDISH, 'x.yaml'), await shippedSurvey('partnerskapsenkat')]) {
      const doc = editorDocOf(surveyFileSchema.parse(definitionToFile(s.definition)));
      expect(checkSurveyData(fileDataOf(doc)).survey?.hash).toBe(s.hash);
    }
  });

  it('moves, adds and removes items like the buttons say, and does nothing past an end', () => {
    const doc = docOf(SWEDISH);
    expect(applyAction(doc, parseAction('down:questions:0', ''))).toBe('questions.1');
    expect(doc.questions.map((q) => q.id)).toEqual(['vilka', 'deltog', 'omdome', 'forslag']);
    expect(applyAction(doc, parseAction('up:questions:0', ''))).toBeNull();
    expect(applyAction(doc, parseAction('add:questions', 'matrix'))).toBe('questions.4');
    expect(doc.questions[4]).toMatchObject({ type: 'matrix', options: [{ code: '' }, { code: '' }], statements: [{ id: '' }] });
    expect(applyAction(doc, parseAction('remove:questions.0.options:2', ''))).toBe('questions.0.options.1');
    expect(applyAction(doc, parseAction('up:scales.0.options:2', ''))).toBe('scales.0.options.1');
    expect(doc.scales[0].options.map((o) => o.code)).toEqual(['hog', 'vet_ej', 'lag']);
    expect(applyAction(doc, parseAction('remove:nowhere:1', ''))).toBeNull();
    expect(parseAction('anything else', '')).toEqual({ kind: 'save' });
  });

  it('ties each problem to a form field and says where it is in words', () => {
    const doc = docOf(SWEDISH);
    doc.questions[2].statements[1].text.sv = ' ';
    doc.scales[0].options[1].code = 'Låg';
    doc.indicators[0].target = '4,5,6';
    expect(checkEditorDoc(doc).problems).toEqual([
      {
        name: 'scales.0.options.1.code',
        message:
          "Skalan ”grad”, svarsalternativ 2, svarskod: 'Låg' är inget giltigt id: använd små bokstäver a–z, siffror och _, och börja med en bokstav (inga å, ä, ö, bindestreck eller mellanslag).",
      },
      { name: 'questions.2.statements.1.text.sv', message: 'Fråga 3 (omdome), påstående 2, text på svenska: skriv texten på svenska.' },
      { name: 'indicators.0.target', message: 'Indikatorn nytta_hog, målvärde: skriv ett tal, t.ex. 5.' },
    ]);
  });
});

describe('the diff and the guard', () => {
  const before = parseSurveyYaml(SWEDISH, 'x.yaml').definition;
  const after = parseSurveyYaml(
    SWEDISH.replace('{ code: hog, label: { sv: Hög } }', '{ code: hog, label: { sv: Mycket hög } }')
      .replace(/ {2}- id: forslag\n( {4}.*\n)+?(?=indicators:)/, '')
      .replace('maxSelected: 2', 'maxSelected: 3'),
    'x.yaml',
  ).definition;

  it('says what changed, where', () => {
    expect(diffDefinitions(before, after).map((r) => [r.where, r.what, r.before, r.after])).toEqual([
      ['Fråga 2 (vilka)', 'Högsta antal val', '2', '3'],
      ['Fråga 3 (omdome)', 'Svarsalternativ hog: etikett på svenska', 'Hög', 'Mycket hög'],
      ['Fråga 4 (forslag)', 'Borttagen fråga', 'Förslag?', '–'],
    ]);
  });

  it('a changed option an indicator counts and a removed question with answers each need a choice, naming years and indicators', () => {
    const usage: SurveyUsage = {
      answers: [
        { questionId: 'omdome', itemId: 'nytta', optionCode: 'hog', year: 2023 },
        { questionId: 'omdome', itemId: 'nytta', optionCode: 'lag', year: 2024 },
        { questionId: 'forslag', itemId: '', optionCode: null, year: 2024 },
      ],
      indicatorNames: new Map([['nytta_hog', 'Andel som ser hög nytta']]),
      indicatorYears: new Map([['nytta_hog', [2022]]]),
    };
    const doc = editorDocOf(surveyFileSchema.parse(definitionToFile(after)));
    const issues = guardIssues(before, after, doc, usage, VARS, []);
    expect(issues.map((i) => [i.key, i.name, i.confirmed])).toEqual([
      ['option:scales.0.options.0.label.sv:hog', 'scales.0.options.0.label.sv', false],
      ['remove:question:forslag', null, false],
    ]);
    expect(issues[0].message).toContain('indikatorn nytta_hog (”Andel som ser hög nytta”), som har värden för 2022, 2023 och 2024');
    expect(issues[1].message).toContain('Den har svar från 2024');
    expect(guardIssues(before, after, doc, usage, VARS, ['remove:question:forslag'])[1].confirmed).toBe(true);
    expect(yearList([2025, 2023, 2023])).toBe('2023 och 2025');
  });
});
