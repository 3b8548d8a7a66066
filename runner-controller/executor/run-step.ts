/**
 * Runs one `run` step in the sandbox and turns what happens into events: output is decoded per
 * stream (UTF-8, characters split across chunks kept intact), masked, batched into
 * `step_output` events, and the sandbox result is mapped to a step status. The caller
 * (run-plan.ts) decides when a step runs and emits `step_started`/`step_completed`.
 */
import type { RunResult, SandboxBackend } from '../sandbox/types';
import { OutputBatcher } from './batcher';
import type { ExecutorEvent, StepStatus } from './events';
import { StreamMasker } from './masker';
import type { PlanStep } from './plan';

export interface StepRunInput {
  step: Extract<PlanStep, { type: 'run' }>;
  backend: SandboxBackend;
  workspace: string;
  env: Record<string, string>;
  /** Notices from the executor to show at the top of the step's log (stderr). */
  notices: string[];
  maskPatterns: string[];
  timeoutMs: number;
  memoryBytes?: number;
  pidsMax?: number;
  cpus?: number;
  maxOutputBytes?: number;
  /** The workflow's image (kubernetes backend). */
  image?: string;
  batchMs: number;
  batchBytes: number;
  signal: AbortSignal;
  emit(e: ExecutorEvent): Promise<void>;
}

export interface StepRunOutcome {
  status: StepStatus;
  exitCode: number | null;
  durationMs: number;
  note?: string;
  oomKilled?: boolean;
  droppedBytes?: number;
  /** A model step's output (what later steps read as `<step>.output`). */
  output?: unknown;
  /** A model step's accounting. */
  usage?: StepUsage;
}

/** What a model step used: turns, tokens, wall time and a cost estimate (null: no price known). */
export interface StepUsage {
  model: string | null;
  turns: number;
  input_tokens: number;
  output_tokens: number;
  wall_ms: number;
  cost_usd: number | null;
}

/** Run the step; never throws (a sandbox error becomes a failed step with a note). */
export async function runStep(input: StepRunInput): Promise<StepRunOutcome> {
  const { step } = input;
  const batcher = new OutputBatcher({
    maxDelayMs: input.batchMs,
    maxBytes: input.batchBytes,
    emit: (b) => input.emit({ type: 'step_output', step_id: step.id, ...b }),
  });
  const decoders = { stdout: new TextDecoder(), stderr: new TextDecoder() };
  const maskers = {
    stdout: new StreamMasker(input.maskPatterns),
    stderr: new StreamMasker(input.maskPatterns),
  };
  for (const notice of input.notices) batcher.add('stderr', `plue: ${notice}\n`);
  const started = performance.now();
  let result: RunResult;
  try {
    result = await input.backend.run({
      cmd: step.cmd,
      cwd: input.workspace,
      env: input.env,
      timeoutMs: input.timeoutMs,
      ...(input.memoryBytes !== undefined ? { memoryBytes: input.memoryBytes } : {}),
      ...(input.pidsMax !== undefined ? { pidsMax: input.pidsMax } : {}),
      ...(input.cpus !== undefined ? { cpus: input.cpus } : {}),
      ...(input.maxOutputBytes !== undefined ? { maxOutputBytes: input.maxOutputBytes } : {}),
      ...(input.image ? { image: input.image } : {}),
      network: step.network,
      signal: input.signal,
      onOutput: (stream, chunk) => {
        const text = decoders[stream].decode(chunk, { stream: true });
        return batcher.add(stream, maskers[stream].push(text));
      },
    });
  } catch (err) {
    await batcher.flush();
    return {
      status: 'failure',
      exitCode: null,
      durationMs: Math.round(performance.now() - started),
      note: `sandbox error: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  for (const stream of ['stdout', 'stderr'] as const) {
    const tail = maskers[stream].push(decoders[stream].decode()) + maskers[stream].flush();
    batcher.add(stream, tail);
  }
  if (result.droppedBytes > 0) {
    batcher.add(
      'stderr',
      `\nplue: output truncated: ${result.droppedBytes} more bytes were not kept\n`,
    );
  }
  if (result.diskExceededBytes !== undefined) {
    batcher.add(
      'stderr',
      `\nplue: the step's workspace grew past its disk limit (${Math.round(result.diskExceededBytes / 1024 ** 2)} MiB seen) and the step was stopped\n`,
    );
  }
  if (result.oomKilled) {
    batcher.add('stderr', '\nplue: the step ran out of memory and was killed\n');
  }
  if (result.pidsRefused) {
    batcher.add(
      'stderr',
      `\nplue: the step hit its process limit (${input.pidsMax ?? 'the default'}): ${result.pidsRefused} fork(s) refused\n`,
    );
  }
  // A limit that does not hold here is said in the log, never dropped silently.
  for (const why of result.limitsNotHeld ?? []) batcher.add('stderr', `\nplue: ${why}\n`);
  await batcher.flush();
  return { ...statusOf(result), durationMs: result.durationMs };
}

function statusOf(r: RunResult): Omit<StepRunOutcome, 'durationMs'> {
  const extra = {
    ...(r.oomKilled ? { oomKilled: true } : {}),
    ...(r.droppedBytes > 0 ? { droppedBytes: r.droppedBytes } : {}),
  };
  const pids = r.pidsRefused ? ' (process limit reached)' : '';
  if (r.timedOut)
    return { status: 'timed_out', exitCode: r.exitCode, note: `step timed out${pids}`, ...extra };
  if (r.cancelled) return { status: 'cancelled', exitCode: r.exitCode, ...extra };
  if (r.diskExceededBytes !== undefined) {
    return {
      status: 'failure',
      exitCode: r.exitCode,
      note: 'workspace disk limit exceeded',
      ...extra,
    };
  }
  if (r.exitCode === 0) return { status: 'success', exitCode: 0, ...extra };
  const note = r.oomKilled
    ? 'out of memory'
    : r.pidsRefused
      ? 'process limit reached'
      : r.exitCode === null
        ? `killed by ${r.signal ?? 'a signal'}`
        : undefined;
  return { status: 'failure', exitCode: r.exitCode, ...(note ? { note } : {}), ...extra };
}
