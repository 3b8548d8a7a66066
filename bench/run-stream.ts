/**
 * Live run streams (issue 8): V concurrent SSE viewers on one run while a producer appends C
 * chunks (batches of B every I ms), measuring append→receive latency (p50/p99) and that every
 * viewer got every chunk exactly once and in order; then the same viewers polling every second
 * (the Gitea model: GET …/events?after=cursor) on a second run with the same producer, as the
 * baseline. Prints latency and requests served side by side, and the ratio.
 *
 * Defaults: V=1000, C=10000, B=10, I=50 ms. PLUE_BENCH_QUICK=1: V=100, C=1000. Override with
 * BENCH_RUN_VIEWERS, BENCH_RUN_CHUNKS, BENCH_RUN_BATCH, BENCH_RUN_INTERVAL_MS; BENCH_RUN_POLL=0
 * skips the polling baseline (the SSE figures are printed as soon as they are known).
 * Client, producer and server share this machine's cores, so latency includes client CPU.
 */
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startStack } from '../scripts/stack';
import { BENCH_WORKER_VARS, directWorkerUrl } from './lib/direct';
import { INTERNAL, makeRun, post, type TestRun } from '../test/e2e/run-stream-client';

const env = (k: string, d: number) => {
  const n = Number(process.env[k]);
  return Number.isFinite(n) && n > 0 ? n : d;
};
const quick = process.env.PLUE_BENCH_QUICK === '1';
const VIEWERS = env('BENCH_RUN_VIEWERS', quick ? 100 : 1000);
const CHUNKS = env('BENCH_RUN_CHUNKS', quick ? 1000 : 10_000);
const BATCH = env('BENCH_RUN_BATCH', 10);
const INTERVAL = env('BENCH_RUN_INTERVAL_MS', 50);

const now = () => performance.timeOrigin + performance.now();
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

/** Latency histogram in 0.1 ms buckets up to 60 s. */
class Histogram {
  private readonly buckets = new Uint32Array(600_001);
  count = 0;
  add(ms: number): void {
    this.buckets[Math.min(600_000, Math.max(0, Math.round(ms * 10)))]! += 1;
    this.count++;
  }
  quantile(q: number): number {
    const target = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= target) return i / 10;
    }
    return NaN;
  }
}

/** Producer: CHUNKS step_output chunks, each carrying its send time, then run_completed. */
let retries = 0;
/** Set when the run is over (or the benchmark failed): pollers and viewers stop. */
let stopped = false;

async function produce(base: string, run: TestRun): Promise<number> {
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
      if (r.status === 200) break;
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

interface ViewerStats {
  outputs: number;
  inOrder: boolean;
  ended: boolean;
  /** Reconnections (with Last-Event-ID) after the server dropped a slow viewer. */
  reconnects: number;
}

/**
 * The frames of one SSE response read straight off a TCP socket: HTTP/1.1 head, chunked
 * transfer coding and `\n\n`-separated frames are parsed on the bytes (a frame boundary is ASCII,
 * so no text decoding is needed), which keeps 1,000 viewers' client cost well below node:http's
 * stream machinery. Every frame with an id is handed to `onFrame` with the time its bytes arrived.
 */
class SseSocketReader {
  status = 0;
  private head = Buffer.alloc(0);
  private chunked = false;
  /** Bytes left in the current chunk; -1 while reading a chunk-size line. */
  private left = -1;
  private line = '';
  /** Bytes to skip: the CRLF after a chunk's data. */
  private skip = 0;
  private rest = Buffer.alloc(0);

  constructor(
    private readonly onFrame: (buf: Buffer, start: number, end: number, t: number) => void,
  ) {}

  /** Feeds bytes from the socket; returns false once the response ended (last chunk). */
  feed(data: Buffer, t: number): boolean {
    let buf = data;
    if (this.status === 0) {
      this.head = Buffer.concat([this.head, buf]);
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) return true;
      const text = this.head.toString('latin1', 0, end);
      this.status = Number(text.slice(9, 12));
      this.chunked = /\r\ntransfer-encoding:\s*chunked/i.test(text);
      buf = this.head.subarray(end + 4);
      this.head = Buffer.alloc(0);
    }
    if (!this.chunked) {
      this.body(buf, t);
      return true;
    }
    let i = 0;
    while (i < buf.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, buf.length - i);
        this.skip -= n;
        i += n;
      } else if (this.left < 0) {
        const nl = buf.indexOf(10, i);
        this.line += buf.toString('latin1', i, nl < 0 ? buf.length : nl);
        if (nl < 0) return true;
        i = nl + 1;
        const size = parseInt(this.line, 16);
        this.line = '';
        if (size === 0) return false;
        this.left = size;
      } else {
        const n = Math.min(this.left, buf.length - i);
        this.body(buf.subarray(i, i + n), t);
        i += n;
        this.left -= n;
        if (this.left === 0) {
          this.left = -1;
          this.skip = 2;
        }
      }
    }
    return true;
  }

  private body(piece: Buffer, t: number): void {
    const buf = this.rest.length > 0 ? Buffer.concat([this.rest, piece]) : piece;
    let start = 0;
    for (let end = buf.indexOf('\n\n'); end >= 0; end = buf.indexOf('\n\n', start)) {
      this.onFrame(buf, start, end, t);
      start = end + 2;
    }
    // Copied: `piece` may be a view of a socket buffer that is reused.
    this.rest = Buffer.from(buf.subarray(start));
  }
}

const ID = Buffer.from('id: ');
const COMPLETED = Buffer.from('event: run_completed');
const DATA = Buffer.from('"data":"');

/**
 * One SSE viewer that behaves like EventSource: when the connection ends before
 * run_completed (e.g. the server dropped it for reading too slowly) it reconnects with
 * Last-Event-ID and carries on. It checks that ids arrive one by one (exactly once, in order)
 * and takes each output's latency from the send time the producer wrote into its data.
 */
async function sseViewer(
  url: string,
  hist: Histogram,
  connected: () => void,
): Promise<ViewerStats> {
  const stats: ViewerStats = { outputs: 0, inOrder: true, ended: false, reconnects: 0 };
  const target = new URL(url);
  let last = 0;
  let first = true;
  const onFrame = (buf: Buffer, start: number, end: number, t: number): void => {
    if (buf.compare(ID, 0, ID.length, start, start + ID.length) !== 0) return;
    let id = 0;
    let i = start + ID.length;
    for (let c = buf[i]; c !== undefined && c >= 48 && c <= 57; c = buf[++i]) id = id * 10 + c - 48;
    if (id !== last + 1) stats.inOrder = false;
    last = id;
    const nl = i + 1;
    if (buf.compare(COMPLETED, 0, COMPLETED.length, nl, nl + COMPLETED.length) === 0) {
      stats.ended = true;
    }
    const d = buf.indexOf(DATA, nl);
    if (d < 0 || d > end) return;
    const bar = buf.indexOf(124, d); // '|'
    if (bar < 0 || bar > end) return;
    const sent = Number(buf.toString('latin1', d + DATA.length, bar));
    if (Number.isFinite(sent)) {
      stats.outputs++;
      hist.add(t - sent);
    }
  };
  const deadline = now() + 900_000;
  while (!stats.ended && now() < deadline && !stopped) {
    await new Promise<void>((resolve) => {
      const reader = new SseSocketReader(onFrame);
      const socket = net.connect(Number(target.port), target.hostname);
      socket.setNoDelay(true);
      let done = false;
      const finish = (delay = 0) => {
        if (done) return;
        done = true;
        socket.destroy();
        setTimeout(resolve, delay);
      };
      socket.on('connect', () => {
        const resume = last > 0 ? `Last-Event-ID: ${last}\r\n` : '';
        socket.write(
          `GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n` +
            `Accept: text/event-stream\r\n${resume}\r\n`,
        );
      });
      socket.on('data', (data: Buffer) => {
        const t = now();
        const open = reader.feed(data, t);
        if (reader.status !== 0 && reader.status !== 200) return finish(500);
        if (reader.status === 200 && first) {
          first = false;
          connected();
        }
        if (!open) finish();
      });
      socket.on('end', () => finish());
      socket.on('error', () => finish(200));
      socket.on('close', () => finish());
    });
    if (!stats.ended) stats.reconnects++;
  }
  return stats;
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

export async function run(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'plue-bench-runs-'));
  const stack = await startStack({
    dataDir: join(work, 'plue'),
    port: await freePort(),
    extraVars: BENCH_WORKER_VARS,
  });
  try {
    // Measured at the Worker's own socket: wrangler dev's reload proxy is a dev-only second
    // workerd process that every request and every streamed byte would pass through again
    // (BENCH_RUN_VIA_PROXY=1 measures through it).
    const base =
      process.env.BENCH_RUN_VIA_PROXY === '1'
        ? stack.url
        : await directWorkerUrl(stack.worker.pid as number, stack.url);
    console.log(
      `\n## run streams at ${base === stack.url ? "wrangler dev's public port" : "the Worker's own socket"} ${base}`,
    );
    console.log(`${VIEWERS} viewers, ${CHUNKS} chunks (batches of ${BATCH} every ${INTERVAL} ms)`);
    // SSE.
    const sseRun = await makeRun(base, { steps: ['s'] });
    const sseHist = new Histogram();
    let connected = 0;
    const viewers: Promise<ViewerStats>[] = [];
    for (let i = 0; i < VIEWERS; i++) {
      viewers.push(sseViewer(`${sseRun.api}/stream`, sseHist, () => connected++));
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 20));
    }
    const t0 = now();
    while (connected < VIEWERS && now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 50));
    const ssePosts = await produce(base, sseRun);
    const sseStats = await Promise.all(viewers);
    console.log(`SSE:     ${summary(sseStats)}`);
    const state = await fetch(`${base}/internal/runs/${sseRun.runId}/stream`, { headers: INTERNAL })
      .then((r) => (r.ok ? (r.json() as Promise<{ dropped: number }>) : undefined))
      .catch(() => undefined);
    console.log(
      `SSE latency p50 ${sseHist.quantile(0.5).toFixed(1)} ms, p99 ${sseHist.quantile(0.99).toFixed(1)} ms` +
        (state ? `; slow viewers dropped by the server: ${state.dropped}` : ''),
    );
    if (process.env.BENCH_RUN_POLL === '0') return;

    // Polling every second.
    const pollRun = await makeRun(base, { steps: ['s'] });
    const pollHist = new Histogram();
    const counter = { requests: 0, failed: 0 };
    const pollers = Array.from({ length: VIEWERS }, () => poller(pollRun.api, pollHist, counter));
    const pollPosts = await produce(base, pollRun);
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
    agent.destroy();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
