/**
 * Applying a review comment's suggested change (```suggestion): the commented lines of the
 * landing's latest revision are replaced by the suggestion in an amended head commit (same
 * parents, message and `change-id` header; the applier as committer), so it becomes a new
 * revision of the same change, as jj's amend would. The new objects go out as one pack through
 * the push intake (write-objects.ts) and the refs move in one RepoObject compare-and-swap, as
 * land.ts does: for a branch source the branch moves (write access and the branch's protection
 * judged as for a push; after-push's branch sync then adds the revision), for a change source a
 * new `refs/landings/<n>/<revision>` is created and the revision recorded here (dismissing the
 * approvals it made stale, as push-review does). A head that moved since the page was shown is
 * refused, never overwritten.
 */
import { AppError } from '../../../common/errors';
import { ZERO_OID } from '../../../common/git/refs';
import { fromUtf8, utf8 } from '../../../common/git/bytes';
import { findUserById } from '../../../db/queries/users';
import { writeObjectsPack } from '../../git/storage/write-objects';
import { entryAt, readBlob, readCommit, readTree, splitPath } from '../browse/objects';
import type { PushedRef } from '../git/receive-pack';
import { protectionGuard } from '../git/receive-protection';
import { openObjects } from '../git/repo-context';
import { requireLevel } from '../issues/access';
import { NewObjects } from './engine/objects';
import { rewriteCommit } from './engine/commits';
import { objectsOf, type LandingScope } from './landings';
import { lineCommentsOf, resolveThread } from './line-comments';
import { protectionRules } from '../repos/branch-protection-store';
import { addRevisionRows, revisionRef } from './record';
import { ringClaims } from '../runs/claim-bell';
import { dismissOnNewRevision } from './stale-approvals';
import { parseSuggestion } from './suggestion';

/** Replaces lines `start`..`end` (1-based, inclusive) of `text` with `lines`. */
export function replaceLines(text: string, start: number, end: number, lines: string[]): string {
  const finalNewline = text.endsWith('\n');
  const all = text === '' ? [] : (finalNewline ? text.slice(0, -1) : text).split('\n');
  const crlf = all.slice(start - 1, end).some((l) => l.endsWith('\r'));
  all.splice(start - 1, end - start + 1, ...lines.map((l) => (crlf ? `${l}\r` : l)));
  return all.length === 0 ? '' : all.join('\n') + (finalNewline ? '\n' : '');
}

/** A copy of tree `root` with the blob at `path` replaced by `blob` (mode kept). */
async function withBlob(
  objects: NewObjects,
  root: string,
  path: readonly string[],
  blob: string,
): Promise<string> {
  const [name, ...rest] = path;
  const entries = await readTree(objects, root);
  const at = entries.findIndex((e) => e.name === name);
  const e = entries[at];
  if (!e) throw AppError.conflict('The file is not in the revision any more', 'suggestion_stale');
  const oid = rest.length === 0 ? blob : await withBlob(objects, e.oid, rest, blob);
  const next = entries.map((x, i) => (i === at ? { ...x, oid } : x));
  return objects.addTree(next);
}

export interface Applied {
  /** The amended head commit. */
  head: string;
  /** The refs that moved (for after-push, when a branch moved). */
  refs: PushedRef[];
  /** What HEAD names after the update (after-push's `head`). */
  headRef: string;
  /** The revision added here (change sources); branch sources get theirs from after-push. */
  revision?: number;
}

/**
 * Applies the suggestion of comment `id` to landing `number`'s latest revision; `expectHead` is
 * the head the page showed. Resolves the comment's thread.
 */
export async function applySuggestion(
  s: LandingScope,
  number: number,
  id: string,
  expectHead: string | undefined,
): Promise<Applied> {
  await requireLevel(s, 'write');
  const { landing, revision, comments } = await lineCommentsOf(s, number);
  if (landing.landing_state !== 'open') {
    throw AppError.conflict(`This landing request is ${landing.landing_state}`, 'not_open');
  }
  const c = comments.find((x) => x.row.id === id);
  const lines = c ? parseSuggestion(c.row.body) : undefined;
  if (!c || !lines) throw AppError.notFound('No suggestion with that id', 'suggestion_not_found');
  if (expectHead !== undefined && expectHead !== revision.head_oid) {
    throw AppError.conflict('The landing has a newer revision; reload it', 'suggestion_stale');
  }
  if (c.outdated || c.startLine === undefined || c.endLine === undefined) {
    throw AppError.conflict('The suggestion is outdated on the latest revision', 'outdated');
  }
  if (c.root.side !== 'head') {
    throw AppError.invalid('Only a suggestion on the new side can be applied', 'suggestion_side');
  }
  const user = s.actor.user;
  if (!user) throw AppError.unauthenticated('Sign in to apply a suggestion', 'auth_required');
  const { ctx, state } = await objectsOf(s);
  const stored = await openObjects(ctx, state);
  const objects = new NewObjects(stored);
  const head = await readCommit(objects, revision.head_oid);
  const parts = splitPath(c.root.path);
  const entry = await entryAt(objects, head.tree, parts);
  if (!entry || entry.kind !== 'blob') {
    throw AppError.conflict('The file is not in the revision any more', 'suggestion_stale');
  }
  const text = fromUtf8(await readBlob(objects, entry.oid));
  const blob = objects.add('blob', utf8(replaceLines(text, c.startLine, c.endLine, lines)));
  const tree = await withBlob(objects, head.tree, parts, blob);
  if (tree === head.tree) throw AppError.conflict('The suggestion changes nothing', 'no_change');
  const row = await findUserById(s.db, user.id);
  const login = row?.username ?? user.id;
  const body = (await objects.read(revision.head_oid))?.body;
  if (!body) throw new Error('the head commit was read above');
  const amended = rewriteCommit(objects, body, {
    tree,
    parents: head.parents,
    committer: {
      name: row?.display_name ?? login,
      email: `${login}@users.noreply.plue`,
      timestamp: Math.floor(s.now.getTime() / 1000),
      tz: '+0000',
    },
  });
  const next = revision.number + 1;
  const branch = landing.source_branch;
  const ref = branch !== null ? `refs/heads/${branch}` : revisionRef(landing.number, next);
  const command = { ref, oldOid: branch !== null ? revision.head_oid : ZERO_OID, newOid: amended };
  if (branch !== null) {
    const tip = state.refs.find((r) => r.name === ref)?.oid;
    if (tip !== revision.head_oid) {
      throw AppError.conflict(`${branch} moved since the latest revision; reload`, 'branch_moved');
    }
    const guard = await protectionGuard(s.db, s.repo.id, { id: user.id, login });
    const verdict = await guard?.check([command], () => Promise.resolve(objects));
    const why = verdict?.reasons.get(ref);
    if (why !== undefined) throw AppError.forbidden(why, 'protected_branch');
  }
  const fresh = objects.reachable([amended]).filter((o) => !stored.has(o.oid));
  const intake = await writeObjectsPack(ctx.store, ctx.repo.id, fresh, ctx.limits);
  const discard = () =>
    ctx.store.delete([intake.key, intake.key.replace(/\.pack$/, '.idx')]).catch(() => undefined);
  const outcome = await ctx.refs
    .push({
      commands: [command],
      atomic: true,
      defaultBranch: ctx.repo.defaultBranch,
      seenPushedPacks: state.pushedPacks,
      // Judged "no" (always safe: clones take the slower path until compaction).
      keepsExact: false,
      pack: {
        key: intake.key,
        checksum: intake.checksum,
        objectCount: intake.objectCount,
        size: intake.size,
      },
    })
    .catch(async (err: unknown) => {
      await discard();
      throw err;
    });
  if (!outcome.applied) {
    await discard();
    throw AppError.conflict(`The head moved meanwhile (${ref}); reload`, 'suggestion_stale');
  }
  await resolveThread(s, c.root.id, true);
  if (branch !== null) {
    return { head: amended, refs: [{ ...command, ok: true }], headRef: outcome.head };
  }
  const target = state.refs.find((r) => r.name === `refs/heads/${landing.target_branch}`)?.oid;
  await s.db.transaction((db) =>
    addRevisionRows(
      db,
      landing,
      next,
      {
        headOid: amended,
        baseOid: revision.base_oid,
        targetOid: target ?? revision.target_oid,
        changeId: revision.change_id,
        parentChangeId: revision.parent_change_id,
      },
      { id: user.id, now: s.now, before: revision.head_oid },
    ),
  );
  await ringClaims(s.env);
  // As a push of the new revision would: approvals it made stale go when the rule says so.
  const rules = await protectionRules(s.db, s.repo.id);
  await dismissOnNewRevision(s.db, objects, landing, rules, { actorId: user.id, now: s.now });
  return { head: amended, refs: [], headRef: outcome.head, revision: next };
}
