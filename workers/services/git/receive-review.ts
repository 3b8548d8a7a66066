/**
 * Pushing for review, the receive-pack side (docs/design/landing-requests.md §2): a command on
 * `refs/for/<target>[/<topic>]` is never applied as written. The review hook (the landings
 * service, given by the route) turns it into creations of `refs/landings/<n>/<revision>`, which
 * go through RepoObject's compare-and-swap with the push's other commands; the `refs/for/`
 * command is then reported `ok` when all of them landed (with report-status-v2, once per landing
 * ref with its `option refname`), and the hook's lines (`Landing !12
 * revision 3: <url>`) are printed on band 2. `refs/landings/` is Plue's: clients cannot push it.
 */
import type { RepoState } from '../../../durable-objects/formats';
import { RepoObjects } from '../../git/storage/repo-objects';
import type { ObjectReader } from '../browse/objects';
import type { ReceiveCommand } from './receive-commands';
import type { ReceivedObjects } from './receive-objects';
import type { RefReport } from './receive-report';
import type { GitRepoContext } from './repo-context';

export const FOR_PREFIX = 'refs/for/';
export const LANDINGS_PREFIX = 'refs/landings/';

export interface ReviewInput {
  /** The `refs/for/…` commands whose objects are present. */
  commands: ReceiveCommand[];
  /** Push options (`-o title=…`), in order. */
  options: string[];
  /** The repository's objects with the pushed pack's. */
  objects: ObjectReader;
  state: RepoState;
}

export interface ReviewPlan {
  /** The ref creations standing for each `refs/for/…` command (by its ref). */
  updates: Map<string, ReceiveCommand[]>;
  /** Refused `refs/for/…` commands and why. */
  refused: Map<string, string>;
  /** Lines to print whatever happens (why a commit was refused, how to fix it). */
  lines: string[];
  /** Records what landed once the refs moved (`applied`: the landing refs created); its lines. */
  settle(applied: ReadonlySet<string>): Promise<string[]>;
}

export interface ReviewHook {
  plan(input: ReviewInput): Promise<ReviewPlan>;
}

/** The push's commands with the review commands replaced, and how to report them back. */
export interface PlannedPush {
  commands: ReceiveCommand[];
  reasons: Map<string, string>;
  lines: string[];
  /** The report of each original command from the results of `commands`, and the lines. */
  finish(results: RefReport[]): Promise<{ results: RefReport[]; lines: string[] }>;
}

/** Opens the stored objects together with the pack this push brought. */
async function objectsWithPush(
  ctx: GitRepoContext,
  state: RepoState,
  got: ReceivedObjects,
): Promise<ObjectReader> {
  const intake = got.intake;
  const packs = intake
    ? [...state.packs, { key: intake.key, size: intake.size, objectCount: intake.objectCount }]
    : state.packs;
  return RepoObjects.open(ctx.store, packs);
}

/**
 * Replaces the `refs/for/` commands of a push by the hook's landing refs and refuses pushes to
 * `refs/landings/`. Pushes without either pass through unchanged.
 */
export async function planReview(
  ctx: GitRepoContext,
  commands: ReceiveCommand[],
  options: string[],
  state: RepoState,
  got: ReceivedObjects,
  reasons: Map<string, string>,
  hook: ReviewHook | undefined,
): Promise<PlannedPush> {
  const out = new Map(reasons);
  for (const c of commands) {
    if (c.ref.startsWith(LANDINGS_PREFIX)) {
      out.set(c.ref, 'refs/landings/ is kept by Plue (push to refs/for/<branch> instead)');
    }
  }
  const review = commands.filter((c) => c.ref.startsWith(FOR_PREFIX) && !out.has(c.ref));
  const plain = commands.filter((c) => !c.ref.startsWith(FOR_PREFIX));
  if (review.length === 0 || !hook) {
    for (const c of review) out.set(c.ref, 'pushing for review is not available here');
    return {
      commands: commands.filter((c) => !c.ref.startsWith(FOR_PREFIX) || !out.has(c.ref)),
      reasons: out,
      lines: [],
      finish: async (results) => ({ results: inOrder(commands, results, out), lines: [] }),
    };
  }
  const plan = await hook.plan({
    commands: review,
    options,
    objects: await objectsWithPush(ctx, state, got),
    state,
  });
  for (const [ref, why] of plan.refused) out.set(ref, why);
  const extra = review.flatMap((c) => (out.has(c.ref) ? [] : (plan.updates.get(c.ref) ?? [])));
  return {
    commands: [...plain, ...extra],
    reasons: out,
    lines: plan.lines,
    finish: async (results) => {
      const ok = new Set(results.filter((r) => r.ok).map((r) => r.ref));
      const mapped = results.filter((r) => !r.ref.startsWith(LANDINGS_PREFIX));
      for (const c of review) {
        if (out.has(c.ref)) continue;
        const mine = plan.updates.get(c.ref) ?? [];
        const failed = results.find((r) => !r.ok && mine.some((m) => m.ref === r.ref));
        const updated = mine.map((m) => ({ refname: m.ref, oldOid: m.oldOid, newOid: m.newOid }));
        mapped.push(
          failed
            ? { ref: c.ref, ok: false, reason: failed.reason ?? 'failed' }
            : { ref: c.ref, ok: true, updated },
        );
      }
      const applied = new Set([...ok].filter((r) => r.startsWith(LANDINGS_PREFIX)));
      const lines = await plan.settle(applied);
      return { results: inOrder(commands, mapped, out), lines };
    },
  };
}

/** One report per original command, in the push's order (refused ones with their reason). */
function inOrder(
  commands: ReceiveCommand[],
  results: RefReport[],
  reasons: Map<string, string>,
): RefReport[] {
  const byRef = new Map(results.map((r) => [r.ref, r]));
  return commands.map((c) => {
    const reason = reasons.get(c.ref);
    if (reason !== undefined) return { ref: c.ref, ok: false, reason };
    return byRef.get(c.ref) ?? { ref: c.ref, ok: false, reason: 'atomic push failure' };
  });
}
