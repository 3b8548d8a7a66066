/**
 * One claimed event. When the claim brings the commit's workflow files (the usual case), they are
 * evaluated at once while the commit is fetched for the runs (handleFromFiles). Otherwise: check
 * the repository out at the event's commit (with the claim's event
 * token, which reads that repository only while the claim holds or just after), evaluate every
 * `.plue/workflows/*.py` in the sandbox against the event, and report the plans and errors to
 * the Worker (which creates the runs). A commit that cannot be fetched fails the event.
 * A claim that brings `siblings` (other push events at the same commit, issue #21) is checked
 * out once and its workflow files are evaluated once for all the events; their reports go in
 * batches (up to EVALUATION_BATCH_MAX events or REPORT_BATCH_BYTES a request, recorded by the
 * Worker in one transaction each), and each event is still fenced by its own lease: one lost
 * lease refuses that report alone. A batch may carry a run claim (`reserveRun`, while a run slot
 * is free, held for it until the answer): the Worker claims a run as soon as the reports are recorded and the answer brings
 * it (`settle`), which saves the push → first log line a round trip. Files that no event of
 * the claim can match are answered from their cached definitions while their blob ids are
 * unchanged (evaluation-cache.ts). The evaluated checkout is kept for the events' runs
 * (workspace-cache.ts) when a cache is given.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { FileEvaluation } from '../evaluate';
import { EvaluationCache } from '../evaluation-cache';
import type { SandboxBackend } from '../sandbox/types';
import type { WarmEvaluators } from '../warm-evaluator';
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
import { checkout, type CheckoutOptions } from './workspace';
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
  /** Evaluators started ahead of need (warm-evaluator.ts). */
  warm?: WarmEvaluators | undefined;
  /**
   * A run slot held for a run claim sent with the next batch of reports (undefined: no slot is
   * free); `settle` gives the slot back once the answer came (or did not), starting the run it
   * brought in it.
   */
  reserveRun?: () => { claim: RunClaim; settle(run: ClaimedRun | undefined): void } | undefined;
}

/** The process's cache when the caller brings none: definitions are the same for every caller. */
const sharedCache = new EvaluationCache();

export async function handleEvent(ctx: EventContext, claimed: ClaimedEvent): Promise<void> {
  if (claimed.workflow_files) return handleFromFiles(ctx, claimed, claimed.workflow_files);
  const { event } = claimed;
  let ws;
  try {
    ws = await checkout(checkoutOptions(ctx, claimed));
  } catch (err) {
    await failAll(ctx, claimed, err);
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
      warm: ctx.warm,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    ctx.trace?.('event_evaluated', event.id);
    // Before the reports create the runs: one may be claimed here at once.
    if (ctx.workspaces) {
      ctx.workspaces.keep(event.repo.full_name, ws);
      kept = true;
    }
    await reportAll(ctx, batch, ws.commit, evaluated, 'the checkout');
  } finally {
    if (!kept) ws.remove();
  }
}

/**
 * The claim brought the workflow files (workers/services/workflows/workflow-files.ts): they are
 * evaluated from a directory of their own while the commit is fetched for the runs (kept in the
 * workspace cache). The reports go out as soon as the files are evaluated (the event's token,
 * which the fetch uses, still reads for a minute after: services/runs/job-credentials.ts); a
 * fetch that fails leaves the runs to fetch their commit themselves, as a controller without the
 * event's checkout does.
 */
async function handleFromFiles(
  ctx: EventContext,
  claimed: ClaimedEvent,
  files: NonNullable<ClaimedEvent['workflow_files']>,
): Promise<void> {
  const { event } = claimed;
  const fetching = ctx.workspaces
    ? checkout(checkoutOptions(ctx, claimed)).then(
        async (ws) => {
          ctx.trace?.('event_checked_out', event.id);
          await ctx.backend.prepareWorkspace?.(ws.dir).catch(() => undefined);
          return ws;
        },
        (err: unknown) => {
          ctx.log(`event ${event.id}: checkout for its runs failed: ${String(err)}`);
          return undefined;
        },
      )
    : undefined;
  if (fetching) ctx.workspaces?.keepPending(event.repo.full_name, files.commit, fetching);
  const dir = writeWorkflowFiles(files, ctx.dataDir);
  try {
    const batch = [claimed, ...(claimed.siblings ?? [])];
    const blobs = new Map([...files.workflows, ...files.prompts].map((f) => [f.path, f.oid]));
    const evaluated = await (ctx.cache ?? sharedCache).evaluate({
      workspace: dir,
      blobs,
      events: batch.map((b) => b.sdk_event),
      backend: ctx.backend,
      warm: ctx.warm,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    ctx.trace?.('event_evaluated', event.id);
    await reportAll(ctx, batch, files.commit, evaluated, "the claim's files");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A directory holding exactly what evaluation reads: the workflow files, and the prompt files
 * (empty: the evaluator only asks whether they exist). Paths were checked by the claim's schema.
 */
function writeWorkflowFiles(
  files: NonNullable<ClaimedEvent['workflow_files']>,
  dataDir: string | undefined,
): string {
  const dir = mkdtempSync(join(dataDir ?? tmpdir(), 'plue-eval-'));
  chmodSync(dir, 0o755);
  const write = (path: string, bytes: Uint8Array) => {
    const at = join(dir, path);
    mkdirSync(dirname(at), { recursive: true, mode: 0o755 });
    writeFileSync(at, bytes, { mode: 0o644 });
  };
  try {
    for (const f of files.workflows) write(f.path, Buffer.from(f.content, 'base64'));
    for (const p of files.prompts) write(p.path, new Uint8Array());
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return dir;
}

function checkoutOptions(ctx: EventContext, claimed: ClaimedEvent): CheckoutOptions {
  const { event } = claimed;
  return {
    baseUrl: ctx.api.baseUrl,
    job: { kind: 'event', id: event.id, token: claimed.token },
    repo: event.repo.full_name,
    sha: event.sha,
    dataDir: ctx.dataDir,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  };
}

/** A commit that cannot be fetched fails the event and its siblings. */
async function failAll(ctx: EventContext, claimed: ClaimedEvent, err: unknown): Promise<void> {
  const { event, lease } = claimed;
  ctx.log(`event ${event.id}: checkout failed: ${String(err)}`);
  const why = `checkout failed: ${String(err)}`.slice(0, 2000);
  await ctx.api.failEvent(event.id, lease, why);
  for (const s of claimed.siblings ?? []) await ctx.api.failEvent(s.event.id, s.lease, why);
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
  source: string,
): Promise<void> {
  let chunk: { claimed: Claimed; report: BatchReport; results: FileEvaluation[] }[] = [];
  let bytes = 0;
  const flush = async () => {
    if (chunk.length === 0) return;
    const sent = chunk;
    chunk = [];
    bytes = 0;
    const slot = ctx.reserveRun?.();
    let answer;
    try {
      answer = await ctx.api.reportEvaluations(
        sent.map((c) => c.report),
        slot?.claim,
      );
    } catch (err) {
      slot?.settle(undefined);
      throw err;
    }
    // The kept checkout serves these runs, the last of them takes it (workspace-cache.ts): told
    // before the run in the answer starts, so that one need not copy it.
    const created = answer.results.reduce((n, r) => n + (r?.runs?.length ?? 0), 0);
    const first = batch[0];
    if (first) ctx.workspaces?.expect(first.event.repo.full_name, commit, created);
    slot?.settle(answer.run);
    for (const [i, one] of sent.entries()) {
      await outcome(ctx, one.claimed, one.results, answer.results[i], source);
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
  const first = batch[0];
  if (first) ctx.trace?.('event_reported', first.event.id);
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
  source: string,
): Promise<void> {
  const { event, lease } = claimed;
  if (answer?.runs) {
    const matched = results.flatMap((r) => ('workflows' in r ? r.workflows : []));
    ctx.log(
      `event ${event.id} (${event.type} ${event.repo.full_name} ${event.ref}): ${results.length} file(s), ` +
        `${matched.filter((w) => w.matched).length} workflow(s) matched (evaluated from ${source})`,
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
