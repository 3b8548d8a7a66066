/**
 * Commit ranges and commit rewriting for landing: the linear range a landing request lands
 * (walked from its head down to its base, merges refused), and new commit objects that keep
 * every header of the original (jj's `change-id`, `encoding`, unknown ones) in order, except the
 * tree, the parent, the committer, and signatures, which a rewrite makes invalid. Rewriting works
 * on the original bytes (as Latin-1, one char per byte), so headers and messages in any encoding
 * are copied byte for byte.
 */
import { AppError } from '../../../../common/errors';
import { fromLatin1, utf8 } from '../../../../common/git/bytes';
import { formatHeaders } from '../../../../common/git/headers';
import {
  formatSignature,
  parseCommit,
  type Commit,
  type Signature,
} from '../../../../common/git/object';
import type { ObjectReader } from '../../browse/objects';
import type { NewObjects } from './objects';

/** A commit of a range, with its id. */
export interface RangeCommit {
  oid: string;
  commit: Commit;
  /** The commit object's bytes. */
  body: Uint8Array;
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
    const obj = await r.read(at);
    if (!obj || obj.type !== 'commit')
      throw AppError.notFound('Commit not found', 'object_not_found');
    const commit = parseCommit(obj.body);
    if (commit.parents.length > 1) {
      throw AppError.invalid(
        `commit ${at} is a merge: a landing is a linear stack of commits`,
        'range_has_merge',
      );
    }
    out.push({ oid: at, commit, body: obj.body });
    const parent = commit.parents[0];
    if (parent === undefined) {
      throw AppError.invalid(`${base} is not an ancestor of ${head}`, 'range_not_ancestor');
    }
    at = parent;
  }
  return out.reverse();
}

/**
 * A copy of the commit `body` with a new tree, parents and committer, every other header and
 * the message kept byte for byte, signatures dropped.
 */
export function rewriteCommit(
  objects: NewObjects,
  body: Uint8Array,
  change: { tree: string; parents: string[]; committer: Signature },
): string {
  const text = fromLatin1(body);
  const end = text.indexOf('\n\n');
  const head = end < 0 ? text.replace(/\n$/, '') : text.slice(0, end);
  const rest = end < 0 ? '\n' : text.slice(end);
  // Header entries: a line and the continuation lines (starting with a space) after it.
  const entries: string[] = [];
  for (const line of head.split('\n')) {
    if (line.startsWith(' ') && entries.length > 0) entries[entries.length - 1] += `\n${line}`;
    else entries.push(line);
  }
  const out: string[] = [];
  let parentsWritten = false;
  const writeParents = () => {
    if (parentsWritten) return;
    parentsWritten = true;
    for (const p of change.parents) out.push(`parent ${p}`);
  };
  for (const entry of entries) {
    const key = entry.slice(0, entry.indexOf(' ') < 0 ? entry.length : entry.indexOf(' '));
    if (DROPPED.has(key)) continue;
    if (key === 'tree') out.push(`tree ${change.tree}`);
    else if (key === 'parent') writeParents();
    else if (key === 'committer')
      out.push(`committer ${asLatin1(formatSignature(change.committer))}`);
    else {
      // A root commit has no parent header: parents go before the author.
      if (key === 'author') writeParents();
      out.push(entry);
    }
  }
  return objects.add('commit', latin1Bytes(out.join('\n') + rest));
}

/** A string's UTF-8 bytes, one char per byte (to sit among Latin-1 text). */
function asLatin1(s: string): string {
  return fromLatin1(utf8(s));
}

function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
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
