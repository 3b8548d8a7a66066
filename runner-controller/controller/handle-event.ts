/**
 * One claimed event: check the repository out at the event's commit (with the claim's event
 * token, which reads that repository only while the claim holds), evaluate every
 * `.plue/workflows/*.py` in the sandbox against the event, and report the plans and errors to
 * the Worker (which creates the runs). A commit that cannot be fetched fails the event.
 * A claim that brings `siblings` (other push events at the same commit, issue #21) is checked
 * out once and its workflow files are evaluated once for all the events; each event is still
 * reported (and fenced by its own lease) on its own. Files that no event of the claim can match
 * are answered from their cached definitions while their blob ids are unchanged
 * (evaluation-cache.ts). The evaluated checkout is kept for the events' runs
 * (workspace-cache.ts) when a cache is given.
 */
import type { FileEvaluation } from '../evaluate';
import { EvaluationCache } from '../evaluation-cache';
import type { SandboxBackend } from '../sandbox/types';
import { LeaseLostError, type ClaimedEvent, type ControllerApi } from './api';
import type { Trace } from './trace';
import { checkout } from './workspace';
import type { WorkspaceCache } from './workspace-cache';

export interface EventContext {
  api: ControllerApi;
  backend: SandboxBackend;
  dataDir?: string | undefined;
  log(message: string): void;
  signal?: AbortSignal;
  trace?: Trace | undefined;
  /** Keeps the checkout for the event's runs (workspace-cache.ts). */
  workspaces?: WorkspaceCache | undefined;
  /** Definitions of unchanged workflow files (evaluation-cache.ts); default: one per process. */
  cache?: EvaluationCache;
}

/** The process's cache when the caller brings none: definitions are the same for every caller. */
const sharedCache = new EvaluationCache();

export async function handleEvent(ctx: EventContext, claimed: ClaimedEvent): Promise<void> {
  const { event, lease } = claimed;
  let ws;
  try {
    ws = await checkout({
      baseUrl: ctx.api.baseUrl,
      job: { kind: 'event', id: event.id, token: claimed.token },
      repo: event.repo.full_name,
      sha: event.sha,
      dataDir: ctx.dataDir,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
  } catch (err) {
    ctx.log(`event ${event.id}: checkout failed: ${String(err)}`);
    const why = `checkout failed: ${String(err)}`.slice(0, 2000);
    await ctx.api.failEvent(event.id, lease, why);
    for (const s of claimed.siblings ?? []) await ctx.api.failEvent(s.event.id, s.lease, why);
    return;
  }
  ctx.trace?.('event_checked_out', event.id);
  let kept = false;
  try {
    const batch = [claimed, ...(claimed.siblings ?? [])];
    const evaluated = await (ctx.cache ?? sharedCache).evaluate({
      workspace: ws.dir,
      events: batch.map((b) => b.sdk_event),
      backend: ctx.backend,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    ctx.trace?.('event_evaluated', event.id);
    const commit = ws.commit;
    // Before the reports create the runs: one may be claimed here at once.
    if (ctx.workspaces) {
      ctx.workspaces.keep(event.repo.full_name, ws);
      kept = true;
    }
    await inLanes(batch.length, REPORT_LANES, async (i) => {
      const one = batch[i] as (typeof batch)[number];
      await report(ctx, one, commit, evaluated[i] ?? []);
    });
    ctx.trace?.('event_reported', event.id);
  } finally {
    if (!kept) ws.remove();
  }
}

/** Reports sent at once for a batch (each is one transaction in the Worker). */
const REPORT_LANES = 4;

async function inLanes(n: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    for (let i = next++; i < n; i = next++) await fn(i);
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, lane));
}

async function report(
  ctx: EventContext,
  claimed: Pick<ClaimedEvent, 'event' | 'lease'>,
  commit: string,
  results: FileEvaluation[],
): Promise<void> {
  const { event, lease } = claimed;
  try {
    const files = results.map((r) =>
      'error' in r
        ? { file: r.file, error: r.error, log: r.log.slice(-8000) }
        : { file: r.file, workflows: r.workflows },
    );
    await ctx.api.reportEvaluation(event.id, lease, commit, files);
    const matched = results.flatMap((r) => ('workflows' in r ? r.workflows : []));
    ctx.log(
      `event ${event.id} (${event.type} ${event.repo.full_name} ${event.ref}): ${results.length} file(s), ` +
        `${matched.filter((w) => w.matched).length} workflow(s) matched`,
    );
  } catch (err) {
    if (err instanceof LeaseLostError) ctx.log(`event ${event.id}: lease lost`);
    else throw err;
  }
}
