// Every {{t …}} in the templates whose key is not a literal text must be a label made by the code
// (a state, a type, a colour…), never user data: names, titles, places and replies from mail
// servers go in as values ({{t "%{name}" name=…}} or values=…). This test lists the non-literal
// keys; a new one must be added here on purpose, after checking where its value comes from.
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import { VIEWS_DIR } from '../../server/views';

type Node = { type: string; [k: string]: unknown };

/** Code-made labels, by template and the expression used as the key. */
const ALLOWED: Record<string, string[]> = {
  'layouts/main.hbs': ['title'], // with titleValues: a title that is data is '%{text}' (server/lib/titles.ts)
  'layouts/report-file.hbs': ['title'], // the report's own title ('Årets rapport …'), the year as a value
  'pages/admin/settings.hbs': ['name'],
  'pages/admin/users.hbs': ['label'],
  'pages/checkin/show.hbs': ['meeting.typeLabel'],
  'pages/home.hbs': ['typeLabel'], // meeting types (services/overview.ts meetingTypeLabel)
  'pages/error.hbs': ['title', 'message'], // messages of the app's errors: looked up as a whole, never interpolated
  'pages/indicators/index.hbs': ['label', 'this', 'colourLabel', 'trendLabel', 'clarityText', 'originLabel', 'statusLabel', 'changeUnit'],
  'pages/indicators/show.hbs': [
    'levelLabel',
    'this',
    'row.colourLabel',
    'row.trendLabel',
    'row.clarityText',
    'row.statusLabel',
    'row.originLabel',
    'definitionText.kind',
    'definitionText.direction',
    'colourLabel',
    'trendLabel',
    'originLabel',
    'title',
    'label', // breakdown cells: organisation types only; a municipality is shown as written
    'row.changeUnit',
    'changeUnit',
  ],
  'pages/login.hbs': ['label'], // a sign-in provider's button, set by the operator in OIDC_PROVIDERS (looked up as a whole)
  'pages/report/show.hbs': ['label', '../label', 'colourLabel', 'trendLabel', 'changeUnit', 'clarityText', 'originLabel', 'statusLabel'],
  'pages/sso-failed.hbs': ['message'], // the app's own refusals (routes/sso.ts)
  'pages/mail/follow-up.hbs': ['stateLabel', 'typeLabel', 'mailer.key'], // mailer.key: code-made; the server's name is a value
  'pages/mail/outbox.hbs': ['statusLabel', 'mailer.key', 'label', 'kindLabel'], // OUTBOX_STATUS_LABELS, OUTBOX_KIND_LABELS
  'pages/mail/remind.hbs': ['typeLabel', 'reasonKey'],
  'pages/mail/send.hbs': ['label', 'typeLabel', 'reasonKey'],
  'pages/mail/template-edit.hbs': ['kindLabel', 'localeLabel', 'description'],
  'pages/mail/templates.hbs': ['kindLabel', 'localeLabel'],
  'pages/meetings/index.hbs': ['typeLabel'],
  'pages/meetings/show.hbs': ['meeting.typeLabel', 'typeLabel'],
  'pages/organisations/import-preview.hbs': ['delimiter'],
  'pages/organisations/contact.hbs': ['label'], // CONTACT_LANGUAGES (services/register.ts)
  'pages/organisations/list.hbs': ['label'],
  'pages/rounds/detail.hbs': ['stateLabel', 'statusLabel'],
  'pages/rounds/form.hbs': ['title'],
  'pages/rounds/list.hbs': ['stateLabel'],
  'pages/setup.hbs': ['title'],
  'pages/rounds/results.hbs': ['stateLabel', 'typeLabel', 'policyText'], // round state, question type, the Vet ej rule: labels made by results-view.ts
  'pages/surveys/editor-indicators.hbs': ['kindLabel'],
  'pages/surveys/editor.hbs': ['typeLabel', 'label'], // question types (survey-editor-view.ts)
  'pages/surveys/new.hbs': ['label'], // question types
  'pages/surveys/version.hbs': ['sourceLabel', 'stateLabel'],
  'pages/surveys/versions.hbs': ['sourceLabel', 'stateLabel'],
  'partials/draft-header.hbs': ['label'], // the editor's tabs
  // the editor's fields: label and hint are literal texts given by the including template; a
  // select translates its choices only when told to (translate=true: levels, meeting types)
  'partials/editor-check.hbs': ['label', 'hint'],
  'partials/editor-id.hbs': ['label'],
  'partials/editor-input.hbs': ['label', 'hint'],
  'partials/editor-move.hbs': ['removeLabel'],
  'partials/editor-select.hbs': ['label', 'hint', 'empty'],
  'partials/field.hbs': ['label', 'hint'],
  'partials/meeting-fields.hbs': ['label'],
  'partials/yes-no.hbs': ['legend', 'hint'],
};

function templates(dir: string, base = dir): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return templates(p, base);
    return e.name.endsWith('.hbs') ? [path.relative(base, p)] : [];
  });
}

/** `(plural n "… %{n} …" "… %{n} …")`: one of two literal texts, chosen by the code. */
function isPluralOfLiterals(key: Node): boolean {
  const callee = key.path as { original?: unknown } | undefined;
  const params = (key.params as Node[] | undefined) ?? [];
  return key.type === 'SubExpression' && callee?.original === 'plural' && params.slice(1).every((p) => p.type === 'StringLiteral');
}

/** The non-literal first arguments of every `t` call (mustache or sub-expression) in the tree. */
function dynamicKeys(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) return node.forEach((n) => dynamicKeys(n, out));
  if (!node || typeof node !== 'object') return;
  const n = node as Node;
  const callee = n.path as { original?: unknown } | undefined;
  const params = n.params as Node[] | undefined;
  if ((n.type === 'MustacheStatement' || n.type === 'SubExpression') && callee?.original === 't' && params?.[0]) {
    const key = params[0];
    if (key.type !== 'StringLiteral' && !isPluralOfLiterals(key)) out.add(String(key.original));
  }
  for (const v of Object.values(n)) if (v && typeof v === 'object') dynamicKeys(v, out);
}

it('every translation key in the templates is a literal text or a label made by the code', () => {
  const found: Record<string, string[]> = {};
  for (const file of templates(VIEWS_DIR)) {
    const keys = new Set<string>();
    dynamicKeys(Handlebars.parse(fs.readFileSync(path.join(VIEWS_DIR, file), 'utf8')), keys);
    if (keys.size) found[file.split(path.sep).join('/')] = [...keys];
  }
  const unexpected = Object.entries(found).flatMap(([file, keys]) =>
    keys.filter((k) => !(ALLOWED[file] ?? []).includes(k)).map((k) => `${file}: {{t ${k}}}`),
  );
  expect(unexpected).toEqual([]);
});
