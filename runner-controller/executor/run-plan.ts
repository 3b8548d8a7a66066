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
 * order. A dependency that is not ok skips its dependants. `llm`/`agent` steps run the model loop
 * (agent/model-step.ts) with `models`, their tools in the same sandbox and workspace as shell
 * steps; without `models` they fail with a note saying how to configure a provider. A model
 * step's output is kept for later steps, whose `vars` name it (`{"$output": {step, path}}`, what
 * the SDK writes for `review.output.summary`). The workflow timeout bounds the whole run.
 */
import type { ForgeEndpoint } from '../agent/forge-client';
import { runModelStep, type ModelPlanStep } from '../agent/model-step';
import type { Provider } from '../agent/provider';
import type { SandboxBackend } from '../sandbox/types';
import type { ExecutorEvent, RunConclusion, StepStatus } from './events';
import { maskPatterns } from './masker';
import type { PlanStep, WorkflowPlan } from './plan';
import { resolveOutputRefs } from './output-refs';
import { runStep, type StepRunOutcome } from './run-step';

export const AGENT_STEP_NOTE =
  'model steps need a model provider: set ANTHROPIC_API_KEY (and PLUE_LLM_BASE_URL, PLUE_LLM_MODELS) for the runner controller';

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
  /** Per-step limits (sandbox/limits.ts), where the backend can enforce them. */
  memoryBytes?: number;
  pidsMax?: number;
  cpus?: number;
  maxOutputBytes?: number;
  /** Output batching bounds (default 500 ms / 64 KiB). */
  batchMs?: number;
  batchBytes?: number;
  signal?: AbortSignal;
  /** The model provider for llm/agent steps (absent: they fail with AGENT_STEP_NOTE). */
  models?: Provider | undefined;
  /** owner/name, for a model step's system prompt. */
  repo?: string;
  /** The Worker and the run's token, for agent steps' forge tools. */
  forge?: ForgeEndpoint | undefined;
  onEvent(e: ExecutorEvent): void | Promise<void>;
}

export interface RunSummary {
  conclusion: RunConclusion;
  steps: Record<string, StepRunOutcome>;
}

/** Execute `plan` to completion (or cancellation); see the module header. */
export function runPlan(opts: RunPlanOptions): Promise<RunSummary> {
  return new PlanRun(opts).execute();
}

type RunStep = Extract<PlanStep, { type: 'run' }>;

/** One execution of a plan: the steps' outcomes so far, the steps running, and how it stops. */
class PlanRun {
  private readonly plan: WorkflowPlan;
  private readonly steps: PlanStep[];
  private readonly concurrency: number;
  private readonly secrets: Record<string, string>;
  private readonly patterns: string[];
  private readonly planFailed: boolean;
  private readonly outcomes = new Map<string, StepRunOutcome>();
  private readonly running = new Map<string, Promise<void>>();
  /** Aborted by cancellation, the workflow timeout, or a sink that failed. */
  private readonly stop = new AbortController();
  private timedOut = false;
  private sinkError: unknown;
  /** Events are handed to the sink one at a time, in order. */
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly opts: RunPlanOptions) {
    this.plan = opts.plan;
    this.steps = opts.plan.steps ?? [];
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.secrets = opts.secrets ?? {};
    this.patterns = maskPatterns(Object.values(this.secrets));
    this.planFailed = opts.plan.result?.status === 'failure';
  }

  /** Runs the steps to the end and reports the conclusion; see the module header. */
  async execute(): Promise<RunSummary> {
    const { plan, opts } = this;
    const onAbort = () => this.stop.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) this.stop.abort();
    const deadline = setTimeout(() => {
      this.timedOut = true;
      this.stop.abort();
    }, plan.timeout * 1000);

    await this.emit({
      type: 'run_started',
      workflow: plan.name,
      steps: this.steps.map((s) => ({
        id: s.id,
        name: s.name,
        type: s.type,
        depends_on: s.depends_on,
      })),
    });
    await this.schedule();
    clearTimeout(deadline);
    opts.signal?.removeEventListener('abort', onAbort);

    const conclusion = conclude(this.steps, this.outcomes, {
      cancelled: this.stop.signal.aborted && !this.timedOut,
      timedOut: this.timedOut,
      planFailed: this.planFailed,
    });
    await this.emit({
      type: 'run_completed',
      conclusion,
      ...(this.planFailed && plan.result?.message ? { message: plan.result.message } : {}),
    });
    if (this.sinkError !== undefined) {
      const err = this.sinkError;
      throw err instanceof Error ? err : new Error(String(err));
    }
    return { conclusion, steps: Object.fromEntries(this.outcomes) };
  }

  /** Until no step runs: settle what can be decided without running, start what may start. */
  private async schedule(): Promise<void> {
    for (;;) {
      let progressed = true;
      while (progressed) {
        progressed = false;
        for (const step of this.steps) {
          if (this.outcomes.has(step.id) || this.running.has(step.id)) continue;
          if (await this.decide(step)) progressed = true;
        }
      }
      if (this.running.size === 0) return;
      await Promise.race(this.running.values());
    }
  }

  /** Settles or starts a step that is neither done nor running; false when it must wait. */
  private async decide(step: PlanStep): Promise<boolean> {
    if (this.planFailed) {
      const message = this.plan.result?.message ?? '';
      await this.skip(step, 'skipped', `workflow failed at plan time: ${message}`);
    } else if (this.stop.signal.aborted) {
      await this.skip(
        step,
        this.timedOut ? 'skipped' : 'cancelled',
        this.timedOut ? 'workflow timed out' : 'run cancelled',
      );
    } else {
      const bad = step.depends_on.find((d) => this.outcomes.has(d) && !this.depOk(d));
      if (bad !== undefined) {
        const status = this.outcomes.get(bad)?.status ?? '';
        await this.skip(step, 'skipped', `dependency ${bad} ${status}`);
      } else if (!step.depends_on.every((d) => this.outcomes.has(d))) {
        return false;
      } else if (step.type !== 'run' && !this.opts.models) {
        await this.emit({ type: 'step_started', step_id: step.id });
        await this.complete(step, {
          status: 'failure',
          exitCode: null,
          durationMs: 0,
          note: AGENT_STEP_NOTE,
        });
      } else if (this.running.size < this.concurrency) {
        this.start(step);
      } else {
        return false;
      }
    }
    return true;
  }

  /** A dependency is ok when it succeeded, or failed in a step marked continue_on_error. */
  private depOk(id: string): boolean {
    const o = this.outcomes.get(id);
    const dep = this.steps.find((s) => s.id === id);
    if (!o || !dep) return false;
    return (
      o.status === 'success' ||
      (dep.continue_on_error && (o.status === 'failure' || o.status === 'timed_out'))
    );
  }

  private start(step: PlanStep): void {
    const task = step.type === 'run' ? this.runOne(step) : this.runModel(step);
    this.running.set(step.id, task);
    void task.finally(() => this.running.delete(step.id));
  }

  private async runOne(step: RunStep): Promise<void> {
    const { opts } = this;
    const { env, notices } = stepEnv(step, opts.env ?? {}, this.secrets);
    await this.emit({ type: 'step_started', step_id: step.id });
    const outcome = await runStep({
      step,
      backend: opts.backend,
      workspace: opts.workspace,
      env,
      notices,
      maskPatterns: this.patterns,
      timeoutMs: step.timeout * 1000,
      ...(opts.memoryBytes !== undefined ? { memoryBytes: opts.memoryBytes } : {}),
      ...(opts.pidsMax !== undefined ? { pidsMax: opts.pidsMax } : {}),
      ...(opts.cpus !== undefined ? { cpus: opts.cpus } : {}),
      ...(opts.maxOutputBytes !== undefined ? { maxOutputBytes: opts.maxOutputBytes } : {}),
      ...(this.plan.image ? { image: this.plan.image } : {}),
      batchMs: opts.batchMs ?? 500,
      batchBytes: opts.batchBytes ?? 64 * 1024,
      signal: this.stop.signal,
      emit: (e) => this.emit(e),
    });
    if (outcome.status === 'cancelled' && this.timedOut) {
      outcome.status = 'timed_out';
      outcome.note = 'workflow timed out';
    }
    await this.complete(step, outcome);
  }

  private async runModel(step: ModelPlanStep): Promise<void> {
    const { opts } = this;
    const { env, notices } = stepEnv(step, opts.env ?? {}, this.secrets);
    await this.emit({ type: 'step_started', step_id: step.id });
    const timeout = AbortSignal.timeout(step.timeout * 1000);
    const signal = AbortSignal.any([this.stop.signal, timeout]);
    const resolved = resolveOutputRefs(step.vars, (id) => this.outcomes.get(id)?.output);
    let outcome: StepRunOutcome;
    if ('error' in resolved) {
      outcome = { status: 'failure', exitCode: null, durationMs: 0, note: resolved.error };
    } else {
      outcome = await runModelStep({
        step,
        vars: resolved.vars,
        // Checked in decide(): model steps start only with a provider.
        provider: opts.models as Provider,
        site: {
          backend: opts.backend,
          workspace: opts.workspace,
          env,
          network: step.network,
          signal,
          memoryBytes: opts.memoryBytes,
        },
        maskPatterns: this.patterns,
        repo: opts.repo ?? '',
        forge: opts.forge,
        emit: (e) => this.emit(e),
        notices,
      });
    }
    if (outcome.status === 'cancelled' && timeout.aborted && !this.stop.signal.aborted) {
      outcome.status = 'timed_out';
      outcome.note = 'step timed out';
    } else if (outcome.status === 'cancelled' && this.timedOut) {
      outcome.status = 'timed_out';
      outcome.note = 'workflow timed out';
    }
    await this.complete(step, outcome);
  }

  private skip(step: PlanStep, status: StepStatus, note: string): Promise<void> {
    return this.complete(step, { status, exitCode: null, durationMs: 0, note });
  }

  private complete(step: PlanStep, outcome: StepRunOutcome): Promise<void> {
    this.outcomes.set(step.id, outcome);
    return this.emit({
      type: 'step_completed',
      step_id: step.id,
      status: outcome.status,
      exit_code: outcome.exitCode,
      duration_ms: outcome.durationMs,
      ...(outcome.note ? { note: outcome.note } : {}),
      ...(outcome.oomKilled ? { oom_killed: true } : {}),
      ...(outcome.droppedBytes ? { output_truncated_bytes: outcome.droppedBytes } : {}),
      ...(outcome.output !== undefined ? { output: outcome.output } : {}),
      ...(outcome.usage ? { usage: outcome.usage } : {}),
    });
  }

  /** Queues an event for the sink; a sink that fails stops the run and gets no more events. */
  private emit(e: ExecutorEvent): Promise<void> {
    this.chain = this.chain.then(async () => {
      if (this.sinkError !== undefined) return;
      try {
        await this.opts.onEvent(e);
      } catch (err) {
        this.sinkError = err;
        this.stop.abort();
      }
    });
    return this.chain;
  }
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
