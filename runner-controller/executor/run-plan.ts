/**
 * The plan executor: runs one evaluated workflow plan (plan.ts) with a sandbox backend.
 *
 * Inputs (plain data): the plan, the workspace directory (the checked-out repository, shared by
 * the run's steps), secret values by name, a base environment for every step, limits, an
 * AbortSignal for cancellation. Output: events through `onEvent` (events.ts), delivered one at a
 * time in order — when `onEvent` returns a promise the executor waits for it, and a slow sink
 * slows the steps' output down instead of buffering it; a rejected promise cancels the run and
 * `runPlan` rejects. `runPlan` resolves with the conclusion and every step's outcome.
 *
 * Scheduling: a step starts as soon as all its dependencies are done and ok (success, or a
 * failure/timeout of a step marked continue_on_error), up to `concurrency` at once, in plan
 * order. A dependency that is not ok skips its dependants. `llm`/`agent` steps are skipped for
 * now (the agents capability executes them). The workflow timeout bounds the whole run.
 */
import type { SandboxBackend } from '../sandbox/types';
import type { ExecutorEvent, RunConclusion, StepStatus } from './events';
import { maskPatterns } from './masker';
import type { PlanStep, WorkflowPlan } from './plan';
import { runStep, type StepRunOutcome } from './run-step';

export const AGENT_STEP_NOTE = 'agent steps are executed by the agents capability';

export interface RunPlanOptions {
  plan: WorkflowPlan;
  backend: SandboxBackend;
  workspace: string;
  /** Secret values by name; a step receives only those it declares, all are masked everywhere. */
  secrets?: Record<string, string>;
  /** Environment for every step (e.g. PLUE_REPO, PLUE_SHA, CI=true); the step's own env wins. */
  env?: Record<string, string>;
  /** Steps running at once (default 2). */
  concurrency?: number;
  memoryBytes?: number;
  maxOutputBytes?: number;
  /** Output batching bounds (default 500 ms / 64 KiB). */
  batchMs?: number;
  batchBytes?: number;
  signal?: AbortSignal;
  onEvent(e: ExecutorEvent): void | Promise<void>;
}

export interface RunSummary {
  conclusion: RunConclusion;
  steps: Record<string, StepRunOutcome>;
}

/** Execute `plan` to completion (or cancellation); see the module header. */
export async function runPlan(opts: RunPlanOptions): Promise<RunSummary> {
  const { plan } = opts;
  const steps = plan.steps ?? [];
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const secrets = opts.secrets ?? {};
  const patterns = maskPatterns(Object.values(secrets));
  const outcomes = new Map<string, StepRunOutcome>();
  const running = new Map<string, Promise<void>>();
  const stop = new AbortController();
  let timedOut = false;
  let sinkError: unknown;

  let chain: Promise<void> = Promise.resolve();
  const emit = (e: ExecutorEvent): Promise<void> => {
    chain = chain.then(async () => {
      if (sinkError !== undefined) return;
      try {
        await opts.onEvent(e);
      } catch (err) {
        sinkError = err;
        stop.abort();
      }
    });
    return chain;
  };
  const onAbort = () => stop.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) stop.abort();
  const deadline = setTimeout(() => {
    timedOut = true;
    stop.abort();
  }, plan.timeout * 1000);

  const complete = (step: PlanStep, outcome: StepRunOutcome): Promise<void> => {
    outcomes.set(step.id, outcome);
    return emit({
      type: 'step_completed',
      step_id: step.id,
      status: outcome.status,
      exit_code: outcome.exitCode,
      duration_ms: outcome.durationMs,
      ...(outcome.note ? { note: outcome.note } : {}),
      ...(outcome.oomKilled ? { oom_killed: true } : {}),
      ...(outcome.droppedBytes ? { output_truncated_bytes: outcome.droppedBytes } : {}),
    });
  };
  const skip = (step: PlanStep, status: StepStatus, note: string) =>
    complete(step, { status, exitCode: null, durationMs: 0, note });
  const depOk = (id: string): boolean => {
    const o = outcomes.get(id);
    const dep = steps.find((s) => s.id === id);
    if (!o || !dep) return false;
    return (
      o.status === 'success' ||
      (dep.continue_on_error && (o.status === 'failure' || o.status === 'timed_out'))
    );
  };

  const start = (step: Extract<PlanStep, { type: 'run' }>): void => {
    const { env, notices } = stepEnv(step, opts.env ?? {}, secrets);
    const task = (async () => {
      await emit({ type: 'step_started', step_id: step.id });
      const outcome = await runStep({
        step,
        backend: opts.backend,
        workspace: opts.workspace,
        env,
        notices,
        maskPatterns: patterns,
        timeoutMs: step.timeout * 1000,
        ...(opts.memoryBytes !== undefined ? { memoryBytes: opts.memoryBytes } : {}),
        ...(opts.maxOutputBytes !== undefined ? { maxOutputBytes: opts.maxOutputBytes } : {}),
        batchMs: opts.batchMs ?? 500,
        batchBytes: opts.batchBytes ?? 64 * 1024,
        signal: stop.signal,
        emit,
      });
      if (outcome.status === 'cancelled' && timedOut) {
        outcome.status = 'timed_out';
        outcome.note = 'workflow timed out';
      }
      await complete(step, outcome);
    })();
    running.set(step.id, task);
    void task.finally(() => running.delete(step.id));
  };

  await emit({
    type: 'run_started',
    workflow: plan.name,
    steps: steps.map((s) => ({ id: s.id, name: s.name, type: s.type, depends_on: s.depends_on })),
  });

  const planFailed = plan.result?.status === 'failure';
  for (;;) {
    // Settle every step that can be decided without running, then start what may start.
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const step of steps) {
        if (outcomes.has(step.id) || running.has(step.id)) continue;
        if (planFailed) {
          await skip(
            step,
            'skipped',
            `workflow failed at plan time: ${plan.result?.message ?? ''}`,
          );
        } else if (stop.signal.aborted) {
          await skip(
            step,
            timedOut ? 'skipped' : 'cancelled',
            timedOut ? 'workflow timed out' : 'run cancelled',
          );
        } else {
          const bad = step.depends_on.find((d) => outcomes.has(d) && !depOk(d));
          if (bad !== undefined) {
            await skip(step, 'skipped', `dependency ${bad} ${outcomes.get(bad)?.status ?? ''}`);
          } else if (step.depends_on.every((d) => outcomes.has(d))) {
            if (step.type !== 'run') {
              await skip(step, 'skipped', AGENT_STEP_NOTE);
            } else if (running.size < concurrency) {
              start(step);
            } else {
              continue;
            }
          } else {
            continue;
          }
        }
        progressed = true;
      }
    }
    if (running.size === 0) break;
    await Promise.race(running.values());
  }
  clearTimeout(deadline);
  opts.signal?.removeEventListener('abort', onAbort);

  const conclusion = conclude(steps, outcomes, {
    cancelled: stop.signal.aborted && !timedOut,
    timedOut,
    planFailed,
  });
  await emit({
    type: 'run_completed',
    conclusion,
    ...(planFailed && plan.result?.message ? { message: plan.result.message } : {}),
  });
  if (sinkError !== undefined) {
    throw sinkError instanceof Error ? sinkError : new Error(String(sinkError));
  }
  return { conclusion, steps: Object.fromEntries(outcomes) };
}

function conclude(
  steps: PlanStep[],
  outcomes: Map<string, StepRunOutcome>,
  s: { cancelled: boolean; timedOut: boolean; planFailed: boolean },
): RunConclusion {
  if (s.timedOut) return 'timed_out';
  if (s.cancelled) return 'cancelled';
  if (s.planFailed) return 'failure';
  const failed = steps.some((step) => {
    const status = outcomes.get(step.id)?.status;
    return (status === 'failure' || status === 'timed_out') && !step.continue_on_error;
  });
  return failed ? 'failure' : 'success';
}

/** The step's environment: base, then the step's own, then the secrets it declared. */
function stepEnv(
  step: PlanStep,
  base: Record<string, string>,
  secrets: Record<string, string>,
): { env: Record<string, string>; notices: string[] } {
  const env = { ...base, ...step.env };
  const notices: string[] = [];
  for (const [name, secret] of Object.entries(step.secret_env)) {
    const value = secrets[secret];
    if (value === undefined) {
      notices.push(`secret ${secret} is not available to this run; ${name} is not set`);
      delete env[name];
    } else {
      env[name] = value;
    }
  }
  return { env, notices };
}
