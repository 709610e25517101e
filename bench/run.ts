// Benchmarks: `npx tsx bench/run.ts <name> [options]` (or `npm run bench -- <name>`).
// Each benchmark is bounded in count and time, talks to loopback only, prints its figures and
// writes them to bench/results/ (gitignored). Add a benchmark by adding it to BENCHMARKS.
import { runAnswersBench } from './answers';
import { runHttpBench } from './http';
import { runIndicatorsBench } from './indicators';
import { runMailBench } from './mail';
import { runUploadsBench } from './uploads';
import { runScaleBench } from './scale';
import { runSendBench } from './send';
import { runStartBench } from './start';
import { runSubmitBench } from './submit';

const BENCHMARKS: Record<string, { description: string; run: (args: string[]) => Promise<void> }> = {
  answers: {
    description:
      'the raw-answer export (XLSX and CSV, streamed) of 10 000 and 100 000 responses, each in its own process: peak RSS and time vs an idle process (--sizes 10000,100000 --naive)',
    run: runAnswersBench,
  },
  http: {
    description:
      'the real app on a seeded partnership (health, respondent form, indicator table, API) vs bare express apps (a static page; the form from the same templates and data), CPU per request, alternating rounds (--duration 5 --rounds 2)',
    run: runHttpBench,
  },
  indicators: {
    description:
      'computeRows for one year on 400 organisations × 8 years vs a naive in-memory count of the same answers (--organisations 400 --years 8)',
    run: runIndicatorsBench,
  },
  submit: {
    description:
      '"Skicka in" as a browser does it (GET, then the timed POST) vs a bare express app inserting the response and answers in one sqlite3 transaction (--n 600 --connections 10)',
    run: runSubmitBench,
  },
  scale: {
    description:
      "the indicator table, API and one indicator's page at 1 k, 10 k and 100 k submitted responses: server time warm and right after a change (--sizes 1000,10000,100000)",
    run: runScaleBench,
  },
  send: {
    description:
      'a big send (2 000 invitations) written while /health and a respondent page are loaded: their p99 before and during (--n 2000)',
    run: runSendBench,
  },
  start: {
    description: '`npm start` on an empty data folder and again on its data: time to the first page and idle memory (--idle 5)',
    run: runStartBench,
  },
  mail: {
    description: 'N invitations through the outbox to a local SMTP server vs a bare pooled nodemailer loop (--n 2000)',
    run: runMailBench,
  },
  uploads: {
    description:
      'the largest accepted file of each upload kind (and the files of issue 9): time, peak memory, longest event-loop stall, /health latency meanwhile (--case NAME --timeout 120)',
    run: runUploadsBench,
  },
};

async function main(): Promise<void> {
  const [name, ...args] = process.argv.slice(2);
  const bench = name ? BENCHMARKS[name] : undefined;
  if (!bench) {
    console.log('Benchmarks: npx tsx bench/run.ts <name> [options]\n');
    for (const [n, b] of Object.entries(BENCHMARKS)) console.log(`  ${n.padEnd(10)} ${b.description}`);
    process.exit(name ? 2 : 0);
  }
  await bench.run(args);
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
