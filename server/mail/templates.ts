// E-mail templates: Handlebars, Swedish and English, for invitation, reminder and confirmation.
//
// What a coordinator edits (round_templates: subject + body per round, kind and locale) is plain
// text with placeholders such as {{organisation}} and {{link}}; the defaults live in
// views/emails/<locale>/<kind>.subject.hbs and .body.hbs. Every message is then put into the
// locale's layout (views/emails/<locale>/layout.text.hbs and layout.html.hbs), which always adds
// the privacy text and the opt-out link — a coordinator cannot remove them.
//
// HTML: the rendered text is split into paragraphs, lines and parts, and the HTML layout prints
// them with Handlebars' normal escaping; only URLs that start with config.baseUrl become links.
// So nothing a coordinator or an import wrote can add markup.
//
// A template may only use the known placeholders and {{#if x}} / {{#unless x}} around them;
// anything else (an unknown name, a helper, a partial, {{{ }}}, broken syntax) is refused with a
// Swedish message naming it (validateTemplate).
import fs from 'node:fs';
import path from 'node:path';
import Handlebars from 'handlebars';
import type { Config } from '../config';
import { type FieldProblem, ValidationError } from '../errors';
import type { Locale } from '../i18n';
import { dateTimeFormat } from '../lib/intl';
import { PACKAGE_ROOT } from '../lib/paths';

export const EMAIL_KINDS = ['invitation', 'reminder', 'confirmation'] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];
export const EMAIL_LOCALES: Locale[] = ['sv', 'en'];

export const KIND_LABELS: Record<EmailKind, string> = { invitation: 'Inbjudan', reminder: 'Påminnelse', confirmation: 'Bekräftelse' };
export const LOCALE_LABELS: Record<Locale, string> = { sv: 'Svenska', en: 'Engelska' };

/** The placeholders a template may use, with the Swedish explanation shown in the editor. */
export const PLACEHOLDERS: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'organisation', description: 'Organisationens namn' },
  { name: 'contactName', description: 'Kontaktpersonens namn' },
  { name: 'link', description: 'Organisationens personliga länk till enkäten' },
  { name: 'closingDate', description: 'Sista svarsdag och tid, t.ex. "15 december 2026 kl. 23.59"' },
  { name: 'surveyTitle', description: 'Enkätomgångens titel' },
  { name: 'year', description: 'Enkätomgångens år' },
  { name: 'coordinatorName', description: 'Samordnarens namn (kontaktperson för omgången)' },
  { name: 'coordinatorEmail', description: 'Samordnarens e-postadress' },
  { name: 'coordinatorSignature', description: 'Signatur: samordnarens namn, regionen och e-postadressen på var sin rad' },
  { name: 'regionName', description: 'Regionens namn' },
  { name: 'privacyText', description: 'Texten om personuppgifter (finns alltid också sist i meddelandet)' },
  { name: 'optOutLink', description: 'Länken för att avregistrera sig (finns alltid också sist i meddelandet)' },
  { name: 'receiptCode', description: 'Kvittenskod för ett inskickat svar (bara i bekräftelsen)' },
];
const PLACEHOLDER_NAMES = new Set(PLACEHOLDERS.map((p) => p.name));

export type TemplateValues = Record<(typeof PLACEHOLDERS)[number]['name'], string>;

export interface TemplateSource {
  subject: string;
  body: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const EMAILS_DIR = path.join(PACKAGE_ROOT, 'views', 'emails');

// One isolated Handlebars environment: no helpers beyond if/unless, no partials.
const hbs = Handlebars.create();
const COMPILE_OPTIONS = { noEscape: true, strict: false, knownHelpersOnly: true, knownHelpers: { if: true, unless: true } } as const;

const fileCache = new Map<string, string>();
function readEmailFile(rel: string): string {
  let s = fileCache.get(rel);
  if (s === undefined) {
    s = fs.readFileSync(path.join(EMAILS_DIR, rel), 'utf8');
    fileCache.set(rel, s);
  }
  return s;
}

/** The shipped default subject and body for a kind and locale. */
export function defaultTemplate(kind: EmailKind, locale: Locale): TemplateSource {
  return {
    subject: readEmailFile(`${locale}/${kind}.subject.hbs`).trim(),
    body: readEmailFile(`${locale}/${kind}.body.hbs`).replace(/\s+$/, '') + '\n',
  };
}

const compiledCache = new Map<string, HandlebarsTemplateDelegate>();
function compileCached(source: string, options: CompileOptions = COMPILE_OPTIONS): HandlebarsTemplateDelegate {
  const key = JSON.stringify([source, options.noEscape]);
  let c = compiledCache.get(key);
  if (!c) {
    c = hbs.compile(source, options);
    if (compiledCache.size > 500) compiledCache.clear();
    compiledCache.set(key, c);
  }
  return c;
}

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

type HbsNode = { type: string; loc?: { start: { line: number } } } & Record<string, unknown>;
type PathNode = { type: 'PathExpression'; original: string; parts: string[]; data: boolean; depth: number };
type Report = (node: HbsNode, message: string) => void;

const ALLOWED_LIST = () => [...PLACEHOLDER_NAMES].map((n) => `{{${n}}}`).join(', ');

/** The problem of a template that does not parse, with the line when Handlebars tells it. */
function parseProblem(e: unknown, field: string, fieldLabel: string): FieldProblem {
  const msg = String((e as Error).message ?? '');
  const line = /line (\d+)/.exec(msg)?.[1] ?? /- (\d+):\d+/.exec(msg)?.[1] ?? (e as { lineNumber?: number }).lineNumber;
  const mismatch = /^(\w+) doesn't match (\w+)/.exec(msg);
  const what = mismatch
    ? `{{#${mismatch[1]}}} avslutas med {{/${mismatch[2]}}}`
    : 'kontrollera att varje {{ har en matchande }} och att varje {{#if …}} avslutas med {{/if}}';
  return { field, message: `${fieldLabel}: mallen kunde inte läsas${line ? ` på rad ${line}` : ''} – ${what}.` };
}

/** A placeholder must be one known name ({{organisation}}), not a path, data variable or parent reference. */
function checkPath(node: HbsNode, p: unknown, report: Report): boolean {
  const pe = p as PathNode;
  if (!pe || pe.type !== 'PathExpression') {
    report(node, 'en platshållare ska vara ett namn, t.ex. {{organisation}}.');
    return false;
  }
  if (pe.data || pe.depth > 0 || pe.parts.length !== 1 || !PLACEHOLDER_NAMES.has(pe.parts[0])) {
    report(node, `okänd platshållare {{${pe.original}}}. Tillåtna platshållare är ${ALLOWED_LIST()}.`);
    return false;
  }
  return true;
}

/** {{name}}: alone between two braces, no parameters, not triple-stashed. */
function checkMustache(node: HbsNode, report: Report): void {
  const params = (node.params as unknown[]) ?? [];
  const hash = node.hash as { pairs?: unknown[] } | undefined;
  if (params.length || hash?.pairs?.length) {
    const name = (node.path as PathNode)?.original ?? '';
    report(node, `{{${name} …}} är inte tillåtet – en platshållare skrivs ensam mellan klammerparenteserna, t.ex. {{organisation}}.`);
    return;
  }
  if (!checkPath(node, node.path, report)) return;
  if (node.escaped === false) report(node, `skriv {{${(node.path as PathNode).original}}} med två klammerparenteser, inte tre.`);
}

/** {{#if name}} … {{/if}} and {{#unless name}} … {{/unless}} around one placeholder; what is inside is checked too. */
function checkBlock(node: HbsNode, report: Report): void {
  const name = (node.path as PathNode)?.original ?? '';
  const params = (node.params as unknown[]) ?? [];
  if (name !== 'if' && name !== 'unless') {
    report(node, `{{#${name}}} är inte tillåtet – bara {{#if namn}} … {{/if}} och {{#unless namn}} … {{/unless}} kan användas.`);
    return;
  }
  if (params.length !== 1) {
    report(node, `{{#${name}}} ska ha exakt en platshållare, t.ex. {{#${name} receiptCode}}.`);
    return;
  }
  checkPath(node, params[0], report);
  const program = node.program as { body: HbsNode[] } | undefined;
  const inverse = node.inverse as { body: HbsNode[] } | undefined;
  if (program) checkNodes(program.body, report);
  if (inverse) checkNodes(inverse.body, report);
}

function checkNodes(nodes: HbsNode[], report: Report): void {
  for (const node of nodes) {
    switch (node.type) {
      case 'ContentStatement':
      case 'CommentStatement':
        break;
      case 'MustacheStatement':
        checkMustache(node, report);
        break;
      case 'BlockStatement':
        checkBlock(node, report);
        break;
      case 'PartialStatement':
      case 'PartialBlockStatement':
        report(node, 'delmallar ({{> …}}) är inte tillåtna.');
        break;
      default:
        report(node, 'den här konstruktionen är inte tillåten i en e-postmall.');
    }
  }
}

/**
 * The problems of one template text (subject or body), each naming the field and the offending
 * placeholder in Swedish; [] when the template is fine.
 */
export function templateProblems(source: string, field: string, fieldLabel: string): FieldProblem[] {
  let ast: { body: HbsNode[] };
  try {
    ast = hbs.parse(source) as unknown as { body: HbsNode[] };
  } catch (e) {
    return [parseProblem(e, field, fieldLabel)];
  }
  const problems: FieldProblem[] = [];
  checkNodes(ast.body, (node, message) => {
    const line = node.loc?.start.line;
    problems.push({ field, message: `${fieldLabel}${line ? ` (rad ${line})` : ''}: ${message}` });
  });
  return problems;
}

function problemsOf(t: TemplateSource): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!t.subject.trim()) problems.push({ field: 'subject', message: 'Ämnesraden får inte vara tom.' });
  else if (t.subject.length > 250) problems.push({ field: 'subject', message: 'Ämnesraden får vara högst 250 tecken.' });
  else if (/[\r\n]/.test(t.subject)) problems.push({ field: 'subject', message: 'Ämnesraden ska vara en enda rad.' });
  else problems.push(...templateProblems(t.subject, 'subject', 'Ämnesraden'));
  if (!t.body.trim()) problems.push({ field: 'body', message: 'Meddelandets text får inte vara tom.' });
  else if (t.body.length > 20_000) problems.push({ field: 'body', message: 'Meddelandets text får vara högst 20 000 tecken.' });
  else problems.push(...templateProblems(t.body, 'body', 'Meddelandets text'));
  return problems;
}

// A template is checked each time it is used (every queued e-mail); the verdict on a text never
// changes, so it is kept (parsed once) — up to 500 texts, then started over.
const verdicts = new Map<string, FieldProblem[]>();

/** Throws ValidationError when the subject or body is empty, too long or uses anything not allowed. */
export function validateTemplate(t: TemplateSource): void {
  const key = `${t.subject}\u0000${t.body}`;
  let problems = verdicts.get(key);
  if (!problems) {
    problems = problemsOf(t);
    if (verdicts.size >= 500) verdicts.clear();
    verdicts.set(key, problems);
  }
  if (problems.length) throw new ValidationError([...problems], 'Mallen kan inte sparas.');
}

// ---------------------------------------------------------------------------------------------
// Rendering
// ---------------------------------------------------------------------------------------------

export interface ValueInput {
  organisation: string;
  contactName: string | null;
  link: string | null;
  closesAt: string | null;
  surveyTitle: string;
  year: number;
  coordinatorName: string | null;
  coordinatorEmail: string | null;
  optOutLink: string;
  receiptCode?: string | null;
}

/** The closing time in Europe/Stockholm, the Swedish way: "15 december 2026 kl. 23.59" ("15 December 2026 at 23:59"). */
export function formatClosingDate(iso: string, locale: Locale): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const tag = locale === 'sv' ? 'sv-SE' : 'en-GB';
  const date = dateTimeFormat(tag, { timeZone: 'Europe/Stockholm', day: 'numeric', month: 'long', year: 'numeric' }).format(d);
  const time = dateTimeFormat(tag, { timeZone: 'Europe/Stockholm', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
  return locale === 'sv' ? `${date} kl. ${time.replace(':', '.')}` : `${date} at ${time}`;
}

/** The privacy text: who is responsible, why, how long the data is kept, whom to ask. */
export function privacyText(config: Pick<Config, 'regionName' | 'retentionMonths' | 'privacyContact'>, locale: Locale): string {
  return compileCached(readEmailFile(`${locale}/privacy.hbs`))({
    regionName: config.regionName,
    retentionMonths: String(config.retentionMonths),
    privacyContact: config.privacyContact,
  }).trim();
}

/** Every placeholder's value for one contact. */
export function templateValues(
  config: Pick<Config, 'regionName' | 'retentionMonths' | 'privacyContact'>,
  locale: Locale,
  v: ValueInput,
): TemplateValues {
  const coordinatorName = v.coordinatorName?.trim() || config.regionName;
  const coordinatorEmail = v.coordinatorEmail?.trim() || '';
  const signature = [coordinatorName, coordinatorName === config.regionName ? '' : config.regionName, coordinatorEmail]
    .filter(Boolean)
    .join('\n');
  return {
    organisation: v.organisation,
    contactName: v.contactName?.trim() || (locale === 'sv' ? 'kontaktperson' : 'contact person'),
    link: v.link ?? '',
    closingDate: v.closesAt ? formatClosingDate(v.closesAt, locale) : locale === 'sv' ? '(inget slutdatum)' : '(no closing date)',
    surveyTitle: v.surveyTitle,
    year: String(v.year),
    coordinatorName,
    coordinatorEmail,
    coordinatorSignature: signature,
    regionName: config.regionName,
    privacyText: privacyText(config, locale),
    optOutLink: v.optOutLink,
    receiptCode: v.receiptCode ?? '',
  };
}

interface HtmlPart {
  text: string;
  href?: string;
}

/** Splits plain text into paragraphs → lines → parts; URLs under baseUrl become links. */
export function textToHtmlParagraphs(text: string, baseUrl: string): Array<{ lines: Array<{ parts: HtmlPart[] }> }> {
  const escapedBase = baseUrl.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const urlRe = new RegExp(`${escapedBase}(?:/[^\\s<>"']*)?`, 'g');
  return text
    .replace(/\r\n?/g, '\n')
    .split(/\n{2,}/)
    .map((p) => p.replace(/^\n+|\n+$/g, ''))
    .filter((p) => p.trim() !== '')
    .map((p) => ({
      lines: p.split('\n').map((line) => {
        const parts: HtmlPart[] = [];
        let last = 0;
        for (const m of line.matchAll(urlRe)) {
          const url = m[0].replace(/[.,;:!?)]+$/, '');
          if (m.index > last) parts.push({ text: line.slice(last, m.index) });
          parts.push({ text: url, href: url });
          last = m.index + url.length;
        }
        if (last < line.length) parts.push({ text: line.slice(last) });
        return { parts };
      }),
    }));
}

/**
 * Renders a (validated) template for one contact: the subject (one line), the plain-text body
 * in the text layout, and the HTML version in the HTML layout (everything escaped).
 */
export function renderEmail(template: TemplateSource, values: TemplateValues, locale: Locale, baseUrl: string): RenderedEmail {
  const subject = compileCached(template.subject)(values)
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .slice(0, 300);
  const body = compileCached(template.body)(values)
    .replace(/\r\n?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  const text = compileCached(readEmailFile(`${locale}/layout.text.hbs`))({ ...values, body }).trimEnd() + '\n';
  const html = compileCached(readEmailFile(`${locale}/layout.html.hbs`), {
    noEscape: false,
    strict: false,
    knownHelpersOnly: true,
    knownHelpers: { if: true, unless: true, each: true },
  })({
    subject,
    paragraphs: textToHtmlParagraphs(body, baseUrl),
    privacyText: values.privacyText,
    optOutLink: values.optOutLink,
  });
  return { subject, text, html };
}
