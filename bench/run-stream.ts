/**
 * Live run streams (issue 8): V concurrent SSE viewers on one run while a producer appends C
 * chunks (batches of B every I ms), measuring append→receive latency (p50/p99) and that every
 * viewer got every chunk exactly once and in order; then the same viewers polling every second
 * (the Gitea model: GET …/events?after=cursor) on a second run with the same producer, as the
 * baseline. Prints latency and requests served side by side, and the ratio. Between the two, the
 * same viewers and producer run against bench/fixtures/fanout, a bare Durable Object that only
 * fans batches out (no storage, auth or catch-up), in the same runtime: the floor that the
 * runtime's own cost per streamed write sets (BENCH_RUN_FLOOR=0 skips it). Then step output →
 * viewer end to end (bench/lib/step-latency.ts): a real workflow run whose step prints stamped
 * lines, through the sandbox, the runner controller, the Worker and RunStream to
 * BENCH_RUN_E2E_VIEWERS (300) SSE viewers, printed beside the two figures above
 * (BENCH_RUN_E2E=0 skips it; BENCH_RUN_E2E_LINES, default 400, quick 100, every
 * BENCH_RUN_E2E_INTERVAL_MS, 50).
 *
 * Defaults: V=1000, C=10000, B=10, I=50 ms. PLUE_BENCH_QUICK=1: V=100, C=1000. Override with
 * BENCH_RUN_VIEWERS, BENCH_RUN_CHUNKS, BENCH_RUN_BATCH, BENCH_RUN_INTERVAL_MS; BENCH_RUN_POLL=0
 * skips the polling baseline (the SSE figures are printed as soon as they are known).
 * Client, producer and server share this machine's cores, so latency includes client CPU.
 * The SSE viewers run in BENCH_RUN_VIEWER_THREADS worker threads (default 2; 0 runs them in the
 * producer's thread, as this benchmark did until the move to threads): their parsing no longer
 * delays the producer's sends or each other's receive times in one event loop. Latency is still
 * append→receive: the producer stamps each chunk with the process-wide monotonic clock just
 * before posting it, and a viewer thread reads the same clock when the bytes arrive.
 */
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startStack, startWranglerDev } from '../scripts/stack';
import { BENCH_WORKER_VARS, directWorkerUrl } from './lib/direct';
import { Histogram } from './lib/histogram';
import { treeCpuMs } from './lib/process-cpu';
import { nowMs as now, type ViewerStats } from './lib/sse-socket-viewer';
import { measureStepLatency } from './lib/step-latency';
import { startSseViewers } from './lib/sse-viewer-threads';
import { scratchDatabase } from '../scripts/clients/scratch-database';
import { OPERATOR, makeRun, post, type TestRun } from '../scripts/clients/run-stream-client';

const env = (k: string, d: number) => {
  const n = Number(process.env[k]);
  return Number.isFinite(n) && n > 0 ? n : d;
};
const quick = process.env.PLUE_BENCH_QUICK === '1';
const VIEWERS = env('BENCH_RUN_VIEWERS', quick ? 100 : 1000);
const CHUNKS = env('BENCH_RUN_CHUNKS', quick ? 1000 : 10_000);
const BATCH = env('BENCH_RUN_BATCH', 10);
const INTERVAL = env('BENCH_RUN_INTERVAL_MS', 50);
const THREADS =
  process.env.BENCH_RUN_VIEWER_THREADS === '0' ? 0 : env('BENCH_RUN_VIEWER_THREADS', 2);

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** Producer: CHUNKS step_output chunks, each carrying its send time, then run_completed. */
let retries = 0;
/** Set when the run is over (or the benchmark failed): pollers and viewers stop. */
let stopped = false;
let stopFleet = (): void => undefined;

/** Posts every batch; `rtt` gets each batch's round trip (post → 200). */
async function produce(base: string, run: TestRun, rtt: Histogram): Promise<number> {
  let posts = 0;
  await post(base, run, [{ event: 'run_started' }, { event: 'step_started', step_id: 's' }]);
  for (let seq = 1; seq <= CHUNKS; seq += BATCH) {
    const t = now();
    const chunks = [];
    for (let i = seq; i < Math.min(seq + BATCH, CHUNKS + 1); i++) {
      chunks.push({ step_id: 's', stream: 'stdout', seq: i, data: `${t.toFixed(3)}|line ${i}\n` });
    }
    // Appends are idempotent, so a batch refused under load (e.g. the database busy serving
    // pollers) is simply sent again.
    for (let attempt = 1; ; attempt++) {
      posts++;
      const r = await post(base, run, chunks).catch((err: Error) => ({
        status: 0,
        body: { error: err.message },
      }));
      if (r.status === 200) {
        rtt.add(now() - t);
        break;
      }
      retries++;
      if (attempt >= 20) throw new Error(`append failed: ${r.status} ${JSON.stringify(r.body)}`);
      await new Promise((res) => setTimeout(res, 250));
    }
    const wait = INTERVAL - (now() - t);
    if (wait > 0) await new Promise((res) => setTimeout(res, wait));
  }
  await post(base, run, [
    { event: 'step_completed', step_id: 's', status: 'success', exit_code: 0 },
    { event: 'run_completed', conclusion: 'success' },
  ]);
  return posts + 2;
}

function getJson(url: string): Promise<{
  records: { id: number; event: string; data: unknown }[];
  next_after: number;
  completed: boolean;
}> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(new Error(`HTTP ${res.statusCode}: ${body.slice(0, 200)}`, { cause: err }));
          }
        });
      })
      .on('error', reject);
  });
}

async function poller(
  api: string,
  hist: Histogram,
  counter: { requests: number; failed: number },
): Promise<ViewerStats> {
  const stats: ViewerStats = { outputs: 0, inOrder: true, ended: false, reconnects: 0 };
  let after = 0;
  await new Promise((r) => setTimeout(r, Math.random() * 1000));
  const deadline = now() + 600_000;
  while (now() < deadline && !stopped) {
    const started = now();
    counter.requests++;
    const page = await getJson(`${api}/events?after=${after}`).catch(() => {
      counter.failed++;
      return undefined;
    });
    const t = now();
    for (const r of page?.records ?? []) {
      if (r.id !== after + 1) stats.inOrder = false;
      after = r.id;
      if (r.event === 'step_output' && typeof r.data === 'string') {
        stats.outputs++;
        hist.add(t - Number(r.data.slice(0, r.data.indexOf('|'))));
      }
      if (r.event === 'run_completed') stats.ended = true;
    }
    if (stats.ended) return stats;
    const wait = 1000 - (now() - started);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  return stats;
}

function summary(stats: ViewerStats[]): string {
  const complete = stats.filter((s) => s.outputs === CHUNKS && s.inOrder && s.ended).length;
  const reconnects = stats.reduce((n, s) => n + s.reconnects, 0);
  const short = stats.filter((s) => s.outputs !== CHUNKS).length;
  const disorder = stats.filter((s) => !s.inOrder).length;
  return (
    `${complete}/${stats.length} viewers got all ${CHUNKS} chunks exactly once, in order` +
    ` (${reconnects} reconnects after drops; ${short} short, ${disorder} out of order)`
  );
}

/** The Worker's own socket under `wrangler dev`, or wrangler's own port with BENCH_RUN_VIA_PROXY=1. */
function measuredUrl(wranglerPid: number, wranglerUrl: string): Promise<string> {
  return process.env.BENCH_RUN_VIA_PROXY === '1'
    ? Promise.resolve(wranglerUrl)
    : directWorkerUrl(wranglerPid, wranglerUrl);
}

interface SseResult {
  stats: ViewerStats[];
  hist: Histogram;
  rtt: Histogram;
  posts: number;
  workerdMs: number;
  benchMs: number;
}

/** VIEWERS SSE viewers on `run` while the producer appends every chunk; CPU of both sides. */
async function measureSse(base: string, run: TestRun, wranglerPid: number): Promise<SseResult> {
  const fleet = startSseViewers(`${run.api}/stream`, VIEWERS, THREADS);
  stopFleet = fleet.stop;
  const t0 = now();
  while (fleet.connected() < VIEWERS && now() - t0 < 120_000) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const cpu0 = { workerd: treeCpuMs(wranglerPid, 'workerd'), bench: process.cpuUsage() };
  const rtt = new Histogram();
  const posts = await produce(base, run, rtt);
  const { stats, hist } = await fleet.done;
  const workerdMs = treeCpuMs(wranglerPid, 'workerd') - cpu0.workerd;
  const benchCpu = process.cpuUsage(cpu0.bench);
  return { stats, hist, rtt, posts, workerdMs, benchMs: (benchCpu.user + benchCpu.system) / 1000 };
}

function printCosts(r: SseResult): void {
  console.log(
    `append round trip (the producer's POST): p50 ${r.rtt.quantile(0.5).toFixed(1)} ms, ` +
      `p99 ${r.rtt.quantile(0.99).toFixed(1)} ms`,
  );
  console.log(
    `CPU from the first append until every viewer ended: workerd ${(r.workerdMs / 1000).toFixed(1)} s ` +
      `(${(r.workerdMs / r.posts).toFixed(1)} ms per append, ` +
      `${((r.workerdMs * 1000) / (r.posts * VIEWERS)).toFixed(0)} µs per viewer per append), ` +
      `this benchmark (producer and viewers) ${(r.benchMs / 1000).toFixed(1)} s`,
  );
}

/**
 * The same viewers and producer against bench/fixtures/fanout: a bare Durable Object that only
 * fans batches out, in the same runtime. What it costs is the runtime's own price of a streamed
 * write per viewer, which no change to RunStream can go below.
 */
async function floor(dataDir: string): Promise<Latency> {
  const dev = await startWranglerDev({
    host: '127.0.0.1',
    port: await freePort(),
    dataDir,
    vars: {},
    config: fileURLToPath(new URL('./fixtures/fanout/wrangler.toml', import.meta.url)),
  });
  try {
    const pid = dev.child.pid as number;
    const base = await measuredUrl(pid, dev.url);
    const run = { runId: 0, token: 'floor', api: `${base}/floor` } as TestRun;
    const r = await measureSse(base, run, pid);
    console.log(
      `\nfloor (bench/fixtures/fanout: a bare Durable Object fanning out the same batches, no ` +
        `storage or auth): ${summary(r.stats)}`,
    );
    console.log(
      `floor latency p50 ${r.hist.quantile(0.5).toFixed(1)} ms, p99 ${r.hist.quantile(0.99).toFixed(1)} ms`,
    );
    printCosts(r);
    return { p50: r.hist.quantile(0.5), p99: r.hist.quantile(0.99) };
  } finally {
    await dev.stop();
  }
}

interface Latency {
  p50: number;
  p99: number;
}

/**
 * Step output → viewer through the runner controller (bench/lib/step-latency.ts), printed beside
 * RunStream fed directly and the fan-out floor: what the controller's path adds on top.
 */
async function endToEnd(url: string, base: string, direct: Latency, fanout?: Latency) {
  const viewers = env('BENCH_RUN_E2E_VIEWERS', 300);
  const lines = env('BENCH_RUN_E2E_LINES', quick ? 100 : 400);
  const intervalMs = env('BENCH_RUN_E2E_INTERVAL_MS', 50);
  const r = await measureStepLatency({
    url,
    viewerBase: base,
    viewers,
    threads: THREADS,
    lines,
    intervalMs,
    warmupMs: env('BENCH_RUN_E2E_WARMUP_MS', 15_000),
  });
  const ended = r.stats.filter((v) => v.ended && v.inOrder).length;
  const fewest = Math.min(...r.stats.map((v) => v.outputs));
  console.log(
    `\nend to end: a workflow step printing ${lines} lines every ${intervalMs} ms, through the ` +
      `sandbox, the runner controller, the Worker and RunStream, to ${viewers} SSE viewers: ` +
      `${ended}/${viewers} followed it to the end in order (fewest stamped outputs seen: ${fewest})` +
      `; all connected in ${(r.connectMs / 1000).toFixed(1)} s` +
      (r.connectedInTime
        ? ', before the first stamped line'
        : ', NOT before the first stamped line: raise BENCH_RUN_E2E_WARMUP_MS'),
  );
  const row = (name: string, l?: Latency) =>
    console.log(
      `  ${name.padEnd(58)}${l ? `p50 ${l.p50.toFixed(1).padStart(6)} ms  p99 ${l.p99.toFixed(1).padStart(6)} ms` : 'not measured'}`,
    );
  const e2e = { p50: r.hist.quantile(0.5), p99: r.hist.quantile(0.99) };
  row(`step output → viewer, end to end (${viewers} viewers)`, e2e);
  row(`append → viewer, RunStream fed directly (${VIEWERS} viewers)`, direct);
  row(`fan-out floor, bare Durable Object (${VIEWERS} viewers)`, fanout);
  console.log(
    `  goal: end to end p50 ≤ 100 ms (${e2e.p50 <= 100 ? 'met' : 'missed'}), ` +
      `p99 ≤ 250 ms (${e2e.p99 <= 250 ? 'met' : 'missed'})`,
  );
}

export async function run(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'plue-bench-runs-'));
  // Embedded PGlite by default; a scratch database on the server at DATABASE_URL when set.
  // PGlite answers the Worker's queries in this process's main thread, the producer's.
  const server = process.env.DATABASE_URL;
  const scratch = server ? await scratchDatabase(server) : undefined;
  const stack = await startStack({
    dataDir: join(work, 'plue'),
    port: await freePort(),
    extraVars: BENCH_WORKER_VARS,
    databaseUrl: scratch?.url,
  });
  try {
    // Measured at the Worker's own socket: wrangler dev's reload proxy is a dev-only second
    // workerd process that every request and every streamed byte would pass through again
    // (BENCH_RUN_VIA_PROXY=1 measures through it).
    const base = await measuredUrl(stack.worker.pid as number, stack.wranglerUrl);
    console.log(
      `\n## run streams at ${base === stack.url ? "wrangler dev's public port" : "the Worker's own socket"} ${base}`,
    );
    console.log(
      `database: ${server ? 'PostgreSQL at DATABASE_URL' : 'embedded PGlite'}; ${VIEWERS} viewers (${THREADS === 0 ? 'in the producer thread' : `${THREADS} threads`}), ` +
        `${CHUNKS} chunks (batches of ${BATCH} every ${INTERVAL} ms)`,
    );
    // SSE.
    // Made at the public URL (sign-in messages and the CSRF check name it), then served at the
    // Worker's socket.
    const atSocket = (r: TestRun): TestRun => ({ ...r, api: r.api.replace(stack.url, base) });
    const sseRun = atSocket(await makeRun(stack.url, { steps: ['s'] }));
    const sse = await measureSse(base, sseRun, stack.worker.pid as number);
    const sseHist = sse.hist;
    console.log(`SSE:     ${summary(sse.stats)}`);
    const state = await fetch(`${base}/internal/runs/${sseRun.runId}/stream`, { headers: OPERATOR })
      .then((r) => (r.ok ? (r.json() as Promise<{ dropped: number }>) : undefined))
      .catch(() => undefined);
    console.log(
      `SSE latency p50 ${sseHist.quantile(0.5).toFixed(1)} ms, p99 ${sseHist.quantile(0.99).toFixed(1)} ms` +
        (state ? `; slow viewers dropped by the server: ${state.dropped}` : ''),
    );
    printCosts(sse);
    const fanout =
      process.env.BENCH_RUN_FLOOR !== '0' ? await floor(join(work, 'floor')) : undefined;
    if (process.env.BENCH_RUN_E2E !== '0') {
      const direct = { p50: sseHist.quantile(0.5), p99: sseHist.quantile(0.99) };
      await endToEnd(stack.url, base, direct, fanout);
    }
    if (process.env.BENCH_RUN_POLL === '0') return;

    // Polling every second.
    const pollRun = atSocket(await makeRun(stack.url, { steps: ['s'] }));
    const pollHist = new Histogram();
    const counter = { requests: 0, failed: 0 };
    const pollers = Array.from({ length: VIEWERS }, () => poller(pollRun.api, pollHist, counter));
    const pollPosts = await produce(base, pollRun, new Histogram());
    const ssePosts = sse.posts;
    const pollStats = await Promise.all(pollers);
    console.log(`polling: ${summary(pollStats)}`);

    const row = (name: string, a: string, b: string, c = '') =>
      console.log(`${name.padEnd(26)}${a.padStart(12)}${b.padStart(14)}${c.padStart(10)}`);
    row('', 'SSE', 'poll 1 s', 'ratio');
    const p50 = [sseHist.quantile(0.5), pollHist.quantile(0.5)] as const;
    const p99 = [sseHist.quantile(0.99), pollHist.quantile(0.99)] as const;
    row(
      'latency p50 (ms)',
      p50[0].toFixed(1),
      p50[1].toFixed(1),
      `${(p50[1] / p50[0]).toFixed(1)}×`,
    );
    row(
      'latency p99 (ms)',
      p99[0].toFixed(1),
      p99[1].toFixed(1),
      `${(p99[1] / p99[0]).toFixed(1)}×`,
    );
    row(
      'viewer requests served',
      String(VIEWERS),
      String(counter.requests),
      `${(counter.requests / VIEWERS).toFixed(1)}×`,
    );
    row('  of which failed (busy)', '0', String(counter.failed));
    row('producer requests', String(ssePosts), String(pollPosts));
    if (retries > 0) console.log(`producer batches re-sent after a refusal: ${retries}`);
    console.log(
      `goal: SSE p99 ≤ 50 ms (${p99[0] <= 50 ? 'met' : 'missed'}), ≥ 10× below polling's median (${p50[1] / p99[0] >= 10 ? 'met' : 'missed'})`,
    );
  } finally {
    stopped = true;
    stopFleet();
    agent.destroy();
    await stack.stop();
    await scratch?.drop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
