/**
 * Commit objects: parse into typed fields while keeping every header in order (jj's `change-id`,
 * `gpgsig`, `encoding`, `mergetag`...), and serialise back to the exact original bytes for
 * commits written by git or jj (valid UTF-8 with a blank line before the message).
 */
import { fromUtf8, fromUtf8Strict, utf8 } from './bytes';
import { ObjectFormatError } from './errors';
import { formatHeaders, parseHeaders } from './headers';
import { formatSignature, parseSignature, type Signature } from './signature';

/** A parsed commit. `headers` is the source of truth for serialisation when non-empty. */
export interface Commit {
  tree: string;
  parents: string[];
  author: Signature;
  committer: Signature;
  /** jj change id (32 chars of k–z, jj's "reverse hex") when the header is present and valid. */
  changeId?: string;
  headers: Array<[string, string]>;
  message: string;
}

const OID = /^[0-9a-f]{40}$/;
const CHANGE_ID = /^[k-z]{32}$/;

/** Parses a commit body; throws ObjectFormatError if tree/author/committer are missing or bad. */
export function parseCommit(body: Uint8Array): Commit {
  // Legacy encodings (non-UTF-8): fields still parse, but the bytes will not round-trip.
  const text = fromUtf8Strict(body) ?? fromUtf8(body);
  const { headers, message } = parseHeaders(text);
  const first = headers[0];
  if (!first || first[0] !== 'tree' || !OID.test(first[1])) {
    throw new ObjectFormatError('commit must start with a valid tree header');
  }
  const parents: string[] = [];
  let author: Signature | undefined;
  let committer: Signature | undefined;
  let changeId: string | undefined;
  for (const [k, v] of headers.slice(1)) {
    if (k === 'parent') {
      if (author || !OID.test(v))
        throw new ObjectFormatError(`bad parent header: ${v.slice(0, 60)}`);
      parents.push(v);
    } else if (k === 'author' && !author) author = parseSignature(v);
    else if (k === 'committer' && !committer) committer = parseSignature(v);
    else if (k === 'change-id' && changeId === undefined && CHANGE_ID.test(v)) changeId = v;
  }
  if (!author) throw new ObjectFormatError('commit has no author');
  if (!committer) throw new ObjectFormatError('commit has no committer');
  const c: Commit = { tree: first[1], parents, author, committer, headers, message };
  if (changeId !== undefined) c.changeId = changeId;
  return c;
}

/**
 * Serialises a commit. With `headers` set (as from parseCommit) they are written verbatim;
 * otherwise tree, parents, author, committer and change-id are written in git/jj order.
 */
export function serializeCommit(c: Commit): Uint8Array {
  let headers: Array<[string, string]> = c.headers;
  if (headers.length === 0) {
    headers = [['tree', c.tree]];
    for (const p of c.parents) headers.push(['parent', p]);
    headers.push(
      ['author', formatSignature(c.author)],
      ['committer', formatSignature(c.committer)],
    );
    if (c.changeId !== undefined) headers.push(['change-id', c.changeId]);
  }
  return utf8(formatHeaders(headers, c.message));
}

/** Converts a jj change id (reverse hex, z=0 … k=f) to ordinary hex. */
export function changeIdToHex(changeId: string): string {
  if (!CHANGE_ID.test(changeId)) throw new ObjectFormatError('bad change id');
  let out = '';
  for (const ch of changeId) out += (122 - ch.charCodeAt(0)).toString(16);
  return out;
}
