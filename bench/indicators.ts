// Indicator computation at scale: 400 organisations × 8 years of the partnership survey
// (partnerskapsenkat), inserted in batches — per year a closed round, an invitation per
// organisation, ~82 % submitted responses, ~5 % drafts (which must not count), a few submitted
// responses without an answer to the trust question, and free-text comments. Then, for the last
// year, the real computation — computeRows() in server/services/indicators.ts, the function
// behind the indicator table, the API and publishing: every active indicator's figure for the
// year and for the year before, grouped counts in the database — is timed against a naive
// in-memory baseline in the same run: load every answer row of the year's round (and of the
// previous year's) into JavaScript and count per option. Both must give the same numerator,
// denominator, Vet ej, unanswered and responded counts (and the same previous-year value);
// a difference is printed loudly and the benchmark exits non-zero.
//
//   npx tsx bench/run.ts indicators [--organisations 400] [--years 8] [--runs 7] [--database postgres://…]
//
// Reports the median (and min/max) milliseconds per computation of each over --runs runs after
// one warm-up, run alternately so load on the machine hits both alike, and the ratio, prints them
// and writes bench/results/indicators-<time>.json. Bounded: organisations ≤ 5000, years ≤ 20,
// runs ≤ 51, a time limit (--timeout, default 300 s); a temporary SQLite database, or a new
// PostgreSQL database made on the --database server for the run and dropped afterwards.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import type { Knex } from 'knex';
import { loadConfig } from '../server/config';
import { createDb, migrateLatest, nowIso, refreshStatistics } from '../server/db';
import { declaredIndicators, syncIndicators } from '../server/services/indicator-sync';
import { computeRows, type IndicatorRow } from '../server/services/indicators';
import { pinSurveyVersion } from '../server/services/survey-versions';
import { placeholderValues } from '../server/services/surveys';
import { loadSurveyDir, type LoadedSurvey } from '../server/surveys/load';
import { resolveQuestionRef, type SurveyIndicator } from '../server/surveys/schema';
import {
  benchDatabase,
  busyNote,
  cpuMark,
  describeMachine,
  intOption,
  loadavg,
  machineInfo,
  otherCores,
  median,
  round1,
  round3,
  seededRandom,
  syntheticOrganisations,
  syntheticPartnershipAnswers,
  writeResult,
} from './support';

const SURVEY_ID = 'partnerskapsenkat';
const CHUNK = 200;

async function insertChunked(db: Knex, table: string, rows: Array<Record<string, unknown>>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await db(table).insert(rows.slice(i, i + CHUNK));
}

export interface SeedSummary {
  organisations: number;
  years: number[];
  invitations: number;
  submitted: number;
  drafts: number;
  withoutTrustAnswer: number;
  answerRows: number;
}

export async function seed(db: Knex, survey: LoadedSurvey, organisations: number, years: number[]): Promise<SeedSummary> {
  const rand = seededRandom(8_400_400);
  const now = nowIso();
  const versionId = await pinSurveyVersion(db, survey);
  const summary: SeedSummary = { organisations, years, invitations: 0, submitted: 0, drafts: 0, withoutTrustAnswer: 0, answerRows: 0 };

  await insertChunked(
    db,
    'organisations',
    syntheticOrganisations(organisations).map((o) => ({ ...o, active: true, created_at: now, updated_at: now })),
  );
  const orgIds = (await db('organisations').orderBy('id').select('id')).map((r: { id: number }) => Number(r.id));
  const [panel] = await db('panels')
    .insert({ slug: 'partnerskapet', name: 'Partnerskapet för regional utveckling', created_at: now })
    .returning('id');
  const panelId = Number(typeof panel === 'object' ? panel.id : panel);
  await insertChunked(
    db,
    'panel_memberships',
    years.flatMap((year) => orgIds.map((id) => ({ panel_id: panelId, organisation_id: id, year }))),
  );

  for (const [k, year] of years.entries()) {
    await db.transaction(async (trx) => {
      const [round] = await trx('rounds')
        .insert({
          survey_version_id: versionId,
          survey_id: SURVEY_ID,
          year,
          panel_id: panelId,
          title: `Partnerskapsenkäten ${year}`,
          state: 'stangd',
          opens_at: `${year}-11-03T07:00:00.000Z`,
          closes_at: `${year}-12-05T16:00:00.000Z`,
          contact_name: 'Sam Samordnare',
          contact_email: 'samordnare@region.example.se',
          created_at: now,
          updated_at: now,
        })
        .returning('id');
      const roundId = Number(typeof round === 'object' ? round.id : round);
      await insertChunked(
        trx,
        'invitations',
        orgIds.map((id) => ({ round_id: roundId, organisation_id: id, invited_at: `${year}-11-03T07:00:00.000Z`, created_at: now })),
      );
      summary.invitations += orgIds.length;

      // Who answered: ~82 % submitted, ~5 % left a draft, the rest nothing.
      const status = new Map<number, 'submitted' | 'draft'>();
      for (const id of orgIds) {
        const r = rand();
        if (r < 0.82) status.set(id, 'submitted');
        else if (r < 0.87) status.set(id, 'draft');
      }
      const submittedAt = `${year}-11-20T10:00:00.000Z`;
      await insertChunked(
        trx,
        'responses',
        [...status].map(([id, s]) => ({
          round_id: roundId,
          organisation_id: id,
          status: s,
          version: s === 'submitted' ? 2 : 1,
          revision: s === 'submitted' ? 1 : 0,
          saved_at: submittedAt,
          started_at: submittedAt,
          submitted_at: s === 'submitted' ? submittedAt : null,
          receipt_code: null,
          source: 'web',
          created_at: now,
          updated_at: now,
        })),
      );
      const responses = await trx('responses').where({ round_id: roundId }).select('id', 'status');
      const answers: Array<Record<string, unknown>> = [];
      for (const r of responses) {
        const a = syntheticPartnershipAnswers(rand, k / Math.max(1, years.length - 1));
        const responseId = Number(r.id);
        const option = (question_id: string, option_code: string) =>
          answers.push({ response_id: responseId, question_id, item_id: '', option_code, text_value: null });
        if (r.status === 'draft') {
          option('rus_planering', a.rus_planering);
          summary.drafts++;
          continue;
        }
        summary.submitted++;
        option('rus_planering', a.rus_planering);
        option('rus_statistik', a.rus_statistik);
        if (rand() < 0.02)
          summary.withoutTrustAnswer++; // e.g. an imported response with the question left blank
        else option('fortroende_rua', a.fortroende_rua);
        if (rand() < 0.2)
          answers.push({
            response_id: responseId,
            question_id: 'kommentar_rus',
            item_id: '',
            option_code: null,
            text_value: 'Strategin används i vår planering men uppföljningen kommer sent på året.',
          });
      }
      await insertChunked(trx, 'answers', answers);
      summary.answerRows += answers.length;
    });
  }
  return summary;
}

interface Figure {
  numerator: number;
  denominator: number;
  dontKnow: number;
  unanswered: number;
  responded: number;
  value: number | null;
}

/**
 * The naive baseline: every answer row of the round into JavaScript, counted per option — one
 * query per year, no grouping in the database. Same rules: submitted responses only, the
 * newest round of the survey and year that is not a draft, Vet ej policy of the indicator.
 */
async function naiveFigures(db: Knex, survey: LoadedSurvey, indicators: SurveyIndicator[], year: number): Promise<Map<string, Figure>> {
  const out = new Map<string, Figure>();
  const round = await db('rounds').where({ survey_id: SURVEY_ID, year }).whereNot('state', 'utkast').orderBy('id', 'desc').first('id');
  if (!round) return out;
  const rows = await db('responses as r')
    .leftJoin('answers as a', 'a.response_id', 'r.id')
    .where('r.round_id', round.id)
    .select<Array<{ response_id: number; status: string; question_id: string | null; item_id: string | null; option_code: string | null }>>(
      'r.id as response_id',
      'r.status',
      'a.question_id',
      'a.item_id',
      'a.option_code',
    );
  const submitted = new Set<number>();
  const codeOf = new Map<string, Map<number, string>>(); // question ref → response → option code
  for (const r of rows) {
    if (r.status !== 'submitted') continue;
    submitted.add(Number(r.response_id));
    if (r.option_code === null || r.question_id === null) continue;
    const ref = r.item_id ? `${r.question_id}.${r.item_id}` : r.question_id;
    let byResponse = codeOf.get(ref);
    if (!byResponse) codeOf.set(ref, (byResponse = new Map<number, string>()));
    byResponse.set(Number(r.response_id), r.option_code);
  }
  for (const ind of indicators) {
    const options = resolveQuestionRef(survey.definition, ind.question)?.options ?? [];
    const dontKnowCodes = new Set(options.filter((o) => o.dontKnow).map((o) => o.code));
    const numeratorCodes = new Set(ind.numerator);
    const counts = new Map<string, number>();
    for (const code of (codeOf.get(ind.question) ?? new Map<number, string>()).values()) counts.set(code, (counts.get(code) ?? 0) + 1);
    let answered = 0;
    let numerator = 0;
    let dontKnow = 0;
    for (const [code, n] of counts) {
      answered += n;
      if (numeratorCodes.has(code)) numerator += n;
      if (dontKnowCodes.has(code)) dontKnow += n;
    }
    const denominator = ind.dontKnowPolicy === 'include' ? answered : answered - dontKnow;
    out.set(ind.id, {
      numerator,
      denominator,
      dontKnow,
      unanswered: submitted.size - answered,
      responded: submitted.size,
      value: denominator > 0 ? (numerator / denominator) * 100 : null,
    });
  }
  return out;
}

/** What computeRows gives for a year, the naive way: the year and the year before, like the real one. */
async function naiveYearAndPrevious(db: Knex, survey: LoadedSurvey, indicators: SurveyIndicator[], year: number) {
  return { current: await naiveFigures(db, survey, indicators, year), previous: await naiveFigures(db, survey, indicators, year - 1) };
}

/** Differences between the real rows and the naive figures, as readable lines (empty = the same). */
function compare(rows: IndicatorRow[], naive: Awaited<ReturnType<typeof naiveYearAndPrevious>>, indicators: SurveyIndicator[]): string[] {
  const problems: string[] = [];
  for (const ind of indicators) {
    const row = rows.find((r) => r.id === ind.id);
    const n = naive.current.get(ind.id);
    if (!row || !n) {
      problems.push(`${ind.id}: ${!row ? 'computeRows has no row' : 'the naive count has no figure'}`);
      continue;
    }
    for (const f of ['numerator', 'denominator', 'dontKnow', 'unanswered', 'responded'] as const) {
      if (row[f] !== n[f]) problems.push(`${ind.id}: ${f} computeRows ${row[f]} ≠ naive ${n[f]}`);
    }
    const prev = naive.previous.get(ind.id)?.value ?? null;
    const same = prev === null || row.previousValue === null ? prev === row.previousValue : Math.abs(prev - row.previousValue) < 1e-9;
    if (!same) problems.push(`${ind.id}: previous year's value computeRows ${row.previousValue} ≠ naive ${prev}`);
  }
  return problems;
}

const ms = (start: number) => performance.now() - start;

export async function runIndicatorsBench(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      organisations: { type: 'string' },
      years: { type: 'string' },
      runs: { type: 'string' },
      database: { type: 'string' },
      timeout: { type: 'string' },
    },
    strict: true,
  });
  const organisations = intOption(values.organisations, 'organisations', 400, 10, 5000);
  const yearCount = intOption(values.years, 'years', 8, 2, 20);
  const runs = intOption(values.runs, 'runs', 7, 3, 51);
  const deadline = Date.now() + intOption(values.timeout, 'timeout', 300, 30, 1800) * 1000;
  const machine = machineInfo();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'partnerpuls-bench-indicators-'));
  const database = await benchDatabase(tmp, values.database);
  let db: Knex | null = null;
  try {
    const config = loadConfig({
      NODE_ENV: 'production',
      DATA_DIR: tmp,
      DATABASE_URL: database.url,
      SURVEYS_DIR: path.resolve(__dirname, '..', 'surveys'),
      DEMO: 'false',
      LOG_LEVEL: 'silent',
    });
    const vars = placeholderValues(config);
    const lastYear = new Date().getFullYear() - 1;
    const years = Array.from({ length: yearCount }, (_, i) => lastYear - yearCount + 1 + i);
    console.log(
      `Indicator benchmark: ${organisations} organisations × ${yearCount} years (${years[0]}–${lastYear}) of ${SURVEY_ID}, ${database.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, ${runs} runs`,
    );
    console.log(`  Machine: ${describeMachine(machine)}`);

    db = createDb(config.databaseUrl);
    await migrateLatest(db);
    const survey = (await loadSurveyDir(config.surveysDir)).find((s) => s.definition.id === SURVEY_ID);
    if (!survey) throw new Error(`surveys/ has no ${SURVEY_ID}`);
    // Only this survey's indicators, so both sides compute the same set.
    await syncIndicators(db, declaredIndicators([survey]), vars);
    const indicators = survey.definition.indicators.filter((d): d is SurveyIndicator => d.kind === 'survey');

    const s0 = performance.now();
    const seeded = await seed(db, survey, organisations, years);
    // PostgreSQL plans by statistics that autovacuum refreshes shortly after a bulk load; refresh
    // them now, as a database in use has them (SQLite keeps no statistics unless asked).
    await refreshStatistics(db);
    const seedMs = Math.round(ms(s0));
    console.log(
      `  Seeded in ${seedMs} ms: ${seeded.invitations} invitations, ${seeded.submitted} submitted responses (${seeded.withoutTrustAnswer} without the trust answer), ${seeded.drafts} drafts, ${seeded.answerRows} answer rows`,
    );

    // Warm-up (and the check: both must give the same counts).
    const rows = await computeRows(db, lastYear, vars);
    const naive = await naiveYearAndPrevious(db, survey, indicators, lastYear);
    const problems = compare(rows, naive, indicators);

    const real: number[] = [];
    const baseline: number[] = [];
    const from = cpuMark();
    for (let i = 0; i < runs; i++) {
      if (Date.now() > deadline) throw new Error(`time limit reached after ${i} runs`);
      const order = i % 2 === 0 ? ['real', 'naive'] : ['naive', 'real'];
      for (const which of order) {
        const t = performance.now();
        if (which === 'real') {
          await computeRows(db, lastYear, vars);
          real.push(ms(t));
        } else {
          await naiveYearAndPrevious(db, survey, indicators, lastYear);
          baseline.push(ms(t));
        }
      }
    }
    const others = otherCores(from, cpuMark());
    const stats = (xs: number[]) => ({
      medianMs: round3(median(xs)),
      minMs: round3(Math.min(...xs)),
      maxMs: round3(Math.max(...xs)),
      runsMs: xs.map(round3),
    });
    const result = {
      at: new Date().toISOString(),
      benchmark: 'indicators',
      database: database.kind,
      machine,
      loadAtEnd: loadavg(),
      /** Cores kept busy by other processes during the timed runs. */
      otherCores: others,
      data: { ...seeded, seedMs },
      year: lastYear,
      indicators: rows.map((r) => ({
        id: r.id,
        numerator: r.numerator,
        denominator: r.denominator,
        dontKnow: r.dontKnow,
        unanswered: r.unanswered,
        responded: r.responded,
        invited: r.invited,
        display: r.display,
        previousValue: r.previousValue,
      })),
      computeRows: stats(real),
      naive: stats(baseline),
      /** computeRows median ÷ naive median (above 1: computeRows takes longer). */
      ratio: round3(median(real) / median(baseline)),
      sameCounts: problems.length === 0,
      problems,
    };
    console.log('');
    for (const r of result.indicators)
      console.log(
        `  ${r.id.padEnd(26)} ${String(r.numerator).padStart(5)} / ${String(r.denominator).padEnd(5)} = ${r.display.padEnd(6)} Vet ej ${r.dontKnow}, obesvarade ${r.unanswered}, ${r.responded} av ${r.invited}`,
      );
    console.log('');
    console.log(
      `  computeRows(${lastYear}):          median ${round1(median(real))} ms (min ${round1(Math.min(...real))}, max ${round1(Math.max(...real))})`,
    );
    console.log(
      `  naive in-memory count:      median ${round1(median(baseline))} ms (min ${round1(Math.min(...baseline))}, max ${round1(Math.max(...baseline))})`,
    );
    console.log(`  Ratio computeRows/naive:    ${result.ratio}`);
    console.log(
      `  Load average (1 min) ${machine.loadAtStart[0]} at start, ${result.loadAtEnd[0]} at end, ${machine.cpus} cores; other processes kept ${others} cores busy during the timed runs.`,
    );
    const note = busyNote(others, machine.cpus, database.kind === 'postgres');
    if (note) console.log(note);
    console.log(`\n  Written to ${writeResult('indicators', result)}`);
    if (problems.length) {
      console.error('\n  ************************************************************************');
      console.error('  MISMATCH: computeRows and the naive count disagree:');
      for (const p of problems) console.error(`    - ${p}`);
      console.error('  ************************************************************************\n');
      throw new Error(`computeRows and the naive count disagree on ${problems.length} figure(s)`);
    }
    console.log(
      '  Check: computeRows and the naive count give the same numerator, denominator, Vet ej, unanswered, responded and previous-year value.',
    );
  } finally {
    await db?.destroy();
    await database.drop().catch((e: unknown) => console.error('could not drop the benchmark database:', e));
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
