/**
 * One claimed event: check the repository out at the event's commit (with the claim's event
 * token, which reads that repository only while the claim holds), evaluate every
 * `.plue/workflows/*.py` in the sandbox against the event, and report the plans and errors to
 * the Worker (which creates the runs). A commit that cannot be fetched fails the event. The
 * evaluated checkout is kept for the event's runs (workspace-cache.ts) when a cache is given.
 */
import { evaluateWorkflows } from '../evaluate';
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
}

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
    await ctx.api.failEvent(event.id, lease, `checkout failed: ${String(err)}`.slice(0, 2000));
    return;
  }
  ctx.trace?.('event_checked_out', event.id);
  let kept = false;
  try {
    const results = await evaluateWorkflows({
      workspace: ws.dir,
      event: claimed.sdk_event,
      backend: ctx.backend,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    const files = results.map((r) =>
      'error' in r
        ? { file: r.file, error: r.error, log: r.log.slice(-8000) }
        : { file: r.file, workflows: r.workflows },
    );
    ctx.trace?.('event_evaluated', event.id);
    // Before the report creates the runs: one may be claimed here at once.
    if (ctx.workspaces) {
      ctx.workspaces.keep(event.repo.full_name, ws);
      kept = true;
    }
    await ctx.api.reportEvaluation(event.id, lease, ws.commit, files);
    ctx.trace?.('event_reported', event.id);
    const matched = results.flatMap((r) => ('workflows' in r ? r.workflows : []));
    ctx.log(
      `event ${event.id} (${event.type} ${event.repo.full_name} ${event.ref}): ${results.length} file(s), ` +
        `${matched.filter((w) => w.matched).length} workflow(s) matched`,
    );
  } catch (err) {
    if (err instanceof LeaseLostError) ctx.log(`event ${event.id}: lease lost`);
    else throw err;
  } finally {
    if (!kept) ws.remove();
  }
}
