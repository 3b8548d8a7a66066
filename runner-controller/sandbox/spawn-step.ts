/**
 * Runs one host process for a backend: spawns it in its own process group, streams stdout and
 * stderr to the spec's onOutput with back-pressure and a byte cap, and kills the whole group on
 * timeout or abort (SIGTERM, then SIGKILL after a grace period). Backends wrap the command
 * (bwrap, cgroup wrapper) and pass the argv here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { DEFAULT_MAX_OUTPUT_BYTES, type OutputStream, type RunSpec } from './types';

export interface ProcessOutcome {
  exitCode: number | null;
  signal?: string;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  outputBytes: number;
  droppedBytes: number;
}

export interface SpawnOptions {
  argv: string[];
  /** The full environment of the spawned process (nothing is inherited). */
  env: Record<string, string>;
  cwd?: string;
  killGraceMs: number;
  /** Pipes to open as fds 3, 4, … of the child (e.g. bwrap's --info-fd and --block-fd). */
  extraPipes?: number;
  /**
   * Runs once the child is spawned (e.g. to set up its network before it is let go). If it
   * fails, the whole process group is killed and runProcess rejects with its error.
   */
  onSpawn?: (child: ChildProcess) => Promise<void>;
}

/** The outcome of a step cancelled before it started. */
const NOT_STARTED: ProcessOutcome = {
  exitCode: null,
  timedOut: false,
  cancelled: true,
  durationMs: 0,
  outputBytes: 0,
  droppedBytes: 0,
};

/** Spawn `argv` and supervise it according to `spec` (timeout, signal, output). */
export function runProcess(spec: RunSpec, opts: SpawnOptions): Promise<ProcessOutcome> {
  const started = performance.now();
  const [file, ...args] = opts.argv;
  if (file === undefined) throw new Error('runProcess: empty argv');
  if (spec.signal?.aborted) return Promise.resolve(NOT_STARTED);
  const cap = spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      env: opts.env,
      cwd: opts.cwd,
      detached: true,
      stdio: [
        spec.stdin ? 'pipe' : 'ignore',
        ...Array<'pipe'>(2 + (opts.extraPipes ?? 0)).fill('pipe'),
      ],
    });
    feedStdin(child, spec.stdin);
    let timedOut = false;
    let cancelled = false;
    let outputBytes = 0;
    let droppedBytes = 0;
    let sinkError: unknown;
    let setupError: unknown;
    let killTimer: NodeJS.Timeout | undefined;

    const signalGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const kill = (): void => {
      if (killTimer) return;
      signalGroup('SIGTERM');
      killTimer = setTimeout(() => signalGroup('SIGKILL'), opts.killGraceMs);
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, spec.timeoutMs);
    const onAbort = (): void => {
      cancelled = true;
      kill();
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });

    // Async iteration reads with 'readable' events: awaiting the sink is the back-pressure, and
    // child_process does not force-resume such streams when the child exits (it does for 'data').
    const pump = async (stream: Readable, name: OutputStream): Promise<void> => {
      try {
        await drain(stream, name);
      } catch {
        // A broken pipe ends the stream; the exit status still tells how the step ended.
      }
    };
    const drain = async (stream: Readable, name: OutputStream): Promise<void> => {
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        if (sinkError !== undefined) continue;
        let data: Uint8Array = chunk;
        const room = cap - outputBytes;
        if (room <= 0) {
          droppedBytes += chunk.length;
          continue;
        }
        if (chunk.length > room) {
          droppedBytes += chunk.length - room;
          data = chunk.subarray(0, room);
        }
        outputBytes += data.length;
        try {
          await spec.onOutput(name, data);
        } catch (err) {
          sinkError = err;
          kill();
        }
      }
    };
    // Settled before runProcess resolves, so whatever the setup started is known to the caller.
    const setup = (opts.onSpawn?.(child) ?? Promise.resolve()).catch((err: unknown) => {
      setupError = err;
      signalGroup('SIGKILL');
    });
    // stdio[1] and stdio[2] are always 'pipe' above, so both streams exist.
    const pumps = Promise.all([
      pump(child.stdout as Readable, 'stdout'),
      pump(child.stderr as Readable, 'stderr'),
    ]);

    child.on('error', (err) => {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    // Leftover background processes of the step would keep the pipes open: kill the group.
    child.on('exit', () => signalGroup('SIGKILL'));
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      spec.signal?.removeEventListener('abort', onAbort);
      void Promise.all([pumps, setup]).then(() => {
        if (setupError !== undefined) {
          reject(setupError instanceof Error ? setupError : new Error(String(setupError)));
          return;
        }
        if (sinkError !== undefined) {
          reject(sinkError instanceof Error ? sinkError : new Error(String(sinkError)));
          return;
        }
        resolve({
          exitCode: code,
          ...(sig ? { signal: sig } : {}),
          timedOut,
          cancelled: cancelled && !timedOut,
          durationMs: Math.round(performance.now() - started),
          outputBytes,
          droppedBytes,
        });
      });
    });
  });
}

/** Writes `stdin`'s bytes to the child's standard input once they come, then closes it. */
function feedStdin(child: ChildProcess, stdin: Promise<Uint8Array> | undefined): void {
  const input = child.stdin;
  if (!stdin || !input) return;
  input.on('error', () => undefined); // EPIPE: the command ended without reading it all
  stdin.then(
    (bytes) => input.end(bytes),
    () => input.end(),
  );
}
