// An axe sweep (WCAG 2.1 A/AA) over every page of the app with realistic data: every staff GET
// route found in the router (so a new page is checked automatically; only CSV/JSON/XLSX downloads
// are skipped, by content type), the pages that only a POST shows (forms with errors, import
// previews with problems, one-time links), and every page a respondent or meeting attendee
// can reach by token (start, form, form with errors, draft, receipt, closed, not yet open,
// invalid link, opt-out, check-in).
import type { Server } from 'node:http';
import type { Browser, BrowserContext, Page, Response as PwResponse } from 'playwright-core';
import request from 'supertest';
import { nowIso } from '../../server/db';
import type { Actor } from '../../server/services/audit';
import { importValues, publishYear } from '../../server/services/indicator-admin';
import { syncIndicatorsFromFiles } from '../../server/services/indicator-sync';
import { placeholderValues } from '../../server/services/surveys';
import { sendInvitations } from '../../server/services/mailings';
import { createCheckinLink, createMeeting, setAttendance } from '../../server/services/meetings';
import { closeRound, manualLink } from '../../server/services/rounds';
import { startDraftFromVersion } from '../../server/services/survey-editor';
import { createTestLink, submitTestAnswers, testContext } from '../../server/services/test-links';
import { generate } from 'otplib';
import { createUser, csrfFrom, startTestApp, type TestApp, TEST_PASSWORD } from '../helpers/app';
import { axeViolations, launchBrowser, listen } from '../helpers/browser';
import { andWait, hasFocus, loggedInContext, stockholmDate } from '../helpers/browser-session';
import { ensureInvitation, issueToken } from '../../server/services/invitations';
import { createContact, createOrganisation, createPanel, createRound, surveyFromYaml } from '../helpers/fixtures';
import { drainAll } from '../helpers/mail';
import { chromiumPath, describeWithService } from '../helpers/services';
import { parseMessage } from '../helpers/smtp';
import { TEST_LINK_CAUSE } from '../helpers/fixtures';

// A real browser on a busy 2-core machine: a page sweep may take longer than jest's default.
jest.setTimeout(180_000);

const YEAR = Number(stockholmDate(0).slice(0, 4));
const TYPES = ['kommun', 'lansstyrelse', 'larosate', 'foretagsframjande', 'folkhogskola', 'kommun', 'bransch', 'kommun'];

/**
 * What axe does not check but the conventions promise (runs in the page; a string, because the
 * test code is compiled without the DOM types), on the app's own pages: one h1; unique ids; every error-summary link
 * lands on an element that can take focus; every error message is tied to its field with
 * aria-describedby; every invalid field is described by its error; every table has a caption.
 */
const HOUSE_RULES = `(() => {
  const out = [];
  if (!document.querySelector('main#main')) return out; // not an app page (the HTML of an e-mail)
  const h1 = document.querySelectorAll('h1').length;
  if (h1 !== 1) out.push(h1 + ' h1 elements');
  const seen = new Map();
  for (const el of document.querySelectorAll('[id]')) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  for (const [id, n] of seen) if (n > 1) out.push('id "' + id + '" is used ' + n + ' times');
  for (const a of document.querySelectorAll('.error-summary a[href^="#"]')) {
    const id = decodeURIComponent(a.getAttribute('href').slice(1));
    const target = document.getElementById(id);
    if (!target) out.push('error summary links to #' + id + ', which does not exist');
    else if (!target.matches('input:not([type=hidden]), select, textarea, button, [tabindex]')) out.push('error summary links to #' + id + ', which cannot take focus');
  }
  for (const msg of document.querySelectorAll('.error-message')) {
    if (!msg.id) out.push('error message without id: ' + msg.textContent.trim().slice(0, 60));
    else if (!document.querySelector('[aria-describedby~="' + msg.id + '"]')) out.push('error message #' + msg.id + ' is not tied to its field (aria-describedby)');
  }
  for (const el of document.querySelectorAll('[aria-invalid="true"]')) {
    const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/);
    if (!ids.some((id) => id && document.getElementById(id) && document.getElementById(id).classList.contains('error-message'))) out.push('#' + el.id + ' is marked invalid but not described by its error message');
  }
  for (const t of document.querySelectorAll('main table')) if (!t.querySelector('caption')) out.push('a table without caption');
  return out;
})()`;

/** A survey in Swedish only: no language switch for its respondents. */
const SWEDISH_ONLY_YAML = `
id: bara_svenska
title: { sv: Enkät om samarbetet }
intro: { sv: "{region} vill veta hur samarbetet fungerar." }
estimatedMinutes: 2
questions:
  - id: samarbete
    type: yesno
    required: true
    text: { sv: Fungerar samarbetet? }
`;

/** Every kind of question a survey file can have: yes/no, a condition, multiple choice, a matrix, long text with help. */
const EVERY_KIND_YAML = `
id: alla_fragetyper
title: { sv: Uppföljning av årshjulet, en: Follow-up of the annual cycle }
intro: { sv: "{region} vill veta hur årets möten fungerade.", en: "{region} would like to know how this year's meetings worked." }
estimatedMinutes: 4
scales:
  grad:
    options:
      - { code: hog, label: { sv: Hög, en: High } }
      - { code: lag, label: { sv: Låg, en: Low } }
      - { code: vet_ej, label: { sv: Vet ej, en: "Don't know" }, dontKnow: true }
questions:
  - id: deltog
    type: yesno
    required: true
    text: { sv: Deltog er organisation i årets möten?, en: Did your organisation take part in this year's meetings? }
  - id: vilka
    type: multiple
    required: true
    showIf: { question: deltog, anyOf: [ja] }
    text: { sv: Vilka möten deltog ni i?, en: Which meetings did you take part in? }
    options:
      - { code: arbetsmote, label: { sv: Arbetsmötet, en: Working meeting } }
      - { code: arskonferens, label: { sv: Årskonferensen, en: Annual conference } }
      - { code: inget, label: { sv: Inget av dem, en: None }, exclusive: true }
  - id: omdome
    type: matrix
    required: true
    scale: grad
    text: { sv: Hur bedömer ni följande?, en: How do you rate the following? }
    statements:
      - { id: nytta, text: { sv: Nyttan med mötena, en: The usefulness of the meetings } }
      - { id: tydlighet, text: { sv: Tydligheten i inbjudningarna, en: The clarity of the invitations } }
  - id: forslag
    type: text
    multiline: true
    maxLength: 1000
    help: { sv: Skriv gärna konkreta förslag., en: Concrete suggestions are welcome. }
    text: { sv: Vad kan bli bättre?, en: What could be better? }
`;

interface Layer {
  route?: { path: string; methods: Record<string, boolean>; stack: Array<{ handle: { requiredRoles?: string[] } }> };
  handle: { stack?: Layer[] };
}

/** Every route of the app with its methods and whether it carries requireRole (a staff route). */
function routesOf(t: TestApp): Array<{ method: string; path: string; staff: boolean }> {
  const out: Array<{ method: string; path: string; staff: boolean }> = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const staff = layer.route.stack.some((l) => Array.isArray(l.handle.requiredRoles));
        for (const m of Object.keys(layer.route.methods)) out.push({ method: m.toUpperCase(), path: layer.route.path, staff });
      } else if (layer.handle.stack) walk(layer.handle.stack);
    }
  };
  walk((t.app as unknown as { router: { stack: Layer[] } }).router.stack);
  return out;
}

describeWithService(
  'Chromium',
  chromiumPath() !== null,
  'install Debian package "chromium" or set CHROMIUM_PATH',
  'every page passes axe (WCAG 2.1 AA) with realistic data',
  () => {
    let t: TestApp;
    let browser: Browser;
    let server: Server;
    let base: string;
    let staff: { context: BrowserContext; page: Page };
    let actor: Actor;
    const ids = {} as {
      panel: number;
      round: number;
      draftRound: number;
      closedRound: number;
      organisations: number[];
      contact: number;
      meeting: number;
      emlFile: string;
      version: number;
      draft: number;
      testAnswer: number;
    };
    const tokens = {} as {
      submitted: string;
      draft: string;
      fresh: string;
      closed: string;
      notOpen: string;
      optOut: string;
      checkin: string;
      everyKind: string;
      test: string;
      swedishOnly: string;
    };

    /** Axe on the page that is open now, and the house rules; returns "label: problem" lines. */
    async function check(page: Page, label: string, lang: 'sv' | 'en' = 'sv'): Promise<string[]> {
      const found = [...(await axeViolations(page)), ...(await page.evaluate<string[]>(HOUSE_RULES))];
      // the page's language is the visitor's interface language (WCAG 3.1.1), whatever the page is about
      const pageLang = await page.locator('html').getAttribute('lang');
      if ((await page.locator('main#main').count()) > 0 && pageLang !== lang)
        found.push(`the page says lang="${pageLang}", the visitor reads ${lang}`);
      return found.map((v) => `${label}: ${v}`);
    }

    async function visit(page: Page, url: string): Promise<PwResponse> {
      const res = await page.goto(base + url);
      if (!res) throw new Error(`no response for ${url}`);
      return res;
    }

    /** Answers over HTTP the way a respondent's browser does: the form, then its POST. */
    async function answer(token: string, action: 'submit' | 'save', fields: Record<string, string>): Promise<void> {
      const agent = request.agent(t.app);
      const form = await agent.get(`/s/${token}/svar`).expect(200);
      const version = /name="_version" value="(\d+)"/.exec(form.text)![1];
      const res = await agent
        .post(`/s/${token}/svar`)
        .type('form')
        .send({ _csrf: csrfFrom(form.text), _version: version, _action: action, ...fields });
      if (res.status !== 303) throw new Error(`answering failed: ${res.status}`);
    }

    beforeAll(async () => {
      // No SMTP_URL: messages are written as .eml files (so the outbox lists files too).
      // a single sign-on button on the login page (its issuer does not answer: the failure page is checked too)
      t = await startTestApp({
        OIDC_PROVIDERS: 'region',
        OIDC_REGION_ISSUER: 'http://127.0.0.1:9',
        OIDC_REGION_CLIENT_ID: 'partnerpuls',
        OIDC_REGION_CLIENT_SECRET: 'hemligt',
        OIDC_REGION_LABEL: 'Regionens inloggning (SITHS eID)',
      });
      const { db } = t.deps;
      await syncIndicatorsFromFiles(t.deps);
      const admin = await createUser(t.deps, 'admin', 'ada.admin@region.example.se');
      actor = { userId: admin.id, label: 'user' };
      await createUser(t.deps, 'coordinator', 'sam.samordnare@region.example.se');
      await createUser(t.deps, 'analyst', 'alva.analytiker@region.example.se');

      // The partnership: 8 organisations with two contacts each, and some that cannot be reached
      const names = [
        'Karlstads kommun',
        'Länsstyrelsen i Exempellän',
        'Exempelhögskolan',
        'Almi Företagspartner Exempel',
        'Exempels folkhögskola',
        'Arvika kommun',
        'Handelskammaren Exempel',
        'Kils kommun',
      ];
      ids.organisations = [];
      for (let i = 0; i < names.length; i++) {
        const org = await createOrganisation(db, { name: names[i], type: TYPES[i], municipality: i === 5 ? 'Arvika' : 'Karlstad' });
        ids.organisations.push(org);
        await createContact(db, org, {
          name: `Kontakt ${i + 1}A`,
          email: `kontakt${i + 1}a@org${i + 1}.example.se`,
          phone: '054-10 00 00',
        });
        await createContact(db, org, { name: `Kontakt ${i + 1}B`, email: `kontakt${i + 1}b@org${i + 1}.example.se` });
      }
      ids.contact = await createContact(db, ids.organisations[0], { name: 'Avregistrerad Person', email: 'avregistrerad@org1.example.se' });
      await db('contacts').where({ id: ids.contact }).update({ opted_out_at: nowIso() });
      const bounced = await createContact(db, ids.organisations[1], { name: 'Studsad Person', email: 'studsad@org2.example.se' });
      await db('contacts').where({ id: bounced }).update({ bounced_at: nowIso(), bounce_reason: '550 5.1.1 mailbox unavailable' });
      await createContact(db, ids.organisations[2], { name: 'Utan Adress', email: 'inte-en-adress' });
      ids.panel = await createPanel(db, ids.organisations, YEAR, 'partnerskapet');
      await createPanel(db, ids.organisations, YEAR - 1, 'foretagsframjande');

      // The open round with invitations sent and delivered (as .eml files)
      ids.round = await createRound(db, { year: YEAR, panelId: ids.panel, state: 'oppen' });
      await sendInvitations(t.deps, actor, ids.round, { organisationIds: null, locale: 'sv' });
      await drainAll(t);
      const files = await t.deps.mailer.listFiles!(100);
      ids.emlFile = files[0].name;
      const links = new Map<string, { respond: string; optOut: string }>();
      for (const f of files) {
        const m = parseMessage((await t.deps.mailer.readFile!(f.name))!);
        const respond = /\/s\/([A-Za-z0-9_-]{43})/.exec(m.text)?.[1];
        const optOut = /\/avregistrera\/([A-Za-z0-9_-]{43})/.exec(m.text)?.[1];
        if (respond && optOut) links.set(m.headers['to'].replace(/^.*<|>.*$/g, ''), { respond, optOut });
      }
      const linkOf = (address: string) => {
        const l = links.get(address);
        if (!l) throw new Error(`no e-mail file for ${address} (have ${[...links.keys()].join(', ')})`);
        return l;
      };
      tokens.submitted = linkOf('kontakt1a@org1.example.se').respond;
      tokens.draft = linkOf('kontakt2a@org2.example.se').respond;
      tokens.fresh = linkOf('kontakt3a@org3.example.se').respond;
      tokens.optOut = linkOf('kontakt4a@org4.example.se').optOut;

      // Answers given the way respondents give them (over HTTP): submitted, and a draft
      await answer(tokens.submitted, 'submit', {
        rus_planering: 'hog',
        rus_statistik: 'viss_del',
        kommentar_rus: 'Strategin är en del av vår <em>verksamhetsplan</em>.',
        fortroende_rua: 'hogt',
        kommentar_rua: '',
      });
      await answer(tokens.draft, 'save', { rus_planering: 'liten', kommentar_rus: 'Utkast' });
      for (const [i, codes] of [
        [3, ['mycket_hog', 'hog', 'varken']],
        [4, ['viss_del', 'hog', 'lagt']],
        [5, ['vet_ej', 'liten', 'vet_ej']],
      ] as const) {
        const token = linkOf(`kontakt${i + 1}a@org${i + 1}.example.se`).respond;
        await answer(token, 'submit', { rus_planering: codes[0], rus_statistik: codes[1], fortroende_rua: codes[2] });
      }

      // Last year's figures from the earlier tool, then the year published, then one more answer
      // (so the table shows "differs from published")
      await importValues(
        db,
        actor,
        Buffer.from(
          `indicator;year;value;numerator;denominator;source;comment\nfortroende_rua;${YEAR - 1};;8;14;Verksamhetsberättelse ${YEAR - 1};\nrus_i_verksamhetsplan;${YEAR - 1};;11;15;Verksamhetsberättelse ${YEAR - 1};Exempel\nrus_statistik_anvandning;${YEAR - 1};71,4;;;Verksamhetsberättelse ${YEAR - 1};\n`,
          'utf8',
        ),
      );
      await publishYear(db, actor, YEAR, placeholderValues(t.deps.config), 'Första publiceringen');
      await answer(linkOf('kontakt7a@org7.example.se').respond, 'submit', {
        rus_planering: 'inte_alls',
        rus_statistik: 'inte_alls',
        fortroende_rua: 'inget',
      });

      // A draft round, a closed round with a link, and a round that has not opened yet
      ids.draftRound = await createRound(db, { surveyId: 'foretagsframjande', year: YEAR, panelId: ids.panel, state: 'utkast' });
      ids.closedRound = await createRound(db, { surveyId: 'arshjulet', year: YEAR, panelId: ids.panel, state: 'oppen' });
      tokens.closed = await manualLink(db, actor, ids.closedRound, ids.organisations[0]);
      await closeRound(db, actor, ids.closedRound);
      const later = await createRound(db, {
        surveyId: 'arshjulet',
        year: YEAR - 1,
        panelId: ids.panel,
        state: 'oppen',
        opensAt: new Date(Date.now() + 5 * 86400_000).toISOString(),
      });
      await db('panel_memberships').insert(ids.organisations.map((o) => ({ panel_id: ids.panel, organisation_id: o, year: YEAR - 1 })));
      tokens.notOpen = await manualLink(db, actor, later, ids.organisations[0]);
      const everyKind = await createRound(db, {
        survey: surveyFromYaml(EVERY_KIND_YAML, 'alla.yaml'),
        year: YEAR,
        panelId: ids.panel,
        state: 'oppen',
      });
      tokens.everyKind = await issueToken(db, await ensureInvitation(db, everyKind, ids.organisations[0]), null, TEST_LINK_CAUSE);

      // The survey editor: a draft of a new version from this year's version; a round's test link
      // with one test answer; a round of a survey in Swedish only
      ids.version = Number((await db('rounds').where({ id: ids.round }).first())!.survey_version_id);
      ids.draft = await startDraftFromVersion(db, actor, ids.version);
      const testUrl = await createTestLink(db, t.deps.config, actor, ids.draftRound);
      tokens.test = testUrl.split('/s/test/')[1];
      const testCtx = (await testContext(db, tokens.test))!;
      ids.testAnswer = await submitTestAnswers(db, t.deps.config, testCtx, { tydlig_roll_rua: 'hog' }, 'sv');
      const swedishOnly = await createRound(db, {
        survey: surveyFromYaml(SWEDISH_ONLY_YAML, 'bara-svenska.yaml'),
        year: YEAR,
        panelId: ids.panel,
        state: 'oppen',
      });
      tokens.swedishOnly = await issueToken(db, await ensureInvitation(db, swedishOnly, ids.organisations[0]), null, TEST_LINK_CAUSE);

      // An årshjul meeting with attendance and a check-in link
      ids.meeting = await createMeeting(db, actor, {
        type: 'arbetsmote',
        heldOn: `${YEAR}-03-14`,
        place: 'Karlstad, Residenset',
        panelId: String(ids.panel),
      });
      await setAttendance(db, actor, ids.meeting, ids.organisations.slice(0, 5).map(String));
      tokens.checkin = await createCheckinLink(db, actor, ids.meeting);

      ({ server, baseUrl: base } = await listen(t));
      browser = await launchBrowser();
      staff = await loggedInContext(browser, base, 'ada.admin@region.example.se');
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      if (server) await new Promise((r) => server.close(r));
      await t?.close();
    });

    /** A real value for each route parameter, by route. */
    function substitute(path: string): string {
      const special: Record<string, string> = {
        '/rounds/:id/redigera': `/rounds/${ids.draftRound}/redigera`,
        '/rounds/:id/ateroppna': `/rounds/${ids.closedRound}/ateroppna`,
        '/rounds/:id/svar/:organisationId': `/rounds/${ids.round}/svar/${ids.organisations[0]}`,
        '/rounds/:id/testsvar': `/rounds/${ids.draftRound}/testsvar`,
        '/outbox/files/:name': `/outbox/files/${encodeURIComponent(ids.emlFile)}`,
        '/rapport/:year/diagram/:file': `/rapport/${YEAR}/diagram/fortroende_rua.svg`,
      };
      if (special[path]) return special[path];
      const byArea: Record<string, string> = {
        organisations: String(ids.organisations[0]),
        contacts: String(ids.contact),
        panels: String(ids.panel),
        rounds: String(ids.round),
        meetings: String(ids.meeting),
        indicators: 'fortroende_rua',
      };
      const area = path.split('/')[1];
      return path
        .replace(':id', byArea[area] ?? ':id')
        .replace(':kind', 'invitation')
        .replace(':locale', 'sv')
        .replace(':surveyId', 'partnerskapsenkat')
        .replace(':versionId', String(ids.version))
        .replace(':draftId', String(ids.draft))
        .replace(':year', String(YEAR));
    }

    // The staff GET pages found in the router, one test per area (the whole sweep in one test ran
    // at the edge of its timeout). The last test makes sure no area is left out.
    const STAFF_AREAS = [
      'organisations',
      'contacts',
      'panels',
      'rounds',
      'outbox',
      'indicators',
      'rapport',
      'meetings',
      'surveys',
      'admin',
    ];
    const areaOf = (routePath: string) => {
      const first = routePath.split('/')[1] ?? '';
      return STAFF_AREAS.includes(first) ? first : 'other';
    };
    const staffGets = () => routesOf(t).filter((r) => r.staff && r.method === 'GET');
    const downloads: string[] = [];
    const checked: string[] = [];

    async function sweep(routes: Array<{ path: string }>): Promise<string[]> {
      const page = staff.page;
      const problems: string[] = [];
      for (const r of routes) {
        const url = substitute(r.path);
        expect([r.path, url.includes(':')]).toEqual([r.path, false]);
        // Downloads (CSV/JSON/XLSX/DOCX/PDF/SVG/PNG/CSS) are skipped by content type — ask first, so the browser does not download.
        const head = await staff.context.request.get(base + url, { maxRedirects: 0 });
        const contentType = head.headers()['content-type'] ?? '';
        const attachment = /attachment/.test(head.headers()['content-disposition'] ?? '');
        const redirect = head.status() >= 300 && head.status() < 400; // e.g. /rapport → /rapport/2025: check where it leads
        if (!redirect && (!contentType.startsWith('text/html') || attachment)) {
          downloads.push(`${r.path} (${contentType})`);
          continue;
        }
        const res = await visit(page, url);
        expect([url, res.status()]).toEqual([url, 200]);
        problems.push(...(await check(page, url)));
        checked.push(r.path);
      }
      return problems;
    }

    for (const area of [...STAFF_AREAS, 'other']) {
      it(`every staff GET page of ${area === 'other' ? 'the start page and the rest' : '/' + area}`, async () => {
        const routes = staffGets().filter((r) => areaOf(r.path) === area);
        expect(await sweep(routes)).toEqual([]);
      }, 120_000);
    }

    it('the sweep reached every staff GET page, and skipped only downloads (CSV, JSON, YAML, XLSX, Word, PDF, SVG, PNG, CSS)', () => {
      const all = staffGets();
      expect(all.length).toBeGreaterThan(30);
      expect([...checked, ...downloads.map((d) => d.split(' ')[0])].sort()).toEqual(all.map((r) => r.path).sort());
      expect(
        downloads.filter(
          (d) =>
            !/text\/csv|application\/json|application\/yaml|spreadsheetml|wordprocessingml|application\/pdf|image\/svg|image\/png|text\/css|text\/html/.test(
              d,
            ),
        ),
      ).toEqual([]);
      expect(checked.length).toBeGreaterThan(25);
    });

    it('staff pages reached with a query: the round form filled in from last year', async () => {
      const page = staff.page;
      const url = `/rounds/ny?fran=${ids.closedRound}`;
      const res = await visit(page, url);
      expect([url, res.status()]).toEqual([url, 200]);
      expect(await page.locator('#from-last-year-summary').count()).toBe(1);
      expect(await check(page, url)).toEqual([]);
    });

    it('staff pages that a POST shows: forms with errors, import previews with problems, one-time links', async () => {
      const page = staff.page;
      const problems: string[] = [];
      const upload = async (url: string, file: string, before?: () => Promise<void>) => {
        await visit(page, url);
        await page.setInputFiles('#field-file', { name: 'fil.csv', mimeType: 'text/csv', buffer: Buffer.from(file, 'utf8') });
        if (before) await before();
        await andWait(page, () => page.click('main form[enctype="multipart/form-data"] button[type=submit]'));
      };

      // register import: a file with problems on several rows, then a clean file
      await upload(
        '/organisations/import',
        'namn;organisationsnummer;typ;kommun;kontaktperson;e-post\n;;kommun;Karlstad;Anna;anna@example.se\nNy AB;123456-7890;okänd typ;Karlstad;Bo;inte-en-adress\n=HYPERLINK("x");;kommun;Kil;Cia;cia@example.se\n',
      );
      expect(await page.locator('.error-summary').count()).toBe(1);
      problems.push(...(await check(page, 'register import preview with problems')));
      await upload(
        '/organisations/import',
        'namn;typ;kommun;kontaktperson;e-post\nNy förening;civilsamhalle;Karlstad;Dora Dahl;dora@forening.example.se\n',
        async () => {
          await page.selectOption('#field-panel', { index: 1 });
        },
      );
      expect(await page.locator('button:has-text("Bekräfta och läs in")').count()).toBe(1);
      problems.push(...(await check(page, 'register import preview')));
      await andWait(page, () => page.click('button:has-text("Avbryt")'));
      problems.push(...(await check(page, 'register import cancelled')));

      // earlier answers: with problems, then a clean preview
      await upload(
        '/rounds/import',
        `organisation;rus_planering;rus_statistik;fortroende_rua\nFinns inte AB;hog;hog;hogt\nKarlstads kommun;fel kod;hog;hogt\n`,
        async () => {
          await page.selectOption('#field-survey', 'partnerskapsenkat');
          await page.fill('#field-year', String(YEAR - 3));
        },
      );
      expect(await page.locator('.notice-error').count()).toBe(1);
      problems.push(...(await check(page, 'response import with problems')));
      await upload(
        '/rounds/import',
        `organisation;rus_planering;rus_statistik;fortroende_rua\nKarlstads kommun;hog;hog;hogt\nArvika kommun;I hög utsträckning;Inte alls;Vet ej\n`,
        async () => {
          await page.selectOption('#field-survey', 'partnerskapsenkat');
          await page.fill('#field-year', String(YEAR - 3));
        },
      );
      expect(await page.locator('button:has-text("Importera 2 svar")').count()).toBe(1);
      problems.push(...(await check(page, 'response import preview')));

      // historical indicator values with problems
      await upload(
        '/indicators/import',
        'indicator;year;value;numerator;denominator;source\nfinns_inte;2021;50;;;Rapport\nfortroende_rua;2022;;9;7;Rapport\nfortroende_rua;1900;;;;\n',
      );
      expect(await page.locator('.error-summary').count()).toBe(1);
      problems.push(...(await check(page, 'indicator import with problems')));

      // a survey file that is not valid
      await upload('/surveys', 'id: trasig\ntitle: { sv: Trasig }\nquestions:\n  - id: a\n    type: okand\n');
      expect(await page.locator('.error-summary, .notice-error').count()).toBeGreaterThan(0);
      problems.push(...(await check(page, 'survey upload with problems')));

      // forms submitted empty or wrong
      const submitEmpty = async (url: string, button: string, label: string) => {
        await visit(page, url);
        await andWait(page, () => page.click(button));
        expect([label, await page.locator('.error-summary').count()]).toEqual([label, 1]);
        problems.push(...(await check(page, label)));
      };
      await submitEmpty('/organisations/new', 'main button[type=submit]', 'new organisation with errors');
      await submitEmpty(`/organisations/${ids.organisations[0]}/contacts/new`, 'main button[type=submit]', 'new contact with errors');
      await submitEmpty('/panels', 'button:has-text("Skapa panelen")', 'new panel with errors');
      await submitEmpty('/rounds/ny', 'button:has-text("Skapa omgången")', 'new round with errors');
      await submitEmpty('/meetings', 'button:has-text("Registrera mötet")', 'new meeting with errors');
      await submitEmpty(`/rounds/${ids.closedRound}/ateroppna`, 'main button[type=submit]', 'reopen without a reason');
      await submitEmpty('/admin/users', 'button:has-text("Skapa konto")', 'new account with errors');

      await visit(page, `/rounds/${ids.round}/mail/templates/invitation/sv`);
      await page.fill('#field-body', 'Hej {{okand_platshallare}} och {{#if}}');
      await andWait(page, () => page.click('button:has-text("Spara mallen")'));
      expect(await page.locator('.error-summary').count()).toBe(1);
      problems.push(...(await check(page, 'template editor with errors')));
      await visit(page, `/rounds/${ids.round}/mail/templates/reminder/en`);
      await andWait(page, () => page.click('button:has-text("Förhandsvisa utan att spara")'));
      problems.push(...(await check(page, 'template editor preview')));

      await visit(page, `/rounds/${ids.round}/mail/send`);
      await page.check('#scope-chosen');
      await andWait(page, () => page.click('form button:has-text("Skicka inbjudningar")'));
      expect(await page.locator('.error-summary').count()).toBe(1);
      problems.push(...(await check(page, 'send invitations without a choice')));

      await visit(page, `/indicators/fortroende_rua?year=${YEAR}`);
      await page.fill('#field-target', '140');
      await andWait(page, () => page.click('button:has-text("Spara målvärdet")'));
      expect(await page.locator('.error-summary').count()).toBe(1);
      problems.push(...(await check(page, 'indicator target out of range')));
      await visit(page, `/indicators?year=${YEAR}`);
      await andWait(page, () => page.click(`button:has-text("Publicera ${YEAR} igen")`));
      expect(await page.locator('.error-summary').count()).toBe(1);
      problems.push(...(await check(page, 'republish without a reason')));

      // one-time links
      await visit(page, `/rounds/${ids.round}`);
      await andWait(page, () => page.locator('form[action$="/lank"] button').first().click());
      expect(await page.locator('code.copyable').count()).toBe(1);
      problems.push(...(await check(page, 'round with a personal link shown once')));
      await visit(page, `/meetings/${ids.meeting}`);
      await andWait(page, () => page.click('button:has-text("Skapa ny incheckningslänk")'));
      expect(await page.locator('figure.qr svg').count()).toBe(1);
      problems.push(...(await check(page, 'meeting with a check-in link and QR code')));
      tokens.checkin = (await page.locator('code.copyable').innerText()).split('/incheckning/')[1];

      // a page in English
      await visit(page, `/indicators?year=${YEAR}`);
      await andWait(page, () => page.click('button:has-text("In English")'));
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      problems.push(...(await check(page, 'indicator table in English', 'en')));
      await andWait(page, () => page.click('button:has-text("På svenska")'));

      expect(problems).toEqual([]);
    });

    it("a round's results narrowed to a group (figures hidden, with the reason), to an unknown group, and in English", async () => {
      const page = staff.page;
      const problems: string[] = [];
      await visit(page, `/rounds/${ids.round}/resultat?urval=typ:kommun`);
      expect(await page.locator('.hidden-cell').count()).toBeGreaterThan(0);
      problems.push(...(await check(page, 'results narrowed to a small group')));
      await visit(page, `/rounds/${ids.round}/resultat?urval=typ:finns_inte`);
      expect(await page.locator('.error-summary').count()).toBe(1);
      problems.push(...(await check(page, 'results with an unknown group')));
      await visit(page, `/rounds/${ids.round}/resultat`);
      await andWait(page, () => page.click('button:has-text("In English")'));
      problems.push(...(await check(page, 'results in English', 'en')));
      await andWait(page, () => page.click('button:has-text("På svenska")'));
      expect(problems).toEqual([]);
    });

    it("the survey editor's pages that a POST shows: every problem at once, an unsaved change, a guarded change, a preview", async () => {
      const page = staff.page;
      const problems: string[] = [];
      const editor = `/surveys/utkast/${ids.draft}`;
      const save = () => andWait(page, () => page.locator('form.editor button[value=save]').first().click());
      await visit(page, editor);
      await page.fill('#field-questions-0-text-sv', '');
      await page.fill('#field-estimatedMinutes', 'fem');
      await save();
      expect(await page.locator('.error-summary li').count()).toBe(2);
      problems.push(...(await check(page, 'survey editor with every problem at once')));
      await andWait(page, () => page.click('.error-summary a >> nth=1'));
      expect(await hasFocus(page, '#field-questions-0-text-sv')).toBe(true);
      await andWait(page, () => page.click('#questions-1 button[value="up:questions:1"]'));
      expect(await page.locator('#unsaved').count()).toBe(1);
      problems.push(...(await check(page, 'survey editor after moving a question, not saved')));
      // an option an indicator counts: the explicit choice beside the field
      await visit(page, editor);
      await page.fill('#field-scales-1-options-1-label-sv', 'Ganska högt förtroende');
      await save();
      expect(await page.locator('#scales-1-options-1 input[name=_confirm]').count()).toBe(1);
      problems.push(...(await check(page, 'survey editor with a changed option an indicator counts')));
      // a question with answers removed: the choice listed on its own
      await visit(page, editor);
      await andWait(page, () => page.click('#questions-2 button[value="remove:questions:2"]'));
      await save();
      expect(await page.locator('#borttaget').count()).toBe(1);
      problems.push(...(await check(page, 'survey editor with a removed question to confirm')));
      await visit(page, `${editor}/indikatorer`);
      await page.fill('#field-indicators-0-target', '140');
      await save();
      expect(await page.locator('.error-summary li').count()).toBe(1);
      problems.push(...(await check(page, 'indicator editor with a problem')));
      await visit(page, `${editor}/andringar`);
      await andWait(page, () => page.click('button:has-text("Markera som klar")'));
      expect(await page.locator('.error-summary li').count()).toBe(1); // nothing changed yet
      problems.push(...(await check(page, 'a draft without changes marked ready')));
      await visit(page, '/surveys/ny');
      await andWait(page, () => page.click('button:has-text("Skapa utkastet")'));
      expect(await page.locator('.error-summary li').count()).toBeGreaterThan(1);
      problems.push(...(await check(page, 'new survey with errors')));
      // the preview: answers checked, and in English
      await visit(page, `/surveys/versioner/${ids.version}/forhandsvisning`);
      await andWait(page, () => page.click('button[value=submit]'));
      expect(await page.locator('.error-summary li').count()).toBe(3);
      problems.push(...(await check(page, 'preview with errors')));
      await visit(page, `/surveys/versioner/${ids.version}/forhandsvisning?sprak=en`);
      problems.push(...(await check(page, 'preview in English', 'en')));
      // a round's test link, shown once
      await visit(page, `/rounds/${ids.round}`);
      await andWait(page, () => page.click('button:has-text("Skapa testlänk")'));
      expect(await page.locator('#test-link code').count()).toBe(1);
      problems.push(...(await check(page, 'test link shown once')));
      expect(problems).toEqual([]);
    });

    it('the pages a respondent, a contact or a meeting attendee reaches by link (on a phone-sized screen)', async () => {
      // People open these links from an e-mail or a QR code, often on a phone: checked at 375 px,
      // where nothing may need sideways scrolling either.
      const context = await browser.newContext({ viewport: { width: 375, height: 667 } });
      const page = await context.newPage();
      const problems: string[] = [];
      const checkPhone = async (label: string, lang: 'sv' | 'en' = 'sv') => {
        const found = await check(page, label, lang);
        const widths = await page.evaluate<{ scroll: number; viewport: number }>(
          '({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth })',
        );
        if (widths.scroll > widths.viewport)
          found.push(`${label}: ${widths.scroll} px wide on a ${widths.viewport} px screen (sideways scrolling)`);
        return found;
      };
      const at = async (url: string, label: string, status = 200) => {
        const res = await visit(page, url);
        expect([label, res.status()]).toEqual([label, status]);
        problems.push(...(await checkPhone(label)));
      };
      await at(`/s/${tokens.fresh}`, 'start page');
      await at(`/s/${tokens.fresh}/svar`, 'empty form');
      await andWait(page, () => page.click('button[value=submit]'));
      expect(await page.locator('.error-summary li').count()).toBe(3);
      problems.push(...(await checkPhone('form with errors')));
      await at(`/s/${tokens.everyKind}/svar`, 'form with every kind of question');
      await page.check('#field-deltog');
      await page.check('#field-omdome\\.nytta');
      await andWait(page, () => page.click('button[value=submit]'));
      expect(await page.locator('.error-summary li').count()).toBe(2);
      problems.push(...(await checkPhone('form with every kind of question, with errors')));
      await at(`/s/${tokens.draft}`, 'start page with a draft');
      await at(`/s/${tokens.draft}/svar`, 'form with a draft');
      await andWait(page, () => page.click('button[value=save]'));
      problems.push(...(await checkPhone('draft saved')));
      // a colleague saves while this form is open: the stale form is not saved over theirs
      await answer(tokens.draft, 'save', { rus_planering: 'hog', kommentar_rus: 'Kollegans utkast' });
      await page.check('#field-rus_statistik-inte_alls');
      await andWait(page, () => page.click('button[value=save]'));
      expect(await page.locator('main').innerText()).toContain('Dina svar som inte sparades');
      expect(await hasFocus(page, '#konflikt')).toBe(true); // the explanation takes the focus, like an error summary
      problems.push(...(await checkPhone('a newer draft saved by someone else')));
      await at(`/s/${tokens.submitted}`, 'start page after submitting');
      await at(`/s/${tokens.submitted}/kvitto`, 'receipt');
      await at(`/s/${tokens.submitted}/svar`, 'changing a submitted answer');
      await at(`/s/${tokens.closed}`, 'closed round', 200);
      await at(`/s/${tokens.notOpen}`, 'round not open yet', 200);
      await at('/s/det-har-ar-ingen-giltig-lank', 'invalid link', 404);
      await at(`/avregistrera/${tokens.optOut}`, 'opt-out confirmation');
      await andWait(page, () => page.click('button:has-text("Ja, avregistrera mig")'));
      expect(await page.locator('h1').innerText()).toBe('Du är avregistrerad');
      problems.push(...(await checkPhone('opted out')));
      await at(`/avregistrera/${tokens.optOut}`, 'opt-out when already opted out');
      await at('/avregistrera/ogiltig', 'opt-out invalid link', 404);
      await at(`/incheckning/${tokens.checkin}`, 'check-in');
      await andWait(page, () => page.click('button:has-text("Checka in")'));
      expect(await page.locator('.error-summary').count()).toBe(1);
      problems.push(...(await checkPhone('check-in without a choice')));
      await page.selectOption('#field-organisation', { index: 6 });
      await andWait(page, () => page.click('button:has-text("Checka in")'));
      expect(await page.locator('h1').innerText()).toBe('Tack!');
      problems.push(...(await checkPhone('checked in')));
      await at('/incheckning/ogiltig', 'check-in invalid link', 404);
      // a round's test link: the form, with errors, the receipt; a survey in Swedish only
      await at(`/s/test/${tokens.test}`, 'test link form');
      await andWait(page, () => page.click('button[value=submit]'));
      expect(await page.locator('.error-summary li').count()).toBe(1);
      problems.push(...(await checkPhone('test link form with errors')));
      await at(`/s/test/${tokens.test}/kvitto/${ids.testAnswer}`, 'test answer receipt');
      await at(`/s/${tokens.swedishOnly}/svar`, 'form of a survey in Swedish only');
      expect(await page.locator('form.lang-switch').count()).toBe(0);
      // the public pages of the foundation
      await at('/login', 'login');
      await at('/tillganglighet', 'accessibility statement');
      await at('/finns-inte', 'not found', 404);
      // the respondent's form in English
      await visit(page, `/s/${tokens.fresh}/svar`);
      await andWait(page, () => page.click('button:has-text("In English")'));
      expect(await page.locator('html').getAttribute('lang')).toBe('en');
      problems.push(...(await checkPhone('form in English', 'en')));
      await andWait(page, () => page.click('button[value=submit]'));
      // the messages too are in the respondent's language
      expect(await page.locator('.error-summary').innerText()).toContain('Choose an answer to question 1.');
      problems.push(...(await checkPhone('form with errors in English', 'en')));
      await context.close();
      expect(problems).toEqual([]);
    });

    it('the sign-in pages: single sign-on, the second step, enrolment, recovery codes, own password', async () => {
      const problems: string[] = [];
      const context = await browser.newContext();
      const page = await context.newPage();
      await visit(page, '/login');
      expect(await page.locator('.sso-buttons button').count()).toBe(1);
      problems.push(...(await check(page, 'login with a single sign-on button')));
      await andWait(page, () => page.click('.sso-buttons button'));
      expect(await page.locator('h1').innerText()).toBe('Inloggningen misslyckades');
      problems.push(...(await check(page, 'single sign-on failed')));
      await context.close();

      // a coordinator turns on two-factor …
      const email = 'tina.tvasteg@region.example.se';
      await createUser(t.deps, 'coordinator', email);
      const own = await loggedInContext(browser, base, email);
      await visit(own.page, '/konto/losenord');
      await andWait(own.page, () => own.page.click('main button[type=submit]'));
      expect(await own.page.locator('.error-summary').count()).toBe(1);
      problems.push(...(await check(own.page, 'change password with errors')));
      await visit(own.page, '/konto/tvastegs');
      const secret = (await own.page.locator('.totp-secret').innerText()).replace(/\s/g, '');
      await own.page.fill('#field-code', '000000');
      await andWait(own.page, () => own.page.click('main button[type=submit]'));
      problems.push(...(await check(own.page, 'two-factor enrolment with a wrong code')));
      await own.page.fill('#field-code', await generate({ secret }));
      await andWait(own.page, () => own.page.click('main button[type=submit]'));
      expect(await own.page.locator('.recovery-codes code').count()).toBe(10);
      problems.push(...(await check(own.page, 'recovery codes shown once')));
      await visit(own.page, '/konto/tvastegs');
      problems.push(...(await check(own.page, 'two-factor status')));
      await own.context.close();

      // … and signs in with a code
      const next = await browser.newContext();
      const signIn = await next.newPage();
      await visit(signIn, '/login');
      await signIn.fill('#field-email', email);
      await signIn.fill('#field-password', TEST_PASSWORD);
      await andWait(signIn, () => signIn.click('main form[action="/login"] button[type=submit]'));
      expect(await signIn.locator('#field-code').count()).toBe(1);
      problems.push(...(await check(signIn, 'two-factor code')));
      await signIn.fill('#field-code', '000000');
      await andWait(signIn, () => signIn.click('main button[type=submit]'));
      expect(await signIn.locator('.error-summary').count()).toBe(1);
      problems.push(...(await check(signIn, 'two-factor code wrong')));
      await next.close();
      expect(problems).toEqual([]);
    });
  },
);
