import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'yaml';
import {
  SurveyDefinitionError,
  checkSurveyDir,
  checkSurveyYaml,
  formatProblem,
  loadSurveyDir,
  parseSurveyYaml,
  type LoadedSurvey,
  type SurveyProblem,
} from '../../server/surveys/load';
import {
  questionsBySection,
  renderDefinition,
  renderText,
  resolveQuestionRef,
  type SingleQuestion,
  type SurveyIndicator,
} from '../../server/surveys/schema';

const SURVEYS_DIR = path.join(__dirname, '..', '..', 'surveys');

async function readShipped(name: string): Promise<string> {
  return fs.readFile(path.join(SURVEYS_DIR, name), 'utf8');
}

describe('the shipped survey files', () => {
  let surveys: LoadedSurvey[];
  beforeAll(async () => {
    surveys = await loadSurveyDir(SURVEYS_DIR);
  });
  const byId = (id: string) => {
    const s = surveys.find((x) => x.definition.id === id);
    if (!s) throw new Error(`no survey ${id}`);
    return s.definition;
  };

  it('all pass validation', async () => {
    expect(await checkSurveyDir(SURVEYS_DIR)).toEqual([]);
    expect(surveys.map((s) => s.fileName)).toEqual(['arshjulet.yaml', 'foretagsframjande.yaml', 'partnerskapsenkat.yaml']);
    expect(surveys.map((s) => s.definition.id).sort()).toEqual(['arshjulet', 'foretagsframjande', 'partnerskapsenkat']);
    for (const s of surveys) expect(s.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the partnership survey has the public question ids, the quoted wording and the scales with stable codes', () => {
    const def = byId('partnerskapsenkat');
    const ids = def.questions.map((q) => q.id);
    expect(ids).toEqual(['rus_planering', 'rus_statistik', 'kommentar_rus', 'fortroende_rua', 'kommentar_rua']);
    const q = (id: string) => def.questions.find((x) => x.id === id) as SingleQuestion;
    expect(q('rus_planering').text.sv).toBe(
      'Har er organisation använt den regionala utvecklingsstrategin eller resultatet från den årliga RUS-uppföljningen som underlag för verksamhetsplanering?',
    );
    expect(q('rus_statistik').text.sv).toBe(
      'I vilken utsträckning har ni använt rapporter, statistik eller annan information framtagna av {region} kopplat till den regionala utvecklingsstrategin och/eller utvecklingen i länet?',
    );
    expect(q('fortroende_rua').text.sv).toBe(
      'Hur stort förtroende har er organisation för {region} i rollen som regionalt utvecklingsansvarig aktör?',
    );
    for (const id of ['rus_planering', 'rus_statistik']) {
      expect(q(id).options.map((o) => [o.code, o.label.sv, o.dontKnow])).toEqual([
        ['mycket_hog', 'I mycket hög utsträckning', false],
        ['hog', 'I hög utsträckning', false],
        ['viss_del', 'Till viss del', false],
        ['liten', 'I liten utsträckning', false],
        ['inte_alls', 'Inte alls', false],
        ['vet_ej', 'Vet ej', true],
      ]);
    }
    expect(q('fortroende_rua').options.map((o) => [o.code, o.label.sv, o.dontKnow])).toEqual([
      ['mycket_hogt', 'Mycket högt förtroende', false],
      ['hogt', 'Högt förtroende', false],
      ['varken', 'Varken högt eller lågt förtroende', false],
      ['lagt', 'Lågt förtroende', false],
      ['inget', 'Inget förtroende', false],
      ['vet_ej', 'Vet ej', true],
    ]);
    // A free-text comment closes each block.
    expect(questionsBySection(def).map((g) => [g.section?.id, g.questions.map((x) => x.type).pop()])).toEqual([
      ['rus', 'text'],
      ['rua', 'text'],
    ]);
    // Every text has an English translation.
    for (const question of def.questions) expect(question.text.en?.length).toBeGreaterThan(0);
  });

  it('the partnership survey feeds the three indicators with explicit Vet ej policy and targets', () => {
    const def = byId('partnerskapsenkat');
    const summary = def.indicators.map((i) => {
      const s = i as SurveyIndicator;
      return [s.id, s.kind, s.question, s.numerator, s.dontKnowPolicy, s.target, s.tolerance, s.deadBand, s.minN, s.direction];
    });
    expect(summary).toEqual([
      ['rus_i_verksamhetsplan', 'survey', 'rus_planering', ['mycket_hog', 'hog', 'viss_del'], 'include', 74, 5, 1, 5, 'higher'],
      ['rus_statistik_anvandning', 'survey', 'rus_statistik', ['mycket_hog', 'hog', 'viss_del'], 'include', 88, 5, 1, 5, 'higher'],
      ['fortroende_rua', 'survey', 'fortroende_rua', ['mycket_hogt', 'hogt'], 'include', 61, 5, 1, 5, 'higher'],
    ]);
    expect(def.indicators.map((i) => i.name.sv)).toEqual([
      'Andel organisationer inom partnerskapet … som har mål och prioriteringar som kopplar till RUS i sin verksamhetsplan ska öka',
      'Andel organisationer som använder statistik och underlag kopplat till RUS … ska öka',
      'Andel organisationer … som har högt förtroende för {region} i rollen som RUA ska öka',
    ]);
  });

  it('the årshjul survey has the collaboration question, the meetings question and the indicators', () => {
    const def = byId('arshjulet');
    const samverkan = def.questions.find((q) => q.id === 'arshjul_samverkan') as SingleQuestion;
    expect(samverkan.text.sv).toBe('Anser ni att årshjulet för {strategy} stärker samverkan i det regionala utvecklingsarbetet?');
    expect(samverkan.options.map((o) => o.code)).toEqual(['ja_hog_grad', 'ja_delvis', 'nej_inte_sarskilt', 'nej_inte_alls', 'vet_ej']);
    const moten = def.questions.find((q) => q.id === 'arshjul_moten');
    expect(moten?.type).toBe('multiple');
    expect(moten && 'options' in moten ? moten.options.map((o) => o.code) : []).toEqual([
      'arbetsmote',
      'riktningsmote',
      'arskonferens',
      'inget',
    ]);
    expect(def.indicators.map((i) => [i.id, i.kind, i.kind === 'attendance' ? i.meetingType : null, i.target])).toEqual([
      ['arshjul_starker_samverkan', 'survey', null, 95],
      ['narvaro_arbetsmote', 'attendance', 'arbetsmote', 100],
      ['narvaro_riktningsmote', 'attendance', 'riktningsmote', 100],
      ['narvaro_arskonferens', 'attendance', 'arskonferens', 100],
    ]);
    const indicator = def.indicators[0] as SurveyIndicator;
    expect(indicator.numerator).toEqual(['ja_hog_grad', 'ja_delvis']);
    expect(resolveQuestionRef(def, indicator.question)?.options.find((o) => o.dontKnow)?.code).toBe('vet_ej');
  });

  it('the business-support survey asks whether the region has been clear in its role as RUA, with an indicator', () => {
    const def = byId('foretagsframjande');
    expect(def.questions[0].id).toBe('tydlig_roll_rua');
    expect(def.questions[0].text.sv).toContain('{region} varit tydlig i sin roll som regionalt utvecklingsansvarig aktör');
    expect(def.indicators.map((i) => [i.id, i.kind, (i as SurveyIndicator).question, (i as SurveyIndicator).dontKnowPolicy])).toEqual([
      ['tydlig_roll_rua', 'survey', 'tydlig_roll_rua', 'include'],
    ]);
  });
});

// ---------------------------------------------------------------------------------------
// Broken files
// ---------------------------------------------------------------------------------------

/** A small valid survey; each broken case changes one line or block of it. */
const BASE = `id: test_enkat
title: { sv: Testenkät, en: Test survey }
intro: { sv: Hej, en: Hello }
estimatedMinutes: 5
scales:
  fortroende:
    options:
      - code: mycket_hogt
        label: { sv: Mycket högt förtroende, en: Very high trust }
      - code: hogt
        label: { sv: Högt förtroende, en: High trust }
      - code: lagt
        label: { sv: Lågt förtroende, en: Low trust }
      - code: vet_ej
        label: { sv: Vet ej, en: "Don't know" }
        dontKnow: true
sections:
  - id: rus
    title: { sv: RUS, en: RUS }
questions:
  - id: rus_planering
    type: yesno
    section: rus
    required: true
    text: { sv: Har ni använt RUS?, en: Have you used the strategy? }
  - id: fortroende_rua
    type: single
    scale: fortroende
    text: { sv: "Förtroende för {region}?", en: "Trust in {region}?" }
  - id: kommentar
    type: text
    showIf: { question: fortroende_rua, anyOf: [lagt] }
    text: { sv: Varför?, en: Why? }
  - id: matris
    type: matrix
    scale: fortroende
    statements:
      - id: planering
        text: { sv: Planering, en: Planning }
      - id: statistik
        text: { sv: Statistik, en: Statistics }
    text: { sv: Förtroende i olika frågor, en: Trust in different matters }
indicators:
  - id: fortroende_rua
    name: { sv: "Andel organisationer som har högt förtroende för {region} ska öka" }
    goal: { sv: Ett starkt partnerskap }
    level: namndmal
    direction: higher
    kind: survey
    question: fortroende_rua
    numerator: [mycket_hogt, hogt]
    dontKnowPolicy: include
    target: 61
  - id: narvaro_arbetsmote
    name: { sv: Andel regionala aktörer representerade vid arbetsmötet }
    goal: { sv: Ett starkt partnerskap }
    level: uppdrag
    direction: higher
    kind: attendance
    meetingType: arbetsmote
    target: 100
`;

function edit(from: string, to: string, text = BASE): string {
  if (!text.includes(from)) throw new Error(`the base text has no ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** 1-based line of the first line containing `needle` (after `after`, if given). */
function lineOf(text: string, needle: string, after?: string): number {
  const lines = text.split('\n');
  const start = after ? lines.findIndex((l) => l.includes(after)) : 0;
  const i = lines.findIndex((l, k) => k >= start && l.includes(needle));
  if (i < 0) throw new Error(`no line with ${JSON.stringify(needle)}`);
  return i + 1;
}

function problemsOf(text: string): Array<Pick<SurveyProblem, 'file' | 'line' | 'path' | 'message'>> {
  return checkSurveyYaml(text, 'test.yaml').map(({ file, line, path: p, message }) => ({ file, line, path: p, message }));
}

describe('the resolved definition', () => {
  it('inlines scales, generates yes/no options and fills in the defaults', () => {
    const text =
      edit('type: yesno', 'type: yesno\n    dontKnow: true') +
      `  - id: planering_matris
    name: { sv: Andel med högt förtroende i planeringen }
    goal: { sv: Ett starkt partnerskap }
    level: effektmal
    direction: higher
    kind: survey
    question: matris.planering
    numerator: [mycket_hogt, hogt]
    dontKnowPolicy: exclude
`;
    const def = parseSurveyYaml(
      edit('showIf: { question: fortroende_rua, anyOf: [lagt] }', 'showIf: { question: rus_planering, anyOf: [nej, vet_ej] }', text),
      'test.yaml',
    ).definition;
    expect(def.sections).toEqual([{ id: 'rus', title: { sv: 'RUS', en: 'RUS' } }]);
    const [yesno, single, comment, matrix] = def.questions;
    expect(yesno).toEqual({
      id: 'rus_planering',
      type: 'yesno',
      section: 'rus',
      required: true,
      text: { sv: 'Har ni använt RUS?', en: 'Have you used the strategy?' },
      options: [
        { code: 'ja', label: { sv: 'Ja', en: 'Yes' }, dontKnow: false, exclusive: false },
        { code: 'nej', label: { sv: 'Nej', en: 'No' }, dontKnow: false, exclusive: false },
        { code: 'vet_ej', label: { sv: 'Vet ej', en: "Don't know" }, dontKnow: true, exclusive: false },
      ],
    });
    expect(single.type === 'single' && single.scale).toBe('fortroende');
    expect(single.type === 'single' && single.options.map((o) => o.code)).toEqual(['mycket_hogt', 'hogt', 'lagt', 'vet_ej']);
    expect(single.required).toBe(false);
    expect(comment).toEqual({
      id: 'kommentar',
      type: 'text',
      required: false,
      maxLength: 2000,
      multiline: true,
      showIf: { question: 'rus_planering', anyOf: ['nej', 'vet_ej'] },
      text: { sv: 'Varför?', en: 'Why?' },
    });
    expect(matrix.type === 'matrix' && matrix.statements.map((st) => st.id)).toEqual(['planering', 'statistik']);
    expect(def.indicators.map((i) => [i.id, i.unit, i.tolerance, i.deadBand, i.minN, i.target])).toEqual([
      ['fortroende_rua', 'percent', 5, 1, 5, 61],
      ['narvaro_arbetsmote', 'percent', 5, 1, 5, 100],
      ['planering_matris', 'percent', 5, 1, 5, undefined],
    ]);
    const resolved = resolveQuestionRef(def, 'matris.planering');
    expect(resolved?.question.id).toBe('matris');
    expect(resolved?.statement?.text.sv).toBe('Planering');
    expect(resolveQuestionRef(def, 'matris')).toBeUndefined();
    expect(resolveQuestionRef(def, 'kommentar')).toBeUndefined();
  });
});

describe('broken survey files fail with the file, the line, the path and what is wrong', () => {
  it('the base file is valid', () => {
    expect(checkSurveyYaml(BASE, 'test.yaml')).toEqual([]);
  });

  const cases: Array<{ name: string; text: string; line: [string, string?]; path: string; message: string }> = [
    {
      name: 'an unknown option code in an indicator',
      text: edit('numerator: [mycket_hogt, hogt]', 'numerator: [mycket_hogt, hog]'),
      line: ['numerator: [mycket_hogt, hog]'],
      path: 'indicators.fortroende_rua.numerator[1]',
      message: "okänd svarskod 'hog' i indikatorn 'fortroende_rua' (finns: mycket_hogt, hogt, lagt, vet_ej)",
    },
    {
      name: 'a duplicate question id',
      text: edit('  - id: kommentar\n', '  - id: rus_planering\n'),
      line: ['id: rus_planering', 'Förtroende för {region}'],
      path: 'questions[2].id',
      message: "frågans id 'rus_planering' förekommer två gånger",
    },
    {
      name: 'a scale option without a label',
      text: edit('        label: { sv: Högt förtroende, en: High trust }\n', ''),
      line: ['- code: hogt'],
      path: 'scales.fortroende.options[1].label',
      message: "skalan saknar etiketter: alternativet 'hogt' saknar label: { sv: …, en: … }",
    },
    {
      name: 'a scale written as bare codes',
      text: edit(
        '    type: single\n    scale: fortroende\n',
        '    type: single\n    options: [hogt, { code: lagt, label: { sv: Lågt, en: Low } }]\n',
      ),
      line: ['options: [hogt,'],
      path: 'questions.fortroende_rua.options[0]',
      message:
        "skalan saknar etiketter: alternativet 'hogt' ska skrivas med kod och etikett, t.ex. { code: hogt, label: { sv: …, en: … } }",
    },
    {
      name: 'a label without English',
      text: edit('{ sv: Lågt förtroende, en: Low trust }', '{ sv: Lågt förtroende }'),
      line: ['sv: Lågt förtroende'],
      path: 'scales.fortroende.options[2].label.en',
      message:
        'texten saknar engelska (en): enkätens titel finns på engelska, så enkäten är tvåspråkig och alla texter behöver en engelsk version',
    },
    {
      name: 'a duplicate option code',
      text: edit('- code: vet_ej', '- code: lagt'),
      line: ['- code: lagt', 'Lågt förtroende'],
      path: 'scales.fortroende.options[3].code',
      message: "svarskoden 'lagt' förekommer två gånger i skalan 'fortroende'",
    },
    {
      name: 'two Vet ej options',
      text: edit(
        '        label: { sv: Lågt förtroende, en: Low trust }\n',
        '        label: { sv: Lågt förtroende, en: Low trust }\n        dontKnow: true\n',
      ),
      line: ['dontKnow: true', 'Vet ej'],
      path: 'scales.fortroende.options[3].dontKnow',
      message: "bara ett alternativ får vara Vet ej (dontKnow) i skalan 'fortroende', men både 'lagt' och 'vet_ej' är markerade",
    },
    {
      name: 'an indicator pointing at a question that does not exist',
      text: edit('question: fortroende_rua\n    numerator', 'question: fortroende\n    numerator'),
      line: ['question: fortroende', 'kind: survey'],
      path: 'indicators.fortroende_rua.question',
      message:
        "indikatorn 'fortroende_rua' hänvisar till frågan 'fortroende' som inte finns (finns: rus_planering, fortroende_rua, kommentar, matris)",
    },
    {
      name: 'the Vet ej option in the numerator',
      text: edit('numerator: [mycket_hogt, hogt]', 'numerator: [mycket_hogt, hogt, vet_ej]'),
      line: ['numerator:'],
      path: 'indicators.fortroende_rua.numerator[2]',
      message:
        "svarskoden 'vet_ej' är Vet ej-alternativet och kan inte räknas i täljaren för indikatorn 'fortroende_rua'; hur Vet ej räknas styrs av dontKnowPolicy",
    },
    {
      name: 'a target outside 0–100',
      text: edit('target: 61', 'target: 120'),
      line: ['target: 120'],
      path: 'indicators.fortroende_rua.target',
      message: 'målvärdet (target) ska vara mellan 0 och 100 procent (fick talet 120)',
    },
    {
      name: 'a negative target',
      text: edit('target: 61', 'target: -3'),
      line: ['target: -3'],
      path: 'indicators.fortroende_rua.target',
      message: 'målvärdet (target) ska vara mellan 0 och 100 procent (fick talet -3)',
    },
    {
      name: 'a missing Vet ej policy (there is no default)',
      text: edit('    dontKnowPolicy: include\n', ''),
      line: ['- id: fortroende_rua', 'indicators:'],
      path: 'indicators.fortroende_rua.dontKnowPolicy',
      message:
        "dontKnowPolicy saknas i indikatorn 'fortroende_rua': ange include (nämnaren är alla som svarat på frågan, Vet ej medräknat) eller exclude (Vet ej räknas inte i nämnaren) – det finns ingen standard",
    },
    {
      name: 'an unknown Vet ej policy',
      text: edit('dontKnowPolicy: include', 'dontKnowPolicy: ignore'),
      line: ['dontKnowPolicy: ignore'],
      path: 'indicators.fortroende_rua.dontKnowPolicy',
      message: "ogiltigt värde 'ignore' för 'dontKnowPolicy' (tillåtna: include, exclude)",
    },
    {
      name: 'a misspelt key',
      text: edit('    required: true\n', '    requird: true\n'),
      line: ['requird: true'],
      path: 'questions.rus_planering.requird',
      message: "okänd nyckel 'requird' – menade du 'required'? (tillåtna: id, text, help, required, showIf, section, type, dontKnow)",
    },
    {
      name: 'a misspelt top-level key',
      text: edit('indicators:\n', 'indikatorer:\n'),
      line: ['indikatorer:'],
      path: 'indikatorer',
      message:
        "okänd nyckel 'indikatorer' – menade du 'indicators'? (tillåtna: id, version, title, intro, estimatedMinutes, scales, sections, questions, indicators)",
    },
    {
      name: 'a condition pointing forward',
      text: edit(
        '    section: rus\n    required: true\n',
        '    section: rus\n    required: true\n    showIf: { question: fortroende_rua, anyOf: [lagt] }\n',
      ),
      line: ['showIf: { question: fortroende_rua', 'id: rus_planering'],
      path: 'questions.rus_planering.showIf.question',
      message:
        "villkoret hänvisar till frågan 'fortroende_rua' som kommer senare i enkäten; ett villkor kan bara bygga på en fråga som står före",
    },
    {
      name: 'a condition with an unknown code',
      text: edit('anyOf: [lagt]', 'anyOf: [lågt]'),
      line: ['anyOf: [lågt]'],
      path: 'questions.kommentar.showIf.anyOf[0]',
      message:
        "'lågt' är inget giltigt id: använd små bokstäver a–z, siffror och _, och börja med en bokstav (inga å, ä, ö, bindestreck eller mellanslag)",
    },
    {
      name: 'a condition with a code the question does not have',
      text: edit('anyOf: [lagt]', 'anyOf: [inget]'),
      line: ['anyOf: [inget]'],
      path: 'questions.kommentar.showIf.anyOf[0]',
      message: "okänd svarskod 'inget' i villkoret för frågan 'kommentar' (finns: mycket_hogt, hogt, lagt, vet_ej)",
    },
    {
      name: 'a condition on a matrix without naming the statement',
      text: edit(
        '    text: { sv: Förtroende i olika frågor, en: Trust in different matters }\n',
        '    text: { sv: Förtroende i olika frågor, en: Trust in different matters }\n  - id: efter\n    type: text\n    showIf: { question: matris, anyOf: [lagt] }\n    text: { sv: Varför?, en: Why? }\n',
      ),
      line: ['showIf: { question: matris'],
      path: 'questions.efter.showIf.question',
      message: "'matris' är en matris – villkoret ska hänvisa till ett av dess påståenden: matris.planering, matris.statistik",
    },
    {
      name: 'a duplicate indicator id',
      text: edit('  - id: narvaro_arbetsmote\n', '  - id: fortroende_rua\n'),
      line: ['- id: fortroende_rua', 'kind: survey'],
      path: 'indicators[1].id',
      message: "indikatorns id 'fortroende_rua' förekommer två gånger",
    },
    {
      name: 'an unknown placeholder',
      text: edit('"Förtroende för {region}?"', '"Förtroende för {regoin}?"'),
      line: ['{regoin}'],
      path: 'questions.fortroende_rua.text.sv',
      message: "okänd platshållare '{regoin}' – menade du '{region}'? (tillgängliga: {region}, {strategy})",
    },
    {
      name: 'an unknown question type',
      text: edit('type: yesno', 'type: jaNej'),
      line: ['type: jaNej'],
      path: 'questions.rus_planering.type',
      message: "okänd frågetyp 'jaNej' (tillåtna: single, multiple, yesno, text, matrix)",
    },
    {
      name: 'a question text without languages',
      text: edit('text: { sv: Varför?, en: Why? }', 'text: Varför?'),
      line: ['text: Varför?'],
      path: 'questions.kommentar.text',
      message: "'text' ska ha en svensk text (och en engelsk om enkäten finns på engelska): text: { sv: …, en: … } (fick 'Varför?')",
    },
    {
      name: 'a reference to a scale that does not exist',
      text: edit('scale: fortroende\n    text', 'scale: fortroendet\n    text'),
      line: ['scale: fortroendet'],
      path: 'questions.fortroende_rua.scale',
      message: "okänd skala 'fortroendet' (finns: fortroende)",
    },
    {
      name: 'an indicator on a free-text question',
      text: edit('question: fortroende_rua\n    numerator', 'question: kommentar\n    numerator'),
      line: ['question: kommentar'],
      path: 'indicators.fortroende_rua.question',
      message:
        "indikatorn 'fortroende_rua' kan inte räknas på fritextfrågan 'kommentar': en indikator räknas på en fråga med ett svar per organisation (single, yesno eller ett påstående i en matris)",
    },
    {
      name: 'an indicator on a matrix statement that does not exist',
      text: edit('question: fortroende_rua\n    numerator', 'question: matris.budget\n    numerator'),
      line: ['question: matris.budget'],
      path: 'indicators.fortroende_rua.question',
      message: "okänt påstående 'budget' i matrisen 'matris' (finns: matris.planering, matris.statistik)",
    },
    {
      name: 'a question in an unknown section',
      text: edit('    type: text\n    showIf', '    type: text\n    section: rua\n    showIf'),
      line: ['section: rua'],
      path: 'questions.kommentar.section',
      message: "okänt avsnitt 'rua' (finns: rus)",
    },
    {
      name: 'a duplicate key in YAML',
      text: edit('    required: true\n', '    required: true\n    required: false\n'),
      line: ['required: false'],
      path: '',
      message: 'nyckeln förekommer två gånger på samma nivå',
    },
  ];

  it.each(cases)('$name', ({ text, line, path: expectedPath, message }) => {
    const expectedLine = lineOf(text, line[0], line[1]);
    expect(problemsOf(text)).toEqual([{ file: 'test.yaml', line: expectedLine, path: expectedPath, message }]);
  });

  it('a text starting with a placeholder must be quoted, and the message says so', () => {
    const text = edit('text: { sv: Varför?, en: Why? }', 'text:\n      sv: {region} – varför?\n      en: Why?');
    const problems = problemsOf(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].line).toBe(lineOf(text, 'sv: {region} – varför?'));
    expect(problems[0].message).toMatch(/^YAML-syntaxfel: .*tips: en text som börjar med '\{'/);
  });

  it('reports every problem in a file, in line order', () => {
    let text = edit('numerator: [mycket_hogt, hogt]', 'numerator: [mycket_hogt, hog]');
    text = edit('  - id: kommentar\n', '  - id: rus_planering\n', text);
    expect(problemsOf(text).map((p) => p.path)).toEqual(['questions[2].id', 'indicators.fortroende_rua.numerator[1]']);
  });

  it('parseSurveyYaml throws a SurveyDefinitionError carrying the problems', () => {
    const text = edit('target: 61', 'target: 120');
    let error: unknown;
    try {
      parseSurveyYaml(text, 'test.yaml');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SurveyDefinitionError);
    const problems = (error as SurveyDefinitionError).problems;
    expect(problems).toHaveLength(1);
    const line = lineOf(text, 'target: 120');
    expect(formatProblem(problems[0])).toBe(
      `test.yaml:${line}:5 indicators.fortroende_rua.target: målvärdet (target) ska vara mellan 0 och 100 procent (fick talet 120)`,
    );
    expect((error as Error).message).toContain(formatProblem(problems[0]));
  });

  it('an empty file', () => {
    expect(problemsOf('')).toEqual([{ file: 'test.yaml', line: 1, path: '', message: 'filen är tom' }]);
    expect(problemsOf('# bara en kommentar\n')).toEqual([{ file: 'test.yaml', line: 1, path: '', message: 'filen är tom' }]);
  });

  it('survey ids and indicator ids are unique across the files of a directory', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'partnerpuls-surveys-'));
    try {
      await fs.writeFile(path.join(dir, 'a.yaml'), BASE);
      await fs.writeFile(path.join(dir, 'b.yml'), BASE);
      await fs.writeFile(path.join(dir, 'c.yaml'), edit('id: test_enkat', 'id: annan_enkat'));
      await fs.writeFile(path.join(dir, 'notes.txt'), 'inte en enkät');
      const problems = await checkSurveyDir(dir);
      expect(problems.map(({ file, line, path: p, message }) => ({ file, line, path: p, message }))).toEqual([
        { file: 'b.yml', line: 1, path: 'id', message: "enkätens id 'test_enkat' används redan i a.yaml" },
        {
          file: 'b.yml',
          line: lineOf(BASE, '- id: fortroende_rua', 'indicators:'),
          path: 'indicators.fortroende_rua.id',
          message: "indikatorns id 'fortroende_rua' används redan i a.yaml; indikatorernas id:n ska vara unika i alla enkätfiler",
        },
        {
          file: 'b.yml',
          line: lineOf(BASE, '- id: narvaro_arbetsmote'),
          path: 'indicators.narvaro_arbetsmote.id',
          message: "indikatorns id 'narvaro_arbetsmote' används redan i a.yaml; indikatorernas id:n ska vara unika i alla enkätfiler",
        },
        {
          file: 'c.yaml',
          line: lineOf(BASE, '- id: fortroende_rua', 'indicators:'),
          path: 'indicators.fortroende_rua.id',
          message: "indikatorns id 'fortroende_rua' används redan i a.yaml; indikatorernas id:n ska vara unika i alla enkätfiler",
        },
        {
          file: 'c.yaml',
          line: lineOf(BASE, '- id: narvaro_arbetsmote'),
          path: 'indicators.narvaro_arbetsmote.id',
          message: "indikatorns id 'narvaro_arbetsmote' används redan i a.yaml; indikatorernas id:n ska vara unika i alla enkätfiler",
        },
      ]);
      await expect(loadSurveyDir(dir)).rejects.toBeInstanceOf(SurveyDefinitionError);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('a missing directory is a problem, not a crash', async () => {
    const problems = await checkSurveyDir(path.join(os.tmpdir(), 'partnerpuls-finns-inte-' + process.pid));
    expect(problems).toHaveLength(1);
    expect(problems[0].message).toMatch(/^mappen med enkätfiler finns inte: /);
  });
});

// ---------------------------------------------------------------------------------------
// Content hash
// ---------------------------------------------------------------------------------------

describe('the content hash', () => {
  let original: string;
  let hash: string;
  beforeAll(async () => {
    original = await readShipped('partnerskapsenkat.yaml');
    hash = parseSurveyYaml(original, 'partnerskapsenkat.yaml').hash;
  });

  it('does not change with whitespace, comments, key order or YAML style', () => {
    const withWhitespace = original
      .replace(/^questions:\n/m, '\n\n# en kommentar\nquestions:   # och en till\n')
      .split('\n')
      .map((l) => (l.trim() === '' ? l : `${l}   `))
      .join('\n');
    expect(withWhitespace).not.toBe(original);
    expect(parseSurveyYaml(withWhitespace, 'x.yaml').hash).toBe(hash);

    // The same content written out again by a YAML printer: different indentation, quoting,
    // block/flow style and line folding.
    const reprinted = stringify(parse(original), { indent: 4, lineWidth: 40 });
    expect(reprinted).not.toBe(original);
    expect(parseSurveyYaml(reprinted, 'x.yaml').hash).toBe(hash);

    // Keys in another order.
    const reordered = original.replace('id: partnerskapsenkat\nversion: "2025"\n', 'version: "2025"\nid: partnerskapsenkat\n');
    expect(reordered).not.toBe(original);
    expect(parseSurveyYaml(reordered, 'x.yaml').hash).toBe(hash);

    // Writing out a default explicitly does not change the meaning.
    const explicitDefault = original.replace('    target: 61\n', '    target: 61\n    tolerance: 5\n    minN: 5\n');
    expect(parseSurveyYaml(explicitDefault, 'x.yaml').hash).toBe(hash);
  });

  it('changes with a wording edit, a code or an indicator setting', () => {
    const wording = original.replace('label: { sv: Inte alls, en: Not at all }', 'label: { sv: Inte alls, en: Not at all! }');
    expect(wording).not.toBe(original);
    expect(parseSurveyYaml(wording, 'x.yaml').hash).not.toBe(hash);

    const question = original.replace('som underlag för verksamhetsplanering?', 'som underlag för sin verksamhetsplanering?');
    expect(parseSurveyYaml(question, 'x.yaml').hash).not.toBe(hash);

    const target = original.replace('target: 61', 'target: 62');
    expect(parseSurveyYaml(target, 'x.yaml').hash).not.toBe(hash);
  });

  it('is the sha256 of the canonical JSON that a round stores', () => {
    const loaded = parseSurveyYaml(original, 'partnerskapsenkat.yaml');
    expect(createHash('sha256').update(loaded.canonicalJson).digest('hex')).toBe(loaded.hash);
    expect(JSON.parse(loaded.canonicalJson)).toEqual(JSON.parse(JSON.stringify(loaded.definition)));
  });
});

// ---------------------------------------------------------------------------------------
// Placeholders
// ---------------------------------------------------------------------------------------

describe('placeholders', () => {
  const vars = { region: 'Region Värmland', strategy: 'Värmlandsstrategin 2040' };

  it('renderText fills in {region} and {strategy}', () => {
    expect(
      renderText('Hur stort förtroende har er organisation för {region} i rollen som regionalt utvecklingsansvarig aktör?', vars),
    ).toBe('Hur stort förtroende har er organisation för Region Värmland i rollen som regionalt utvecklingsansvarig aktör?');
    expect(renderText('Anser ni att årshjulet för {strategy} stärker samverkan? {region}, {region}.', vars)).toBe(
      'Anser ni att årshjulet för Värmlandsstrategin 2040 stärker samverkan? Region Värmland, Region Värmland.',
    );
    expect(renderText('Ingen platshållare', vars)).toBe('Ingen platshållare');
  });

  it('renderText leaves an unknown placeholder as written (a validated file cannot contain one)', () => {
    expect(renderText('{okand} och {region}', vars)).toBe('{okand} och Region Värmland');
  });

  it('renderDefinition renders every text and leaves the stored definition untouched', async () => {
    const loaded = parseSurveyYaml(await readShipped('partnerskapsenkat.yaml'), 'partnerskapsenkat.yaml');
    const rendered = renderDefinition(loaded.definition, vars);
    expect(rendered.questions.find((q) => q.id === 'rus_statistik')?.text.sv).toContain('framtagna av Region Värmland kopplat till');
    expect(rendered.indicators.find((i) => i.id === 'fortroende_rua')?.name.sv).toBe(
      'Andel organisationer … som har högt förtroende för Region Värmland i rollen som RUA ska öka',
    );
    expect(rendered.intro.sv).toContain('Värmlandsstrategin 2040');
    expect(JSON.stringify(rendered)).not.toMatch(/\{(region|strategy)\}/);
    expect(loaded.definition.questions.find((q) => q.id === 'rus_statistik')?.text.sv).toContain('{region}');
  });
});
