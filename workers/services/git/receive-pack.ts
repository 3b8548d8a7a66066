/**
 * receive-pack (push) over smart HTTP, in named phases: read the request (commands, shallow
 * lines, capabilities), take in and check the pack (receive-objects.ts: storage, fsck,
 * connectivity), check each new ref value and let the guard judge it (branch protection,
 * receive-protection.ts), let RepoObject compare-and-swap all ref updates in one
 * transaction, then answer with report-status (receive-report.ts) and tell the hooks. A failed or
 * interrupted push publishes nothing: the staged pack is deleted and no ref moves. Every refusal
 * reaches git as text it prints.
 */
import { ZERO_OID } from '../../../common/git/refs';
import type { RepoState } from '../../../durable-objects/formats';
import { AppError } from '../../../common/errors';
import {
  onlyDeletes,
  readReceiveCommands,
  ReceiveRequestError,
  type ReceiveCommand,
  type ReceiveRequest,
} from './receive-commands';
import { pushKeepsExact } from './push-exactness';
import { planReview, type ReviewHook } from './receive-review';
import { receivedNothing, receiveObjects, type ReceivedObjects } from './receive-objects';
import {
  writeRemoteLines,
  writeReport,
  writeRequestRefusal,
  type RefReport,
} from './receive-report';
import { guardedObjects, type PushGuard } from './receive-protection';
import { openObjects, type GitRepoContext } from './repo-context';
import { bodyChunks, drainBody } from './request-body';
import { GitResponseWriter } from './response-writer';

export const RECEIVE_CAPABILITIES = [
  'report-status',
  'report-status-v2',
  'delete-refs',
  'push-options',
  'side-band-64k',
  'quiet',
  'atomic',
  'ofs-delta',
  'no-thin',
  'object-format=sha1',
];

export interface PushedRef extends ReceiveCommand {
  ok: boolean;
}

export interface ReceiveHooks {
  /** Judges the commands before the compare-and-swap (branch protection, receive-protection.ts). */
  guard?: PushGuard | undefined;
  /**
   * Called as soon as refs changed, while the report goes out (the workflow events: the push →
   * first log line path); `onPushed` follows once it and the report are done. Must not throw.
   */
  onRefsMoved?(refs: PushedRef[], head: string): Promise<void>;
  /** Called after refs changed (events, cache invalidation). Errors are logged, not reported. */
  onPushed?(refs: PushedRef[], head: string): Promise<void>;
  onError?(err: unknown): void;
  /** Turns `refs/for/<branch>` commands into landing revisions (receive-review.ts). */
  review?: ReviewHook;
}

/** How much of a refused push's remaining body is read before answering. */
const DRAIN_AFTER_REFUSAL = 64 * 1024 * 1024;

type Request = ReceiveRequest & { exhausted: boolean };

/**
 * Runs a push. Returns the response body, produced while the work goes on, and `done`, which
 * settles after the follow-up work (hooks) so the caller can keep the request alive for it.
 */
export function receivePack(
  ctx: GitRepoContext,
  body: ReadableStream<Uint8Array>,
  hooks: ReceiveHooks = {},
): { body: ReadableStream<Uint8Array>; done: Promise<void> } {
  const out = new GitResponseWriter();
  const done = run(ctx, body, out, hooks).catch(async (err: unknown) => {
    hooks.onError?.(err);
    await out.abort(err);
  });
  return { body: out.readable, done };
}

async function run(
  ctx: GitRepoContext,
  body: ReadableStream<Uint8Array>,
  out: GitResponseWriter,
  hooks: ReceiveHooks,
): Promise<void> {
  const input = bodyChunks(body);
  const req = await readRequest(input, out);
  if (!req || req.commands.length === 0) {
    await out.close();
    return;
  }
  let pushed: { results: RefReport[]; head: string };
  // The ref updates RepoObject applied (landing refs in place of `refs/for/…`), for the hooks.
  let applied: PushedRef[] = [];
  let early: Promise<void> | undefined;
  try {
    const state = await ctx.refs.state(ctx.repo.defaultBranch);
    const got = onlyDeletes(req.commands)
      ? receivedNothing(req)
      : await receiveObjects(ctx, req, input, state, progressLine(out, req.caps), hooks.onError);
    const done = got.unpackError
      ? {
          results: await refusePack(ctx, req.commands, got),
          head: state.head,
          applied: [],
          lines: [],
        }
      : await applyCommands(ctx, req, state, got, hooks);
    pushed = done;
    applied = done.applied;
    early = applied.some((p) => p.ok) ? hooks.onRefsMoved?.(applied, done.head) : undefined;
    await answer(out, req, input, got, pushed.results, done.lines);
  } catch (err) {
    // A fault of ours (storage, RepoObject) after the request was read: say so in words git
    // prints instead of breaking the connection.
    hooks.onError?.(err);
    await writeRequestRefusal(
      out,
      req.caps,
      'Plue hit an internal error during this push; run `git ls-remote` to see which refs moved, then push again',
    ).catch(() => undefined);
    await out.close();
    await early?.catch((e: unknown) => hooks.onError?.(e));
    return;
  }
  await early?.catch((e: unknown) => hooks.onError?.(e));
  await notify(hooks, applied, pushed.head);
}

/**
 * Phases 3 and 4 for a pack that was taken in: check the new values (and the guard), turn `refs/for/…` into
 * landing refs (receive-review.ts), compare-and-swap, and report each command as sent.
 */
async function applyCommands(
  ctx: GitRepoContext,
  req: Request,
  state: RepoState,
  got: ReceivedObjects,
  hooks: ReceiveHooks,
): Promise<{ results: RefReport[]; head: string; applied: PushedRef[]; lines: string[] }> {
  const reasons = await checkRefs(ctx, req, state, got, hooks.guard);
  const plan = await planReview(ctx, req.commands, req.options, state, got, reasons, hooks.review);
  const moved = await updateRefs(
    ctx,
    { ...req, commands: plan.commands },
    state,
    got,
    plan.reasons,
  );
  const finished = await plan.finish(moved.results);
  return {
    results: finished.results,
    head: moved.head,
    applied: plan.commands.map((c, i) => ({ ...c, ok: moved.results[i]?.ok ?? false })),
    lines: [...plan.lines, ...finished.lines],
  };
}

/** Phase 1: the commands; a request that cannot be read is refused (ERR or band 3). */
async function readRequest(
  input: AsyncIterator<Uint8Array>,
  out: GitResponseWriter,
): Promise<Request | undefined> {
  try {
    return await readReceiveCommands(input);
  } catch (err) {
    const caps = err instanceof ReceiveRequestError ? err.caps : new Set<string>();
    const message = err instanceof AppError ? err.message : 'bad receive-pack request';
    await writeRequestRefusal(out, caps, message);
    return undefined;
  }
}

/** git's progress lines on band 2, unless the client asked for quiet or no side-band. */
function progressLine(
  out: GitResponseWriter,
  caps: ReadonlySet<string>,
): (text: string, force?: boolean) => Promise<void> {
  const show = caps.has('side-band-64k') && !caps.has('quiet');
  return async (text, force = false) => {
    if (show) await out.progress(text, force);
  };
}

/** A refused pack moves no ref; its staged copy is deleted. */
async function refusePack(
  ctx: GitRepoContext,
  commands: ReceiveCommand[],
  got: ReceivedObjects,
): Promise<RefReport[]> {
  await discardPack(ctx, got);
  return commands.map((c) => ({ ref: c.ref, ok: false, reason: 'unpacker error' }));
}

/**
 * Phase 3: per-ref checks that need objects: the new value exists, its history brings no shallow
 * boundary, and branches point at commits. Returns the refused refs with their reasons.
 */
async function checkNewValues(
  ctx: GitRepoContext,
  req: Request,
  state: RepoState,
  got: ReceivedObjects,
): Promise<Map<string, string>> {
  const reasons = new Map<string, string>();
  for (const c of req.commands) {
    if (c.newOid === ZERO_OID) continue;
    const stored = (got.stored ??= await openObjects(ctx, state));
    const inPack = got.intake?.oids.has(c.newOid) ?? false;
    if (!inPack && !stored.has(c.newOid)) {
      reasons.set(c.ref, 'missing necessary objects');
      continue;
    }
    if (inPack && got.shallow.reachesBoundary(c.newOid)) {
      reasons.set(c.ref, 'shallow update not allowed');
      continue;
    }
    const type =
      got.tipTypes.get(c.newOid) ?? (inPack ? undefined : (await stored.read(c.newOid))?.type);
    if (c.ref.startsWith('refs/heads/') && type !== undefined && type !== 'commit') {
      reasons.set(c.ref, `trying to write non-commit object ${c.newOid} to branch`);
    }
  }
  return reasons;
}

/** Phase 3 and the guard's judgement of what phase 3 let through; its lines go on band 2. */
async function checkRefs(
  ctx: GitRepoContext,
  req: Request,
  state: RepoState,
  got: ReceivedObjects,
  guard: PushGuard | undefined,
): Promise<Map<string, string>> {
  const reasons = await checkNewValues(ctx, req, state, got);
  if (!guard) return reasons;
  const open = req.commands.filter((c) => !reasons.has(c.ref));
  const judged = await guard.check(open, () => guardedObjects(ctx, state, got));
  for (const [ref, why] of judged.reasons) reasons.set(ref, why);
  got.warnings.push(...judged.lines);
  return reasons;
}

/**
 * Phase 4: RepoObject compare-and-swaps the accepted commands (all or none when atomic) and
 * records the pack with them; a pack no ref update needs is deleted.
 */
async function updateRefs(
  ctx: GitRepoContext,
  req: Request,
  state: RepoState,
  got: ReceivedObjects,
  reasons: Map<string, string>,
): Promise<{ results: RefReport[]; head: string }> {
  const atomic = req.caps.has('atomic');
  const accepted = req.commands.filter((c) => !reasons.has(c.ref));
  const intake = got.intake;
  let outcome: { results: RefReport[]; applied: boolean; head: string } = {
    results: [],
    applied: false,
    head: state.head,
  };
  if (accepted.length > 0 && !(atomic && reasons.size > 0)) {
    outcome = await ctx.refs.push({
      commands: accepted,
      atomic,
      defaultBranch: ctx.repo.defaultBranch,
      seenPushedPacks: state.pushedPacks,
      keepsExact: pushKeepsExact({
        wasExact: state.exact,
        commands: accepted,
        refs: state.refs,
        ...(intake ? { pack: intake.oids } : {}),
        links: got.links,
        referencesCruft: got.referencesCruft,
        storedLive: (bytes, at) => got.stored?.hasLiveBytes(bytes, at) ?? false,
      }),
      ...(intake && intake.objectCount > 0
        ? {
            pack: {
              key: intake.key,
              checksum: intake.checksum,
              objectCount: intake.objectCount,
              size: intake.size,
            },
          }
        : {}),
    });
  }
  const byRef = new Map(outcome.results.map((r) => [r.ref, r]));
  const results = req.commands.map((c) => {
    const reason = reasons.get(c.ref);
    if (reason) return { ref: c.ref, ok: false, reason };
    return byRef.get(c.ref) ?? { ref: c.ref, ok: false, reason: 'atomic push failure' };
  });
  if (!outcome.applied) await discardPack(ctx, got);
  return { results, head: outcome.head };
}

async function discardPack(ctx: GitRepoContext, got: ReceivedObjects): Promise<void> {
  if (!got.intake) return;
  const key = got.intake.key;
  await ctx.store.delete([key, key.replace(/\.pack$/, '.idx')]).catch(() => undefined);
}

/** Phase 5: fsck warnings, then report-status. */
async function answer(
  out: GitResponseWriter,
  req: Request,
  input: AsyncIterator<Uint8Array>,
  got: ReceivedObjects,
  results: RefReport[],
  lines: string[],
): Promise<void> {
  if (got.unpackError) {
    // A pack refused part way was not read to its end: read the rest first (up to a bound),
    // so the client, still sending, gets the report instead of a broken connection (the SSH
    // bridge relays the body as it comes and loses the answer if the request breaks under it).
    if (!req.exhausted) await drainBody(input, DRAIN_AFTER_REFUSAL);
  }
  await writeRemoteLines(out, req.caps, [...got.warnings, ...lines]);
  const v2 = req.caps.has('report-status-v2');
  await writeReport(out, req.caps.has('side-band-64k'), got.unpackError, results, v2);
  await out.close();
}

/** Phase 6: the hooks hear of the refs that moved. */
async function notify(hooks: ReceiveHooks, refs: PushedRef[], head: string): Promise<void> {
  if (refs.some((p) => p.ok))
    await hooks.onPushed?.(refs, head).catch((e: unknown) => hooks.onError?.(e));
}
