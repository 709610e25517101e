// The answer checks speak the respondent's language: the same rules, messages in Swedish by
// default and in English for a respondent who reads the form in English.
import { checkAnswers } from '../../server/services/answers';
import { surveyFromYaml } from '../helpers/fixtures';

const survey = surveyFromYaml(`
id: sprak
title: { sv: Språktest, en: Language test }
intro: { sv: Test., en: Test. }
estimatedMinutes: 1
scales:
  grad:
    options:
      - { code: hog, label: { sv: Hög, en: High } }
      - { code: lag, label: { sv: Låg, en: Low } }
questions:
  - id: enkel
    type: single
    required: true
    scale: grad
    text: { sv: Enkel fråga, en: Single question }
  - id: flera
    type: multiple
    required: true
    text: { sv: Flera, en: Several }
    options:
      - { code: a, label: { sv: A, en: A } }
      - { code: inget, label: { sv: Inget av dem, en: None of them }, exclusive: true }
  - id: matris
    type: matrix
    required: true
    scale: grad
    text: { sv: Matris, en: Matrix }
    statements:
      - { id: nytta, text: { sv: Nyttan, en: Usefulness } }
  - id: fritext
    type: text
    maxLength: 5
    text: { sv: Fritext, en: Free text }
`).definition;

const raw = { enkel: ['hog', 'lag'], flera: ['a', 'inget'], fritext: ['för lång text'] };

it('gives the messages in Swedish by default', () => {
  expect(checkAnswers(survey, raw, { enforceRequired: true }).problems.map((p) => p.message)).toEqual([
    'Välj bara ett svar på fråga 1.',
    '”Inget av dem” kan inte kombineras med andra alternativ i fråga 2.',
    'Välj ett svar för ”Nyttan” i fråga 3.',
    'Svaret på fråga 4 är för långt: 13 tecken, högst 5.',
  ]);
  expect(
    checkAnswers(survey, { enkel: ['finns_inte'], 'matris.nytta': ['x'] }, { enforceRequired: false }).problems.map((p) => p.message),
  ).toEqual([
    'Fråga 1 har ett svar som inte finns bland svarsalternativen. Välj ett av alternativen.',
    'Påståendet ”Nyttan” i fråga 3 har ett svar som inte finns bland svarsalternativen. Välj ett av alternativen.',
  ]);
});

it('gives the messages in English, with the English labels, for an English reader', () => {
  expect(checkAnswers(survey, raw, { enforceRequired: true, locale: 'en' }).problems.map((p) => p.message)).toEqual([
    'Choose only one answer to question 1.',
    '“None of them” cannot be combined with other options in question 2.',
    'Choose an answer for “Usefulness” in question 3.',
    'The answer to question 4 is too long: 13 characters, at most 5.',
  ]);
  expect(checkAnswers(survey, {}, { enforceRequired: true, locale: 'en' }).problems.map((p) => p.message)).toEqual([
    'Choose an answer to question 1.',
    'Choose at least one option in question 2.',
    'Choose an answer for “Usefulness” in question 3.',
  ]);
});
