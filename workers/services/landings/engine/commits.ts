/**
 * Commit ranges and commit rewriting for landing: the linear range a landing request lands
 * (walked from its head down to its base, merges refused), and new commit objects that keep
 * every header of the original (jj's `change-id`, `encoding`, unknown ones) in order, except the
 * tree, the parent, the committer, and signatures, which a rewrite makes invalid.
 */
import { AppError } from '../../../../common/errors';
import { utf8 } from '../../../../common/git/bytes';
import { formatHeaders } from '../../../../common/git/headers';
import { formatSignature, type Commit, type Signature } from '../../../../common/git/object';
import { readCommit, type ObjectReader } from '../../browse/objects';
import type { NewObjects } from './objects';

/** A commit of a range, with its id. */
export interface RangeCommit {
  oid: string;
  commit: Commit;
}

/** Headers a rewrite drops: signatures over the old bytes. */
const DROPPED = new Set(['gpgsig', 'gpgsig-sha256']);

/** Longest range a land or an interdiff walks. */
export const MAX_RANGE = 1000;

/**
 * The commits after `base` up to `head`, oldest first, following parents. A merge commit, or a
 * head that does not reach `base` within `max` commits, is refused.
 */
export async function readRange(
  r: ObjectReader,
  head: string,
  base: string,
  max = MAX_RANGE,
): Promise<RangeCommit[]> {
  const out: RangeCommit[] = [];
  let at = head;
  while (at !== base) {
    if (out.length >= max) {
      throw AppError.invalid(
        `${base} is not within ${max} commits below ${head}`,
        'range_too_long',
      );
    }
    const commit = await readCommit(r, at);
    if (commit.parents.length > 1) {
      throw AppError.invalid(
        `commit ${at} is a merge: a landing is a linear stack of commits`,
        'range_has_merge',
      );
    }
    out.push({ oid: at, commit });
    const parent = commit.parents[0];
    if (parent === undefined) {
      throw AppError.invalid(`${base} is not an ancestor of ${head}`, 'range_not_ancestor');
    }
    at = parent;
  }
  return out.reverse();
}

/** A copy of `c` with a new tree, parents and committer, every other header kept in order. */
export function rewriteCommit(
  objects: NewObjects,
  c: Commit,
  change: { tree: string; parents: string[]; committer: Signature },
): string {
  const headers: Array<[string, string]> = [];
  let parentsWritten = false;
  const writeParents = () => {
    if (parentsWritten) return;
    parentsWritten = true;
    for (const p of change.parents) headers.push(['parent', p]);
  };
  for (const [k, v] of c.headers) {
    if (DROPPED.has(k)) continue;
    if (k === 'tree') headers.push(['tree', change.tree]);
    else if (k === 'parent') writeParents();
    else if (k === 'committer') headers.push(['committer', formatSignature(change.committer)]);
    else {
      // A root commit has no parent header: parents go before the author.
      if (k === 'author') writeParents();
      headers.push([k, v]);
    }
  }
  return objects.add('commit', utf8(formatHeaders(headers, c.message)));
}

/** A new commit from scratch (a merge commit): tree, parents, identities, message. */
export function newCommit(
  objects: NewObjects,
  fields: {
    tree: string;
    parents: string[];
    author: Signature;
    committer: Signature;
    message: string;
  },
): string {
  const headers: Array<[string, string]> = [['tree', fields.tree]];
  for (const p of fields.parents) headers.push(['parent', p]);
  headers.push(['author', formatSignature(fields.author)]);
  headers.push(['committer', formatSignature(fields.committer)]);
  const message = fields.message.endsWith('\n') ? fields.message : `${fields.message}\n`;
  return objects.add('commit', utf8(formatHeaders(headers, message)));
}
