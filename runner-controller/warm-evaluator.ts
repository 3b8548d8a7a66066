/**
 * Warm workflow evaluators (issue #21: push → first log line). Starting a sandbox and a Python
 * interpreter that imports the SDK is most of an evaluation's time, and none of it depends on the
 * file or the event. So a few evaluators are started ahead of need, exactly as evaluate.ts starts
 * one (same backend, limits, read-only mounts, no network), running `python3 -m plue.evaluate
 * --serve`, which imports the SDK and waits for one request on stdin. Taking one copies the
 * repository's `.plue` into its own empty workspace (bound read-only into the sandbox when it
 * started; only `.plue` is read by evaluation) and sends the request; its answer is read as a cold
 * evaluator's. Each evaluator serves one file once and is replaced, so one file still cannot
 * change another's plan, as with cold starts.
 *
 * Only for backends whose commands get stdin (`supportsStdin`). An evaluator idle for longer than
 * `maxIdleMs` is stopped and replaced; `close()` stops them all. A taken evaluator is replaced at
 * once only when none is left waiting; otherwise after `refillDelayMs` (default 1.5 s), so that
 * starting an interpreter does not compete for the CPU with the run the evaluation just queued
 * (its checkout, its first step, its first output: push → first line).
 */
import { chmodSync, cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult, RunSpec, SandboxBackend } from './sandbox/types';

export const SDK_TARGET = '/opt/plue-sdk';

/** What evaluate.ts reads of an evaluator's run: its output streams and how it ended. */
export interface EvaluatorOutput {
  stdout: Uint8Array[];
  stderr: Uint8Array[];
  result: RunResult;
}

/** Bytes of each stream kept (the rest is dropped; a plan cut short then fails to parse). */
export interface OutputCaps {
  stdout: number;
  stderr: number;
}

/** Keeps each stream's output up to its cap; `caps` may be changed while it runs. */
export function outputSink(caps: OutputCaps): {
  caps: OutputCaps;
  stdout: Uint8Array[];
  stderr: Uint8Array[];
  onOutput: RunSpec['onOutput'];
} {
  const have = { stdout: 0, stderr: 0 };
  const sink = {
    caps,
    stdout: [] as Uint8Array[],
    stderr: [] as Uint8Array[],
    onOutput: (stream: 'stdout' | 'stderr', chunk: Uint8Array) => {
      const room = sink.caps[stream] - have[stream];
      if (room <= 0) return;
      const kept = Buffer.from(chunk.subarray(0, room));
      have[stream] += kept.length;
      (stream === 'stdout' ? sink.stdout : sink.stderr).push(kept);
    },
  };
  return sink;
}

export interface WarmOptions {
  /** Evaluators kept started (default 2). */
  size?: number;
  python?: string;
  sdkDir?: string;
  memoryBytes?: number;
  /** Where their workspaces are made (default: the OS temp directory). */
  dataDir?: string;
  maxIdleMs?: number;
  /** How long after one is taken the pool is refilled, when one is still waiting (ms). */
  refillDelayMs?: number;
}

interface Warm {
  dir: string;
  startedAt: number;
  send(bytes: Uint8Array): void;
  stop: AbortController;
  sink: ReturnType<typeof outputSink>;
  ended: boolean;
  done: Promise<EvaluatorOutput | undefined>;
}

/** The part of RunSpec an evaluator starts with (cold or warm); evaluate.ts adds the rest. */
export function evaluatorSpec(opts: {
  python?: string | undefined;
  sdkDir?: string | undefined;
  memoryBytes?: number | undefined;
}): Pick<RunSpec, 'env' | 'memoryBytes' | 'network' | 'workspaceReadOnly' | 'mounts'> & {
  python: string;
} {
  return {
    python: opts.python ?? '/usr/bin/python3',
    env: { PYTHONPATH: SDK_TARGET, PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' },
    memoryBytes: opts.memoryBytes ?? 256 * 1024 * 1024,
    network: false,
    workspaceReadOnly: true,
    mounts: [
      {
        source: opts.sdkDir ?? fileURLToPath(new URL('./sdk/', import.meta.url)),
        target: SDK_TARGET,
      },
    ],
  };
}

export class WarmEvaluators {
  private readonly ready: Warm[] = [];
  private closed = false;
  private refill: NodeJS.Timeout | undefined;
  /** Evaluations served warm, and taken when none was ready (cold), since creation. */
  served = 0;
  missed = 0;

  constructor(
    private readonly backend: SandboxBackend,
    private readonly opts: WarmOptions = {},
  ) {}

  /** Evaluators started and waiting for a request. */
  get waiting(): number {
    return this.ready.length;
  }

  /** Whether this backend can have warm evaluators at all. */
  static usable(backend: SandboxBackend): boolean {
    return backend.supportsStdin === true;
  }

  /** Starts evaluators up to the pool's size. */
  fill(): void {
    const size = this.opts.size ?? 2;
    while (!this.closed && this.ready.length < size) this.ready.push(this.start());
  }

  /**
   * Evaluates with a warm evaluator: `.plue` of `workspace` copied into its workspace, `request`
   * sent; undefined when none is ready (the caller starts a cold one). `timeoutMs` counts from
   * here; the result says `timedOut` when it passed.
   */
  async evaluate(
    workspace: string,
    request: Record<string, unknown>,
    timeoutMs: number,
    caps: OutputCaps,
    signal?: AbortSignal,
  ): Promise<EvaluatorOutput | undefined> {
    const warm = this.take();
    this.refillSoon();
    if (!warm) {
      this.missed++;
      return undefined;
    }
    this.served++;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      warm.stop.abort();
    }, timeoutMs);
    const onAbort = () => warm.stop.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const plue = join(workspace, '.plue');
      if (existsSync(plue)) cpSync(plue, join(warm.dir, '.plue'), { recursive: true });
      warm.sink.caps = caps;
      warm.send(Buffer.from(JSON.stringify(request), 'utf8'));
      const out = await warm.done;
      if (!out) return undefined;
      const cancelled = out.result.cancelled && !timedOut;
      const timed = out.result.timedOut || timedOut;
      return { ...out, result: { ...out.result, timedOut: timed, cancelled } };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      rmSync(warm.dir, { recursive: true, force: true });
    }
  }

  /** Fills the pool now when it is empty, else once `refillDelayMs` passed. */
  private refillSoon(): void {
    if (this.ready.length === 0) {
      this.fill();
      return;
    }
    if (this.refill) return;
    this.refill = setTimeout(() => {
      this.refill = undefined;
      this.fill();
    }, this.opts.refillDelayMs ?? 1500);
    this.refill.unref();
  }

  /** Stops every waiting evaluator; none is started again. */
  close(): void {
    this.closed = true;
    clearTimeout(this.refill);
    for (const w of this.ready.splice(0)) discard(w);
  }

  /** A started evaluator that is still waiting, not idle too long; the stale ones are stopped. */
  private take(): Warm | undefined {
    const maxIdle = this.opts.maxIdleMs ?? 5 * 60_000;
    for (let w = this.ready.shift(); w; w = this.ready.shift()) {
      if (!w.ended && Date.now() - w.startedAt < maxIdle) return w;
      discard(w);
    }
    return undefined;
  }

  private start(): Warm {
    const dir = mkdtempSync(join(this.opts.dataDir ?? tmpdir(), 'plue-warm-eval-'));
    chmodSync(dir, 0o755);
    let send: (bytes: Uint8Array) => void = () => undefined;
    const stdin = new Promise<Uint8Array>((resolve) => (send = resolve));
    const stop = new AbortController();
    // Until a request comes only the interpreter's own warnings can arrive: a log's worth.
    const sink = outputSink({ stdout: 0, stderr: 64 * 1024 });
    const { python, ...spec } = evaluatorSpec(this.opts);
    const warm: Warm = {
      dir,
      startedAt: Date.now(),
      send,
      stop,
      sink,
      ended: false,
      done: Promise.resolve(undefined),
    };
    warm.done = this.backend
      .run({
        ...spec,
        cmd: `exec ${python} -s -B -m plue.evaluate --serve`,
        cwd: dir,
        // Its whole life: waiting (up to maxIdleMs) and one evaluation (timed by `evaluate`).
        timeoutMs: (this.opts.maxIdleMs ?? 5 * 60_000) + 120_000,
        stdin,
        signal: stop.signal,
        maxOutputBytes: Number.MAX_SAFE_INTEGER, // the sink bounds each stream
        onOutput: (stream, chunk) => sink.onOutput(stream, chunk),
      })
      .then(
        (result) => ({ stdout: sink.stdout, stderr: sink.stderr, result }),
        () => undefined,
      )
      .finally(() => {
        warm.ended = true;
        // Ended while waiting (stopped, idle too long, crashed): gone from the pool and its disk,
        // and replaced if it had lived a while (an evaluator that cannot start is not retried).
        const i = this.ready.indexOf(warm);
        if (i < 0) return;
        this.ready.splice(i, 1);
        rmSync(dir, { recursive: true, force: true });
        if (Date.now() - warm.startedAt > 10_000) this.fill();
      });
    return warm;
  }
}

/** Stops an evaluator that will not be used, and removes its workspace. */
function discard(w: Warm): void {
  w.stop.abort();
  rmSync(w.dir, { recursive: true, force: true });
}
