// The load generator of the HTTP benchmarks: autocannon in a child process of its own, so the
// client does not share an event loop with the server it measures (on a 2-core machine an
// in-process client would take half of the server's time and hide it in the figures).
//
// The parent calls startLoadClient() once, then run(job) for each measurement; this same file,
// forked, is the child (it inherits tsx from process.execArgv). A job is plain data: a base URL,
// connections, a duration and a list of requests (path + headers) that every connection cycles
// through — how a benchmark spreads load over many client addresses or API keys.
import { type ChildProcess, fork } from 'node:child_process';
import autocannon from 'autocannon';

export interface LoadRequest {
  path: string;
  headers: Record<string, string>;
}

export interface LoadJob {
  /** e.g. http://127.0.0.1:41234 — loopback only. */
  baseUrl: string;
  connections: number;
  durationSeconds: number;
  requests: LoadRequest[];
}

export interface LoadFigures {
  /** Mean of autocannon's per-second samples. */
  requestsPerSecond: number;
  /** Latency in milliseconds. */
  latencyP50: number;
  latencyP99: number;
  latencyMean: number;
  latencyMax: number;
  /** Responses received, by class. */
  total: number;
  ok2xx: number;
  non2xx: number;
  status4xx: number;
  status5xx: number;
  errors: number;
  timeouts: number;
  bytesPerSecond: number;
  durationSeconds: number;
  /** CPU time the load generator itself used during the job. */
  clientCpuMs: number;
}

export interface LoadClient {
  run(job: LoadJob): Promise<LoadFigures>;
  close(): void;
}

type FromChild = { ok: true; figures: LoadFigures } | { ok: false; error: string };

function assertLoopback(baseUrl: string): void {
  const host = new URL(baseUrl).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]')
    throw new Error(`the load generator only talks to loopback (got ${host})`);
}

/** Forks the child; each run(job) waits for its figures (killing the child if it overruns by 60 s). */
export function startLoadClient(): LoadClient {
  const child: ChildProcess = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let busy = false;
  return {
    run(job) {
      assertLoopback(job.baseUrl);
      if (busy) return Promise.reject(new Error('one load job at a time'));
      busy = true;
      return new Promise<LoadFigures>((resolve, reject) => {
        const limit = setTimeout(
          () => {
            child.kill();
            reject(new Error(`the load generator did not answer within ${job.durationSeconds + 60} s`));
          },
          (job.durationSeconds + 60) * 1000,
        );
        const done = () => {
          clearTimeout(limit);
          busy = false;
          child.off('message', onMessage);
          child.off('exit', onExit);
        };
        const onMessage = (m: FromChild) => {
          done();
          if (m.ok) resolve(m.figures);
          else reject(new Error(`load generator: ${m.error}`));
        };
        const onExit = (code: number | null) => {
          done();
          reject(new Error(`the load generator exited (code ${code})`));
        };
        child.on('message', onMessage);
        child.on('exit', onExit);
        child.send(job);
      });
    },
    close() {
      if (child.connected) child.disconnect();
      if (child.exitCode === null) child.kill();
    },
  };
}

async function runJob(job: LoadJob): Promise<LoadFigures> {
  assertLoopback(job.baseUrl);
  const cpuBefore = process.cpuUsage();
  const r = await autocannon({
    url: job.baseUrl,
    connections: job.connections,
    duration: job.durationSeconds,
    timeout: 10,
    requests: job.requests.map((q) => ({ method: 'GET' as const, path: q.path, headers: q.headers })),
  });
  const cpu = process.cpuUsage(cpuBefore);
  return {
    requestsPerSecond: r.requests.average,
    latencyP50: r.latency.p50,
    latencyP99: r.latency.p99,
    latencyMean: r.latency.average,
    latencyMax: r.latency.max,
    total: r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx'],
    ok2xx: r['2xx'],
    non2xx: r.non2xx,
    status4xx: r['4xx'],
    status5xx: r['5xx'],
    errors: r.errors,
    timeouts: r.timeouts,
    bytesPerSecond: r.throughput.average,
    durationSeconds: r.duration,
    clientCpuMs: (cpu.user + cpu.system) / 1000,
  };
}

// The child: one job per message, figures back, until the parent disconnects.
if (require.main === module && process.send) {
  process.on('message', (job: LoadJob) => {
    runJob(job).then(
      (figures) => process.send!({ ok: true, figures } satisfies FromChild),
      (e: unknown) => process.send!({ ok: false, error: e instanceof Error ? e.message : String(e) } satisfies FromChild),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
