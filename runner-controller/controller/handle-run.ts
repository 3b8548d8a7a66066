/**
 * One claimed run: check the repository out at the run's commit (with the run's token, the
 * only credential that reads it; or copy this controller's checkout of the event that created
 * the run, workspace-cache.ts), execute the plan with the
 * sandbox backend, forward every event to the run's log, heartbeat the lease (kill the steps
 * when it is lost or a cancel was requested), and complete the run, fenced by the lease epoch.
 * A controller that is shutting down abandons its runs without completing them: their leases
 * expire and the Worker requeues them (an infrastructure loss, retried once).
 */
import type { Provider } from '../agent/provider';
import { runPlan, type RunSummary } from '../executor/run-plan';
import { workflowPlanSchema } from '../executor/plan';
import type { SandboxBackend } from '../sandbox/types';
import { limitsForRun, type StepLimits } from '../sandbox/limits';
import { LeaseLostError, type ClaimedRun, type ControllerApi, type RunResult } from './api';
import { EventForwarder } from './forwarder';
import type { Trace } from './trace';
import { checkout, type Workspace } from './workspace';
import type { WorkspaceCache } from './workspace-cache';

export interface RunContext {
  api: ControllerApi;
  backend: SandboxBackend;
  /** The controller's default step limits; a workflow's own settings apply on top. */
  limits: StepLimits;
  dataDir?: string | undefined;
  /** Steps of one run at once. */
  stepConcurrency: number;
  heartbeatMs: number;
  log(message: string): void;
  /** Aborted when the controller stops: the run is abandoned (not completed). */
  abandon: AbortSignal;
  /** The model provider for llm/agent steps (it holds the key; steps never see it). */
  models?: Provider | undefined;
  trace?: Trace | undefined;
  /** Event checkouts to start from instead of fetching again (workspace-cache.ts). */
  workspaces?: WorkspaceCache | undefined;
}

export async function handleRun(ctx: RunContext, claimed: ClaimedRun): Promise<void> {
  const { run, lease, token } = claimed;
  const id = run.id;
  const parsed = workflowPlanSchema.safeParse(run.plan);
  if (!parsed.success) {
    await complete(ctx, claimed, { conclusion: 'failure', message: 'the stored plan is invalid' });
    return;
  }
  const stop = new AbortController();
  let lost = false;
  let cancelled = false;
  const onAbandon = () => stop.abort();
  ctx.abandon.addEventListener('abort', onAbandon, { once: true });
  const beat = setInterval(() => {
    ctx.api.heartbeat(id, lease).then(
      (cancel) => {
        if (cancel && !cancelled) {
          cancelled = true;
          ctx.log(`run ${id}: cancel requested`);
          stop.abort();
        }
      },
      (err: unknown) => {
        if (err instanceof LeaseLostError) {
          lost = true;
          ctx.log(`run ${id}: lease lost; stopping its steps`);
          stop.abort();
        }
      },
    );
  }, ctx.heartbeatMs);
  let ws: Workspace | undefined;
  try {
    try {
      ws = await ctx.workspaces?.copy(claimed.repo.full_name, run.head_sha, ctx.dataDir);
      ws ??= await checkout({
        baseUrl: ctx.api.baseUrl,
        job: { kind: 'run', id, token },
        repo: claimed.repo.full_name,
        sha: run.head_sha,
        dataDir: ctx.dataDir,
        signal: stop.signal,
      });
    } catch (err) {
      if (ctx.abandon.aborted || lost) return;
      await complete(ctx, claimed, {
        conclusion: 'failure',
        message: `checkout failed: ${String(err)}`,
      });
      return;
    }
    ctx.trace?.('run_checked_out', id);
    const forwarder = new EventForwarder(ctx.api, id, token, run.attempt > 1, ctx.trace);
    let summary: RunSummary;
    try {
      summary = await runPlan({
        plan: parsed.data,
        backend: ctx.backend,
        workspace: ws.dir,
        secrets: claimed.secrets,
        env: {
          CI: 'true',
          PLUE: 'true',
          PLUE_REPO: claimed.repo.full_name,
          PLUE_SHA: run.head_sha,
          PLUE_REF: run.head_branch ?? '',
          PLUE_EVENT: run.event,
          PLUE_RUN_ID: String(id),
          PLUE_RUN_NUMBER: String(run.run_number),
          PLUE_RUN_ATTEMPT: String(run.attempt),
          PLUE_WORKFLOW: run.workflow_name,
        },
        concurrency: ctx.stepConcurrency,
        ...limitsForRun(ctx.limits, parsed.data.limits),
        signal: stop.signal,
        models: ctx.models,
        repo: claimed.repo.full_name,
        forge: { baseUrl: ctx.api.baseUrl, runId: String(id), token },
        // An abandoned run reports nothing more, as if this controller had crashed.
        onEvent: (e) =>
          ctx.abandon.aborted ? Promise.reject(new Error('abandoned')) : forwarder.push(e),
      });
      await forwarder.drain();
    } catch (err) {
      if (ctx.abandon.aborted) return;
      if (err instanceof LeaseLostError || lost) {
        ctx.log(`run ${id}: lease lost or run finished elsewhere`);
        return;
      }
      throw err;
    }
    if (lost || ctx.abandon.aborted) return;
    const steps = Object.fromEntries(
      Object.entries(summary.steps).map(([k, v]) => [
        k,
        { status: v.status, exit_code: v.exitCode },
      ]),
    );
    await complete(ctx, claimed, {
      conclusion: cancelled ? 'cancelled' : summary.conclusion,
      steps,
      ...(cancelled ? { message: 'cancelled' } : {}),
    });
    ctx.log(`run ${id} (${run.workflow_name}): ${cancelled ? 'cancelled' : summary.conclusion}`);
  } finally {
    clearInterval(beat);
    ctx.abandon.removeEventListener('abort', onAbandon);
    ws?.remove();
  }
}

async function complete(ctx: RunContext, claimed: ClaimedRun, result: RunResult): Promise<void> {
  try {
    await ctx.api.complete(claimed.run.id, claimed.lease, result);
  } catch (err) {
    if (err instanceof LeaseLostError)
      ctx.log(`run ${claimed.run.id}: lease lost before completion`);
    else throw err;
  }
}
