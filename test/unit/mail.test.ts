// Unit rules of the e-mail area: template validation, rendering and escaping, error
// classification, backoff, CSV cell safety.
import {
  defaultTemplate,
  EMAIL_KINDS,
  EMAIL_LOCALES,
  formatClosingDate,
  renderEmail,
  templateProblems,
  templateValues,
  validateTemplate,
} from '../../server/mail/templates';
import { backoffMs, classifySendError } from '../../server/mail/worker';
import { csvSafe } from '../../server/services/mail-follow-up';
import { isValidEmail } from '../../server/services/mailings';
import { ValidationError } from '../../server/errors';

const config = { regionName: 'Region Test', retentionMonths: 24, privacyContact: 'dataskydd@test.se' };
const values = (over: Partial<Parameters<typeof templateValues>[2]> = {}) =>
  templateValues(config, 'sv', {
    organisation: 'Org & Co <AB>',
    contactName: 'Anna "A" Andersson',
    link: 'https://pp.test/s/abc',
    closesAt: '2026-12-15T22:59:00.000Z',
    surveyTitle: 'Enkät 2026',
    year: 2026,
    coordinatorName: 'Sam',
    coordinatorEmail: 'sam@test.se',
    optOutLink: 'https://pp.test/avregistrera/xyz',
    ...over,
  });

describe('template validation', () => {
  it('accepts every shipped default template', () => {
    for (const kind of EMAIL_KINDS)
      for (const locale of EMAIL_LOCALES) expect(() => validateTemplate(defaultTemplate(kind, locale))).not.toThrow();
  });

  it('names an unknown placeholder and lists the allowed ones', () => {
    const problems = templateProblems('Hej {{namn}}!\n{{organisation}}', 'body', 'Meddelandets text');
    expect(problems).toHaveLength(1);
    expect(problems[0].field).toBe('body');
    expect(problems[0].message).toContain('okänd platshållare {{namn}}');
    expect(problems[0].message).toContain('{{contactName}}');
    expect(problems[0].message).toContain('rad 1');
  });

  it('refuses helpers, partials, paths, triple braces and each', () => {
    const m = (s: string) =>
      templateProblems(s, 'body', 'Text')
        .map((p) => p.message)
        .join(' | ');
    expect(m('{{> x}}')).toContain('delmallar');
    expect(m('{{lookup link "x"}}')).toContain('inte tillåtet');
    expect(m('{{link.length}}')).toContain('okänd platshållare {{link.length}}');
    expect(m('{{../link}}')).toContain('okänd platshållare');
    expect(m('{{@root.link}}')).toContain('okänd platshållare');
    expect(m('{{{link}}}')).toContain('två klammerparenteser');
    expect(m('{{#each link}}x{{/each}}')).toContain('{{#each}} är inte tillåtet');
    expect(m('{{#if nope}}x{{/if}}')).toContain('okänd platshållare {{nope}}');
    expect(m('{{#if receiptCode}}{{okänd}}{{/if}}')).toContain('okänd platshållare');
  });

  it('reports broken syntax in Swedish with the line', () => {
    expect(templateProblems('a\nb {{link', 'body', 'Text')[0].message).toMatch(/^Text: mallen kunde inte läsas på rad 2/);
    expect(templateProblems('{{#if link}}x{{/unless}}', 'body', 'Text')[0].message).toContain('{{#if}} avslutas med {{/unless}}');
  });

  it('validateTemplate throws a ValidationError for an empty or multi-line subject', () => {
    expect(() => validateTemplate({ subject: '', body: 'x' })).toThrow(ValidationError);
    expect(() => validateTemplate({ subject: 'a\nb', body: 'x' })).toThrow(ValidationError);
  });
});

describe('rendering', () => {
  it('escapes everything in HTML, keeps plain text as written, links only BASE_URL addresses', () => {
    const t = {
      subject: 'Till {{organisation}}\u000d\u000aBcc: x@y.se',
      body: 'Hej {{contactName}}\n\n{{link}}\n\nhttps://evil.example/x <img src=x>',
    };
    const r = renderEmail(t, values(), 'sv', 'https://pp.test');
    expect(r.subject).toBe('Till Org & Co <AB> Bcc: x@y.se'); // one line: no header injection
    expect(r.text).toContain('Hej Anna "A" Andersson');
    expect(r.html).toContain('Hej Anna &quot;A&quot; Andersson');
    expect(r.html).toContain('<a href="https://pp.test/s/abc"');
    expect(r.html).not.toContain('href="https://evil.example');
    expect(r.html).toContain('&lt;img src&#x3D;x&gt;');
    expect(r.html).not.toContain('<img');
    expect(r.html).toContain('<title>Till Org &amp; Co &lt;AB&gt; Bcc: x@y.se</title>');
    expect(r.text).toContain('Region Test är personuppgiftsansvarig');
    expect(r.text).toContain('högst 24 månader');
    expect(r.text).toContain('dataskydd@test.se');
    expect(r.text).toContain('https://pp.test/avregistrera/xyz');
  });

  it('writes the closing time in Europe/Stockholm, the Swedish way', () => {
    expect(formatClosingDate('2026-12-15T22:59:00.000Z', 'sv')).toBe('15 december 2026 kl. 23.59');
    expect(formatClosingDate('2026-06-30T21:59:00.000Z', 'sv')).toBe('30 juni 2026 kl. 23.59');
    expect(formatClosingDate('2026-12-15T22:59:00.000Z', 'en')).toBe('15 December 2026 at 23:59');
    expect(values().closingDate).toBe('15 december 2026 kl. 23.59');
  });
});

describe('sending errors', () => {
  it('5xx to RCPT TO or DATA is permanent; 4xx, 503, login and connection errors are temporary', () => {
    expect(classifySendError({ responseCode: 550, command: 'RCPT TO', response: '550 no such user' }).kind).toBe('permanent');
    expect(classifySendError({ responseCode: 552, command: 'DATA', response: '552 too big' }).kind).toBe('permanent');
    expect(classifySendError({ responseCode: 451, command: 'DATA', response: '451 later' }).kind).toBe('temporary');
    expect(classifySendError({ responseCode: 421, command: 'RCPT TO', response: '421 busy' }).kind).toBe('temporary');
    expect(classifySendError({ responseCode: 503, command: 'DATA', response: '503 bad sequence' }).kind).toBe('temporary');
    expect(classifySendError({ responseCode: 535, command: 'AUTH PLAIN', code: 'EAUTH', response: '535 bad login' }).kind).toBe(
      'temporary',
    );
    expect(classifySendError({ responseCode: 550, command: 'MAIL FROM', response: '550 sender refused' }).kind).toBe('temporary');
    expect(classifySendError({ code: 'ECONNECTION', message: 'connect ECONNREFUSED' }).kind).toBe('temporary');
  });

  it('backs off exponentially up to the maximum', () => {
    const mid = (a: number) => backoffMs(a, 1000, 60_000);
    expect(mid(1)).toBeGreaterThanOrEqual(800);
    expect(mid(1)).toBeLessThanOrEqual(1200);
    expect(mid(4)).toBeGreaterThanOrEqual(6400);
    expect(mid(4)).toBeLessThanOrEqual(9600);
    expect(mid(30)).toBeLessThanOrEqual(72_000);
  });
});

describe('CSV cells and addresses', () => {
  it('prefixes cells a spreadsheet would read as a formula', () => {
    expect(csvSafe('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvSafe('+46')).toBe("'+46");
    expect(csvSafe('-1')).toBe("'-1");
    expect(csvSafe('@x')).toBe("'@x");
    expect(csvSafe('Anna')).toBe('Anna');
    expect(csvSafe(null)).toBe('');
  });

  it('knows a valid e-mail address', () => {
    expect(isValidEmail('anna@kommun.se')).toBe(true);
    expect(isValidEmail('anna@kommun')).toBe(false);
    expect(isValidEmail('anna kommun.se')).toBe(false);
    expect(isValidEmail(null)).toBe(false);
  });
});
