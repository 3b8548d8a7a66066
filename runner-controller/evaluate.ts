/**
 * Workflow evaluation in the sandbox. Workflow files are untrusted code, so each
 * `.plue/workflows/*.py` of a checked-out workspace is evaluated by `python3 -m plue.evaluate`
 * inside the sandbox backend: workspace read-only, no network, the `plue` SDK mounted read-only
 * at /opt/plue-sdk (on PYTHONPATH), the event in a read-only file, a time and memory limit. One
 * sandbox per file, so one file cannot change another's plan; up to `concurrency` files (default
 * 4, at most one per CPU) are evaluated at once, and results keep the files' order. The evaluator's output is
 * validated (plan.ts) before it is returned; file names in results come from here, not from it.
 * A file can still print any well-formed plan for itself (it runs the evaluator's process) —
 * no more than its author could write as triggers and steps anyway. Decisions that must not be
 * up to the author (which secrets a fork's run gets) belong to the Worker, not to the plan.
 * `evaluateWorkflowsForEvents` takes many events at one commit (a push of many branches): still
 * one sandbox per file, in which the evaluator runs the file afresh for each event.
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { evaluationSchema, planProblem, type WorkflowPlan } from './executor/plan';
import { SANDBOX_WORKSPACE, type SandboxBackend } from './sandbox/types';
import {
  evaluatorSpec,
  outputSink,
  type EvaluatorOutput,
  type OutputCaps,
  type WarmEvaluators,
} from './warm-evaluator';

export const WORKFLOW_DIR = '.plue/workflows';
export const MAX_WORKFLOW_FILES = 50;
const EVENT_TARGET = '/run/plue';
const MAX_STDOUT = 2 * 1024 * 1024;
const MAX_LOG = 64 * 1024;

export interface EvaluateOptions {
  /** Host path of the checked-out repository. */
  workspace: string;
  /** The event (docs/workflows.md, "Events"); null lists the workflows without running them. */
  event: Record<string, unknown> | null;
  backend: SandboxBackend;
  /** Python inside the sandbox (default /usr/bin/python3). */
  python?: string;
  /** Host path of the SDK (the directory holding `plue/`); default: ./sdk beside this file. */
  sdkDir?: string;
  /** Per file (default 10 s) and memory (default 256 MiB). */
  timeoutMs?: number;
  memoryBytes?: number;
  /** Files evaluated at once (default: 4, at most the CPUs available). */
  concurrency?: number;
  /** Only these of the workspace's workflow files (default: all of them). */
  files?: string[];
  signal?: AbortSignal;
  /** Started evaluators to take before starting one (warm-evaluator.ts). */
  warm?: WarmEvaluators | undefined;
}

export interface EvaluationError {
  message: string;
  file: string;
  line: number | null;
}

export type FileEvaluation =
  | { file: string; workflows: WorkflowPlan[]; log: string }
  | { file: string; error: EvaluationError; log: string };

/** The workflow files of `workspace`, relative to it, sorted. */
export function listWorkflowFiles(workspace: string): string[] {
  let names: string[];
  try {
    names = readdirSync(join(workspace, WORKFLOW_DIR));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.py') && lstatSync(join(workspace, WORKFLOW_DIR, n)).isFile())
    .sort()
    .slice(0, MAX_WORKFLOW_FILES)
    .map((n) => `${WORKFLOW_DIR}/${n}`);
}

/** Evaluate every workflow file of the workspace against `event`, each in its own sandbox. */
export async function evaluateWorkflows(opts: EvaluateOptions): Promise<FileEvaluation[]> {
  const files = opts.files ?? listWorkflowFiles(opts.workspace);
  if (files.length === 0) return [];
  const eventDir = mkdtempSync(join(tmpdir(), 'plue-event-'));
  try {
    chmodSync(eventDir, 0o755);
    writeFileSync(join(eventDir, 'event.json'), JSON.stringify(opts.event), { mode: 0o644 });
    const results: FileEvaluation[] = new Array(files.length);
    const width = Math.max(
      1,
      Math.min(opts.concurrency ?? Math.min(4, availableParallelism()), files.length),
    );
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < files.length; i = next++) {
        results[i] = await evaluateFile(files[i] as string, eventDir, opts);
      }
    };
    await Promise.all(Array.from({ length: width }, lane));
    return results;
  } finally {
    rmSync(eventDir, { recursive: true, force: true });
  }
}

async function evaluateFile(
  file: string,
  eventDir: string,
  opts: EvaluateOptions,
): Promise<FileEvaluation> {
  const input: EvaluatorInput =
    opts.event === null
      ? { arg: '', request: {} }
      : { arg: ` --event-file ${EVENT_TARGET}/event.json`, request: { event: opts.event } };
  const out = await runEvaluator(file, eventDir, input, opts, MAX_STDOUT, opts.timeoutMs);
  if ('error' in out) return out;
  return fileResult(file, out.doc, out.log);
}

/** The event(s) as a cold evaluator reads them (a file in `eventDir`) and as a warm one does. */
interface EvaluatorInput {
  arg: string;
  request: { event?: Record<string, unknown>; events?: Array<Record<string, unknown>> };
}

/**
 * One run of the evaluator for `file` (a warm one if the pool has one ready, else a sandbox
 * started for it); its stdout parsed as JSON, or the file's error (timeout, cancel, memory, no
 * JSON) when there is nothing to parse.
 */
async function runEvaluator(
  file: string,
  eventDir: string,
  input: EvaluatorInput,
  opts: EvaluateOptions,
  maxStdout: number,
  timeoutMs = 10_000,
): Promise<{ doc: unknown; log: string } | Extract<FileEvaluation, { error: unknown }>> {
  const caps = { stdout: maxStdout, stderr: MAX_LOG };
  const request = { file, root: SANDBOX_WORKSPACE, ...input.request };
  const out =
    (await opts.warm?.evaluate(opts.workspace, request, timeoutMs, caps, opts.signal)) ??
    (await coldEvaluator(file, eventDir, input.arg, opts, caps, timeoutMs));
  const log = Buffer.concat(out.stderr).toString('utf8').slice(0, MAX_LOG);
  const fail = (message: string) => ({ file, error: { message, file, line: null }, log });
  const res = out.result;
  if (res.timedOut) return fail(`evaluation took longer than ${timeoutMs / 1000} s`);
  if (res.cancelled) return fail('evaluation cancelled');
  if (res.oomKilled) return fail('evaluation ran out of memory');
  try {
    return { doc: JSON.parse(Buffer.concat(out.stdout).toString('utf8')) as unknown, log };
  } catch {
    return fail(`the evaluator produced no plan (exit ${res.exitCode}): ${log.slice(-500)}`);
  }
}

/** A sandbox started for this one evaluation, the event(s) mounted read-only. */
async function coldEvaluator(
  file: string,
  eventDir: string,
  eventArg: string,
  opts: EvaluateOptions,
  caps: OutputCaps,
  timeoutMs: number,
): Promise<EvaluatorOutput> {
  const { python, ...spec } = evaluatorSpec(opts);
  const sink = outputSink(caps);
  const result = await opts.backend.run({
    ...spec,
    // The file name comes from the repository: pass it through the environment, never the shell.
    cmd: `exec ${python} -s -B -m plue.evaluate "$PLUE_WORKFLOW_FILE" --root /workspace${eventArg}`,
    cwd: opts.workspace,
    env: { ...spec.env, PLUE_WORKFLOW_FILE: file },
    timeoutMs,
    mounts: [...(spec.mounts ?? []), { source: eventDir, target: EVENT_TARGET }],
    // The sink bounds each stream (a flood of prints must not crowd out the plan); past it,
    // output is read and dropped.
    maxOutputBytes: Number.MAX_SAFE_INTEGER,
    ...(opts.signal ? { signal: opts.signal } : {}),
    onOutput: sink.onOutput,
  });
  return { stdout: sink.stdout, stderr: sink.stderr, result };
}

/** The evaluator's document for one file and event, checked (plan.ts). */
function fileResult(file: string, doc: unknown, log: string): FileEvaluation {
  const fail = (message: string, line: number | null = null): FileEvaluation => ({
    file,
    error: { message, file, line },
    log,
  });
  const parsed = evaluationSchema.safeParse(doc);
  if (!parsed.success)
    return fail(`the evaluator produced an invalid plan: ${parsed.error.message}`);
  if ('error' in parsed.data) return fail(parsed.data.error.message, parsed.data.error.line);
  for (const wf of parsed.data.workflows) {
    const problem = planProblem(wf);
    if (problem) return fail(`invalid plan for workflow ${wf.name}: ${problem}`, wf.line);
    wf.file = file;
  }
  return { file, workflows: parsed.data.workflows, log };
}

/**
 * Evaluates every workflow file once for all of `events` (a push of many branches at one commit):
 * one sandbox per file, in which the evaluator runs the file afresh for each event. Returns, per
 * event in order, the files' results as `evaluateWorkflows` would give them for that event alone.
 */
export async function evaluateWorkflowsForEvents(
  opts: Omit<EvaluateOptions, 'event'> & { events: Array<Record<string, unknown>> },
): Promise<FileEvaluation[][]> {
  const files = opts.files ?? listWorkflowFiles(opts.workspace);
  const n = opts.events.length;
  if (files.length === 0) return opts.events.map(() => []);
  const eventDir = mkdtempSync(join(tmpdir(), 'plue-events-'));
  try {
    chmodSync(eventDir, 0o755);
    writeFileSync(join(eventDir, 'events.json'), JSON.stringify(opts.events), { mode: 0o644 });
    const arg = ` --events-file ${EVENT_TARGET}/events.json`;
    // A budget per event on top of the one for the file; output bounded likewise.
    const timeoutMs = (opts.timeoutMs ?? 10_000) + 100 * n;
    const maxStdout = MAX_STDOUT + Math.min(n, 1000) * 64 * 1024;
    const perFile: FileEvaluation[][] = new Array(files.length);
    const width = Math.max(
      1,
      Math.min(opts.concurrency ?? Math.min(4, availableParallelism()), files.length),
    );
    let next = 0;
    const lane = async (): Promise<void> => {
      for (let i = next++; i < files.length; i = next++) {
        const file = files[i] as string;
        const opt = { ...opts, event: null };
        const input = { arg, request: { events: opts.events } };
        const out = await runEvaluator(file, eventDir, input, opt, maxStdout, timeoutMs);
        perFile[i] = manyResults(file, out, n);
      }
    };
    await Promise.all(Array.from({ length: width }, lane));
    return opts.events.map((_, e) => perFile.map((r) => r[e] as FileEvaluation));
  } finally {
    rmSync(eventDir, { recursive: true, force: true });
  }
}

/** `{results: [...]}` split into one checked result per event; a failure applies to each. */
function manyResults(
  file: string,
  out: Awaited<ReturnType<typeof runEvaluator>>,
  n: number,
): FileEvaluation[] {
  if ('error' in out) return Array.from({ length: n }, () => out);
  const results = (out.doc as { results?: unknown } | null)?.results;
  if (!Array.isArray(results) || results.length !== n) {
    const doc = Array.isArray(results) ? { error: 'wrong number of results' } : out.doc;
    return Array.from({ length: n }, () => fileResult(file, doc, out.log));
  }
  return results.map((doc) => fileResult(file, doc, out.log));
}
