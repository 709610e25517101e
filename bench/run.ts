// Benchmarks: `npx tsx bench/run.ts <name> [options]` (or `npm run bench -- <name>`).
// Each benchmark is bounded in count and time, talks to loopback only, prints its figures and
// writes them to bench/results/ (gitignored). Add a benchmark by adding it to BENCHMARKS.
import { runHttpBench } from './http';
import { runIndicatorsBench } from './indicators';
import { runMailBench } from './mail';
import { runUploadsBench } from './uploads';

const BENCHMARKS: Record<string, { description: string; run: (args: string[]) => Promise<void> }> = {
  http: {
    description:
      'the real app on a seeded partnership (health, respondent form, indicator table, API) vs a bare express app, autocannon (--duration 5 --connections 10)',
    run: runHttpBench,
  },
  indicators: {
    description:
      'computeRows for one year on 400 organisations × 8 years vs a naive in-memory count of the same answers (--organisations 400 --years 8)',
    run: runIndicatorsBench,
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
