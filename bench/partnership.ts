// What the HTTP benchmarks share: the app started as `npm start` runs it (NODE_ENV=production,
// views cached; in this process, without the background workers) on a fresh database, a
// realistic partnership to seed it with, logging in through the real form, and the headers of a
// client behind a TLS-terminating reverse proxy (X-Forwarded-For from 198.18.0.0/15, rotating, so
// the per-address rate limits stay in the path without tripping).
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type express from 'express';
import type { Knex } from 'knex';
import { createApp } from '../server/app';
import { startBackground } from '../server/background';
import { type Config, loadConfig } from '../server/config';
import { createDb, migrateLatest, nowIso, refreshStatistics } from '../server/db';
import { buildDeps, type Deps } from '../server/deps';
import { insertUser } from '../server/repositories/users';
import { hashPassword } from '../server/services/accounts';
import type { RawAnswers } from '../server/services/answers';
import { CLI } from '../server/services/audit';
import { publishYear } from '../server/services/indicator-admin';
import { placeholderValues } from '../server/services/surveys';
import { runResponseImport } from '../server/services/response-import';
import { respondentContext, saveDraft, submitResponse } from '../server/services/responses';
import { createRound, defaultRoundForm, linksForRound, openRound } from '../server/services/rounds';
import { benchDatabase, type BenchDatabase, seededRandom, syntheticOrganisations, syntheticPartnershipAnswers } from './support';

export const ANALYST_EMAIL = 'analytiker@region.example.se';
export const ANALYST_PASSWORD = 'ett riktigt bra lösenord för benchmark';
export const CLIENT_ADDRESSES = 2048;

/** The i-th client address in 198.18.0.0/15 (RFC 2544: reserved for benchmarking). */
export function clientAddress(i: number): string {
  const n = i % (2 * 65536);
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
}

export function proxyHeaders(i: number): Record<string, string> {
  return { 'x-forwarded-for': clientAddress(i), 'x-forwarded-proto': 'https' };
}

export interface Seeded {
  reportYear: number;
  openYear: number;
  organisations: number;
  contacts: number;
  submittedResponses: number;
  answerRows: number;
  meetings: number;
  publishedYears: number[];
  /** One personal link token per organisation of the open round. */
  formTokens: string[];
  openRound: { submitted: number; drafts: number; untouched: number };
}

/** A realistic partnership: the register, history, meetings, publications and an open round. */
export async function seed(deps: Deps, organisations: number, years: number): Promise<Seeded> {
  const { db, config } = deps;
  const rand = seededRandom(20261201);
  const openYear = new Date().getFullYear();
  const firstYear = openYear - years;
  const now = nowIso();

  // Register: organisations with one or two contacts, in the partnership and årshjul panels every year.
  const orgs = syntheticOrganisations(organisations);
  const panelIds: Record<string, number> = {};
  let contacts = 0;
  await db.transaction(async (trx) => {
    for (const [slug, name] of [
      ['partnerskapet', 'Partnerskapet för regional utveckling'],
      ['arshjulet', 'Årshjulets aktörer'],
    ] as const) {
      const [row] = await trx('panels').insert({ slug, name, created_at: now }).returning('id');
      panelIds[slug] = Number(typeof row === 'object' ? row.id : row);
    }
    for (let i = 0; i < orgs.length; i++) {
      const [row] = await trx('organisations')
        .insert({ ...orgs[i], active: true, created_at: now, updated_at: now })
        .returning('id');
      const orgId = Number(typeof row === 'object' ? row.id : row);
      const people = i % 3 === 0 ? 2 : 1;
      for (let k = 0; k < people; k++) {
        await trx('contacts').insert({
          organisation_id: orgId,
          name: `Kontakt ${i + 1}-${k + 1}`,
          email: `kontakt${i + 1}.${k + 1}@org${i + 1}.example.se`,
          role: 'Kontaktperson för partnerskapet',
          active: true,
          created_at: now,
          updated_at: now,
        });
        contacts++;
      }
      for (let y = firstYear; y <= openYear; y++) {
        await trx('panel_memberships').insert([
          { panel_id: panelIds.partnerskapet, organisation_id: orgId, year: y },
          { panel_id: panelIds.arshjulet, organisation_id: orgId, year: y },
        ]);
      }
    }
  });

  // History: each earlier year ~85 % of the organisations answered (imported, as from an earlier tool).
  let submittedResponses = 0;
  for (let y = firstYear; y < openYear; y++) {
    const lines = ['organisation;rus_planering;rus_statistik;kommentar_rus;fortroende_rua;kommentar_rua'];
    for (let i = 0; i < orgs.length; i++) {
      if (rand() > 0.85) continue;
      const a = syntheticPartnershipAnswers(rand, (y - firstYear) / Math.max(1, years - 1));
      const comment = rand() < 0.25 ? 'Strategin används i vår planering men uppföljningen kommer sent på året' : '';
      lines.push([orgs[i].name, a.rus_planering, a.rus_statistik, comment, a.fortroende_rua, ''].join(';'));
    }
    await runResponseImport(db, config, CLI, {
      surveyId: 'partnerskapsenkat',
      year: y,
      panelSlug: 'partnerskapet',
      bytes: Buffer.from(lines.join('\n'), 'utf8'),
    });
    submittedResponses += lines.length - 1;
  }

  // Årshjul: three meetings a year, each attended by most of the panel.
  const members = (
    await db('panel_memberships')
      .where({ panel_id: panelIds.arshjulet, year: firstYear })
      .orderBy('organisation_id')
      .select('organisation_id')
  ).map((r: { organisation_id: number }) => Number(r.organisation_id));
  let meetings = 0;
  await db.transaction(async (trx) => {
    for (let y = firstYear; y < openYear; y++) {
      for (const [type, day] of [
        ['arbetsmote', '03-14'],
        ['riktningsmote', '06-05'],
        ['arskonferens', '10-22'],
      ] as const) {
        const [row] = await trx('meetings')
          .insert({
            panel_id: panelIds.arshjulet,
            year: y,
            type,
            held_on: `${y}-${day}`,
            place: 'Regionens hus, Exempelstad',
            created_at: now,
          })
          .returning('id');
        const meetingId = Number(typeof row === 'object' ? row.id : row);
        const attended = members.filter(() => rand() < 0.8);
        if (attended.length)
          await trx('attendance').insert(
            attended.map((orgId) => ({ meeting_id: meetingId, organisation_id: orgId, source: 'checklist', created_at: now })),
          );
        meetings++;
      }
    }
  });

  // Earlier years are published (frozen); the year before the open one is the year being reported.
  const reportYear = openYear - 1;
  const publishedYears: number[] = [];
  for (let y = firstYear; y < reportYear; y++) {
    await publishYear(db, CLI, String(y), placeholderValues(deps.config), null);
    publishedYears.push(y);
  }

  // This year's round: open, with invitations and a personal link per contact.
  const today = new Date();
  const day = (offset: number) => new Date(today.getTime() + offset * 86400_000).toISOString().slice(0, 10);
  const roundId = await createRound(db, config, CLI, {
    ...defaultRoundForm(today),
    survey: 'file:partnerskapsenkat',
    year: String(openYear),
    panel: String(panelIds.partnerskapet),
    opens_date: day(-7),
    closes_date: day(21),
    contact_name: 'Sam Samordnare',
    contact_email: 'samordnare@region.example.se',
  });
  await openRound(db, config, CLI, roundId);
  const links = await linksForRound(db, roundId);
  const firstLinkOf = new Map<number, string>();
  for (const l of links) if (!firstLinkOf.has(l.organisationId)) firstLinkOf.set(l.organisationId, l.token);
  const formTokens = [...firstLinkOf.values()];
  // A third have answered already, a sixth have saved a draft: the form shows all three states.
  let submitted = 0;
  let drafts = 0;
  for (let i = 0; i < formTokens.length; i++) {
    const kind = i % 6 < 2 ? 'submit' : i % 6 === 2 ? 'draft' : null;
    if (!kind) continue;
    const ctx = await respondentContext(db, formTokens[i]);
    if (!ctx) throw new Error('seeding: a personal link of the open round did not resolve');
    const a = syntheticPartnershipAnswers(rand, 1);
    const raw: RawAnswers =
      kind === 'submit'
        ? { rus_planering: [a.rus_planering], rus_statistik: [a.rus_statistik], fortroende_rua: [a.fortroende_rua] }
        : { rus_planering: [a.rus_planering] };
    if (kind === 'submit') {
      await submitResponse(db, config, ctx, raw, 0);
      submitted++;
    } else {
      await saveDraft(db, config, ctx, raw, 0);
      drafts++;
    }
  }

  const answerRows = Number((await db('answers').count<{ n: number }[]>({ n: '*' }))[0].n);
  return {
    reportYear,
    openYear,
    organisations: orgs.length,
    contacts,
    submittedResponses,
    answerRows,
    meetings,
    publishedYears,
    formTokens,
    openRound: { submitted, drafts, untouched: formTokens.length - submitted - drafts },
  };
}

export function cookiesOf(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]);
}

/** Logs in through the real form (GET /login for the CSRF token, POST /login); returns the session cookie. */
export async function login(baseUrl: string, email: string, password: string): Promise<string> {
  const page = await fetch(`${baseUrl}/login`, { headers: proxyHeaders(0) });
  const html = await page.text();
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#x3D;/g, '=');
  if (page.status !== 200 || !csrf) throw new Error(`GET /login: status ${page.status}, no CSRF token`);
  const res = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...proxyHeaders(0), 'content-type': 'application/x-www-form-urlencoded', cookie: cookiesOf(page).join('; ') },
    body: new URLSearchParams({ _csrf: csrf, email, password }).toString(),
  });
  const sid = cookiesOf(res).find((c) => /^(__Host-)?pp\.sid=/.test(c));
  if (res.status !== 303 || !sid) throw new Error(`POST /login: status ${res.status}${sid ? '' : ', no session cookie'}`);
  return sid;
}

export interface BenchApp {
  deps: Deps;
  db: Knex;
  config: Config;
  database: BenchDatabase;
  /** The express app as createApp made it (not listening). */
  app: express.Express;
  tmp: string;
  /** Closes the database, drops a PostgreSQL database made for the run and removes the temporary folder. */
  close(): Promise<void>;
}

/**
 * The app as `npm start` runs it — NODE_ENV=production (views cached, no stack traces) — on a
 * fresh database (a temporary SQLite file, or a new PostgreSQL database on the `postgresUrl`
 * server), migrated and prepared as server/index.ts does before listening (survey check,
 * indicator sync); no background workers, so the figures measure requests only.
 */
export async function startBenchApp(name: string, postgresUrl: string | undefined, env: Record<string, string> = {}): Promise<BenchApp> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `partnerpuls-bench-${name}-`));
  const database = await benchDatabase(tmp, postgresUrl);
  const config: Config = loadConfig({
    NODE_ENV: 'production',
    DATA_DIR: tmp,
    DATABASE_URL: database.url,
    SURVEYS_DIR: path.resolve(__dirname, '..', 'surveys'),
    BASE_URL: 'https://partnerpuls.bench.example',
    TRUST_PROXY: 'loopback',
    OUTBOX_WORKER: 'false',
    DEMO: 'false',
    LOG_LEVEL: 'silent',
    SESSION_SECRET: 'bench-secret-bench-secret-bench-secret-0000',
    ...env,
  });
  const db: Knex = createDb(config.databaseUrl);
  await migrateLatest(db);
  const deps = buildDeps(config, { db });
  await startBackground.beforeListen(deps);
  return {
    deps,
    db,
    config,
    database,
    app: createApp(deps),
    tmp,
    async close() {
      await new Promise((resolve) => setTimeout(resolve, 300)); // requests cut off by the load generator finish first
      await deps.mailer.close().catch(() => {});
      await db.destroy().catch(() => {});
      await database.drop().catch((e: unknown) => console.error('could not drop the benchmark database:', e));
      fs.rmSync(tmp, { recursive: true, force: true });
    },
  };
}

/** An analyst account for the logged-in targets. */
export async function createAnalyst(db: Knex): Promise<void> {
  await insertUser(db, {
    email: ANALYST_EMAIL,
    name: 'Bench Analytiker',
    role: 'analyst',
    passwordHash: await hashPassword(ANALYST_PASSWORD),
  });
}

/** PostgreSQL plans by statistics that autovacuum refreshes shortly after a bulk load; refresh them now, as a database in use has them. */
/** The planner's statistics after the bulk load, as the app refreshes them after an import. */
export async function analyzeStatistics(db: Knex): Promise<void> {
  await refreshStatistics(db);
}

/** Listens on a free loopback port. */
export async function listen(app: express.Express): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    server.once('listening', () => resolve());
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface OpenRoundSeed {
  roundId: number;
  panelId: number;
  organisationIds: number[];
  year: number;
}

/**
 * A panel of `n` organisations, each with one contact with a valid e-mail address, and an open
 * round of the partnership survey for this year (created and opened through the services, so
 * every organisation is invited; nothing is sent).
 */
export async function seedOpenRound(deps: Deps, n: number, slug = 'bench'): Promise<OpenRoundSeed> {
  const { db, config } = deps;
  const now = nowIso();
  const year = new Date().getFullYear();
  const [panel] = await db('panels')
    .insert({ slug, name: `Benchmarkpanel ${slug}`, created_at: now })
    .returning('id');
  const panelId = Number(typeof panel === 'object' ? panel.id : panel);
  const orgs = syntheticOrganisations(n);
  const organisationIds: number[] = [];
  for (let start = 0; start < n; start += 200) {
    const batch = orgs.slice(start, start + 200);
    await db.transaction(async (trx) => {
      for (const [k, o] of batch.entries()) {
        const [row] = await trx('organisations')
          .insert({ ...o, name: `${o.name} ${slug}`, active: true, created_at: now, updated_at: now })
          .returning('id');
        const id = Number(typeof row === 'object' ? row.id : row);
        organisationIds.push(id);
        const i = start + k + 1;
        await trx('contacts').insert({
          organisation_id: id,
          name: `Kontakt ${i}`,
          email: `kontakt${i}@${slug}.bench.example.se`,
          role: 'Kontaktperson',
          active: true,
          created_at: now,
          updated_at: now,
        });
        await trx('panel_memberships').insert({ panel_id: panelId, organisation_id: id, year });
      }
    });
  }
  const today = new Date();
  const day = (offset: number) => new Date(today.getTime() + offset * 86400_000).toISOString().slice(0, 10);
  const roundId = await createRound(db, config, CLI, {
    ...defaultRoundForm(today),
    survey: 'file:partnerskapsenkat',
    year: String(year),
    panel: String(panelId),
    opens_date: day(-7),
    closes_date: day(21),
    contact_name: 'Sam Samordnare',
    contact_email: 'samordnare@region.example.se',
  });
  await openRound(db, config, CLI, roundId);
  return { roundId, panelId, organisationIds, year };
}

/** One personal link per organisation of the round (for its contact). */
export async function linkPerOrganisation(db: Knex, roundId: number, organisationIds?: number[]): Promise<string[]> {
  const first = new Map<number, string>();
  for (const l of await linksForRound(db, roundId, organisationIds ? { organisationIds } : {}))
    if (!first.has(l.organisationId)) first.set(l.organisationId, l.token);
  return [...first.values()];
}

/** The CSRF cookie and token and the form's version from a respondent form page. */
export function formTokens(res: Response, html: string): { cookie: string; csrf: string; version: string } {
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)?.[1]?.replace(/&#x3D;/g, '=');
  const version = /name="_version" value="(\d+)"/.exec(html)?.[1];
  if (!csrf || version === undefined) throw new Error(`the form has no CSRF token or version (status ${res.status})`);
  return { cookie: cookiesOf(res).join('; '), csrf, version };
}
