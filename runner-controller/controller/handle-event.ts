/**
 * One claimed event: check the repository out at the event's commit (with the claim's event
 * token, which reads that repository only while the claim holds), evaluate every
 * `.plue/workflows/*.py` in the sandbox against the event, and report the plans and errors to
 * the Worker (which creates the runs). A commit that cannot be fetched fails the event.
 * A claim that brings `siblings` (other push events at the same commit, issue #21) is checked
 * out once and its workflow files are evaluated once for all the events; their reports go in
 * batches (up to EVALUATION_BATCH_MAX events or REPORT_BATCH_BYTES a request, recorded by the
 * Worker in one transaction each), and each event is still fenced by its own lease: one lost
 * lease refuses that report alone. A batch may carry a run claim (`claimRun`, while a run slot
 * is free): the Worker claims a run as soon as the reports are recorded and the answer brings
 * it (`startRun`), which saves the push → first log line a round trip. Files that no event of
 * the claim can match are answered from their cached definitions while their blob ids are
 * unchanged (evaluation-cache.ts). The evaluated checkout is kept for the events' runs
 * (workspace-cache.ts) when a cache is given.
 */
import type { FileEvaluation } from '../evaluate';
import { EvaluationCache } from '../evaluation-cache';
import type { SandboxBackend } from '../sandbox/types';
import { EVALUATION_BATCH_MAX } from '../../common/schemas/internal-controller';
import {
  LeaseLostError,
  type BatchReport,
  type ClaimedEvent,
  type ClaimedRun,
  type ControllerApi,
  type RunClaim,
} from './api';
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
  /** A run claim to send with the next batch of reports (undefined: no free run slot). */
  claimRun?: () => RunClaim | undefined;
  /** Starts a run that a batch's answer brought. */
  startRun?: (run: ClaimedRun) => void;
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
    await reportAll(ctx, batch, commit, evaluated);
    ctx.trace?.('event_reported', event.id);
  } finally {
    if (!kept) ws.remove();
  }
}

/** Bytes of reports per request, at most (the Worker refuses bodies over 8 MiB). */
const REPORT_BATCH_BYTES = 2 * 1024 * 1024;

type Claimed = Pick<ClaimedEvent, 'event' | 'lease'>;

/** Reports every event of the claim, in batches, in order; logs each outcome. */
async function reportAll(
  ctx: EventContext,
  batch: Claimed[],
  commit: string,
  evaluated: FileEvaluation[][],
): Promise<void> {
  let chunk: { claimed: Claimed; report: BatchReport; results: FileEvaluation[] }[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const sent = chunk;
    chunk = [];
    bytes = 0;
    const claim = ctx.startRun ? ctx.claimRun?.() : undefined;
    const answer = await ctx.api.reportEvaluations(
      sent.map((c) => c.report),
      claim,
    );
    if (answer.run) ctx.startRun?.(answer.run);
    for (const [i, one] of sent.entries()) {
      await outcome(ctx, one.claimed, one.results, answer.results[i]);
    }
  };
  for (const [i, claimed] of batch.entries()) {
    const results = evaluated[i] ?? [];
    const report: BatchReport = {
      event_id: claimed.event.id,
      lease_owner: claimed.lease.owner,
      lease_epoch: claimed.lease.epoch,
      sha: commit,
      files: results.map((r) =>
        'error' in r
          ? { file: r.file, error: r.error, log: r.log.slice(-8000) }
          : { file: r.file, workflows: r.workflows },
      ),
    };
    const size = JSON.stringify(report).length;
    if (
      chunk.length >= EVALUATION_BATCH_MAX ||
      (chunk.length > 0 && bytes + size > REPORT_BATCH_BYTES)
    ) {
      await flush();
    }
    chunk.push({ claimed, report, results });
    bytes += size;
  }
  await flush();
}

/** Logs what became of one report; a report refused as invalid fails its event (it would not
 *  be taken on a retry either). */
async function outcome(
  ctx: EventContext,
  claimed: Claimed,
  results: FileEvaluation[],
  answer:
    | { runs?: unknown[] | undefined; error?: { code: string; message: string } | undefined }
    | undefined,
): Promise<void> {
  const { event, lease } = claimed;
  if (answer?.runs) {
    const matched = results.flatMap((r) => ('workflows' in r ? r.workflows : []));
    ctx.log(
      `event ${event.id} (${event.type} ${event.repo.full_name} ${event.ref}): ${results.length} file(s), ` +
        `${matched.filter((w) => w.matched).length} workflow(s) matched`,
    );
    return;
  }
  if (!answer || answer.error?.code === 'lease_lost') {
    ctx.log(`event ${event.id}: lease lost`);
    return;
  }
  const why = `report refused: ${answer.error?.message ?? 'unknown'}`.slice(0, 2000);
  ctx.log(`event ${event.id}: ${why}`);
  await ctx.api.failEvent(event.id, lease, why).catch((err: unknown) => {
    if (!(err instanceof LeaseLostError)) throw err;
  });
}
