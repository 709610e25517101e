// The load generator of the HTTP benchmarks: autocannon in a child process of its own, so the
// client does not share an event loop with the server it measures (on a 2-core machine an
// in-process client would take half of the server's time and hide it in the figures).
//
// The parent calls startLoadClient() once, then run(job) for each measurement; this same file,
// forked, is the child (it inherits tsx from process.execArgv). A job is plain data: a base URL,
// connections, a duration and a list of requests (path + headers) that every connection cycles
// through — how a benchmark spreads load over many client addresses or API keys.
import { type ChildProcess, fork } from 'node:child_process';
import http from 'node:http';
import { performance } from 'node:perf_hooks';
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

/** One request of a sampled job: sent as it is, its latency and status recorded. */
export interface SampleRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * A job whose every response is recorded (when it started, how long it took, its status):
 * `once` sends each request exactly once over `connections` connections (a list of submits);
 * `loop` cycles through the list until `durationSeconds` have passed (background load).
 */
export interface SampleJob {
  kind: 'samples';
  baseUrl: string;
  connections: number;
  mode: 'once' | 'loop';
  durationSeconds?: number;
  requests: SampleRequest[];
}

export interface SampleFigures {
  /** Per response: start (epoch ms, comparable across processes), latency ms, status (0 = a network error). */
  at: number[];
  ms: number[];
  status: number[];
  /** Which request of the job's list it was. */
  request: number[];
  wallMs: number;
  clientCpuMs: number;
}

export interface LoadClient {
  run(job: LoadJob): Promise<LoadFigures>;
  samples(job: SampleJob): Promise<SampleFigures>;
  /** Ends a running `loop` job early (it then reports what it recorded). */
  stop(): void;
  close(): void;
}

type FromChild = { ok: true; figures: LoadFigures | SampleFigures } | { ok: false; error: string };

function assertLoopback(baseUrl: string): void {
  const host = new URL(baseUrl).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]')
    throw new Error(`the load generator only talks to loopback (got ${host})`);
}

/** Forks the child; each job waits for its figures (killing the child if it overruns by 60 s). */
export function startLoadClient(): LoadClient {
  const child: ChildProcess = fork(__filename, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let busy = false;
  const call = <T>(job: LoadJob | SampleJob, seconds: number): Promise<T> => {
    assertLoopback(job.baseUrl);
    if (busy) return Promise.reject(new Error('one load job at a time'));
    busy = true;
    return new Promise<T>((resolve, reject) => {
      const limit = setTimeout(
        () => {
          child.kill();
          reject(new Error(`the load generator did not answer within ${seconds + 60} s`));
        },
        (seconds + 60) * 1000,
      );
      const done = () => {
        clearTimeout(limit);
        busy = false;
        child.off('message', onMessage);
        child.off('exit', onExit);
      };
      const onMessage = (m: FromChild) => {
        done();
        if (m.ok) resolve(m.figures as T);
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
  };
  return {
    run: (job) => call<LoadFigures>(job, job.durationSeconds),
    samples: (job) => call<SampleFigures>(job, job.durationSeconds ?? 240),
    stop() {
      if (child.connected) child.send({ stop: true });
    },
    close() {
      if (child.connected) child.disconnect();
      if (child.exitCode === null) child.kill();
    },
  };
}

let stopRequested = false;

/** Runs a sampled job with plain keep-alive http requests, recording every response. */
async function runSamples(job: SampleJob): Promise<SampleFigures> {
  stopRequested = false;
  assertLoopback(job.baseUrl);
  const base = new URL(job.baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: job.connections });
  const out: SampleFigures = { at: [], ms: [], status: [], request: [], wallMs: 0, clientCpuMs: 0 };
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const endAt = t0 + (job.durationSeconds ?? 0) * 1000;
  let next = 0;
  const one = (q: SampleRequest, index: number) =>
    new Promise<void>((resolve) => {
      const start = performance.now();
      const headers: Record<string, string | number> = { ...q.headers };
      if (q.body !== undefined) headers['content-length'] = Buffer.byteLength(q.body);
      const req = http.request({ host: base.hostname, port: base.port, path: q.path, method: q.method, headers, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          out.at.push(performance.timeOrigin + start);
          out.ms.push(performance.now() - start);
          out.status.push(res.statusCode ?? 0);
          out.request.push(index);
          resolve();
        });
      });
      req.on('error', () => {
        out.at.push(performance.timeOrigin + start);
        out.ms.push(performance.now() - start);
        out.status.push(0);
        out.request.push(index);
        resolve();
      });
      req.end(q.body);
    });
  const worker = async () => {
    for (;;) {
      if (job.mode === 'once' && next >= job.requests.length) return;
      if (job.mode === 'loop' && (stopRequested || performance.now() >= endAt)) return;
      const index = next++ % job.requests.length;
      await one(job.requests[index], index);
    }
  };
  await Promise.all(Array.from({ length: job.connections }, worker));
  out.wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpuBefore);
  out.clientCpuMs = (cpu.user + cpu.system) / 1000;
  agent.destroy();
  return out;
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
  process.on('message', (job: LoadJob | SampleJob | { stop: true }) => {
    if ('stop' in job) {
      stopRequested = true;
      return;
    }
    const work: Promise<LoadFigures | SampleFigures> = 'kind' in job && job.kind === 'samples' ? runSamples(job) : runJob(job as LoadJob);
    work.then(
      (figures) => process.send!({ ok: true, figures } satisfies FromChild),
      (e: unknown) => process.send!({ ok: false, error: e instanceof Error ? e.message : String(e) } satisfies FromChild),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
