/**
 * What a fetch request asks for, whatever the protocol version: the lines v0/v1 and v2 share
 * (`want`, `have`, `shallow`, `deepen*`, `filter`, `done`), the capability words v0/v1 put on a
 * want line and v2 sends as arguments, and the checks both make before any walk: every want is
 * an object this repository stores, and peeled tags for the advertisements.
 */
import { parseTag } from '../../../common/git/object';
import { parsePktLines, PktLineError, type Pkt } from '../../../common/git/pkt-line';
import { isValidOid } from '../../../common/git/refs';
import type { RepoObjects } from '../../git/storage/repo-objects';
import { AppError } from '../../../common/errors';
import { parseFilter } from './fetch-walk';
import type { PackSpec } from './fetch-pack';

/** The pkt-lines of an upload-pack request body; malformed framing is the client's error. */
export function requestPkts(body: Uint8Array): Pkt[] {
  try {
    return parsePktLines(body);
  } catch (err) {
    if (err instanceof PktLineError) throw AppError.invalid(`malformed request: ${err.message}`);
    throw err;
  }
}

/** A fetch request after parsing (negotiation state included). */
export interface FetchArgs extends PackSpec {
  haves: string[];
  done: boolean;
  noProgress: boolean;
}

/** An empty request, to be filled by `applyFetchLine` / `applyFetchCapability`. */
export function emptyFetchArgs(): FetchArgs {
  return {
    wants: [],
    haves: [],
    common: [],
    done: false,
    noProgress: false,
    includeTag: false,
    ofsDelta: false,
    shallow: new Set(),
    relative: false,
    deepenNot: [],
  };
}

function oidArg(line: string, at: number): string {
  const oid = line.slice(at);
  if (!isValidOid(oid)) throw AppError.invalid(`bad object id in '${line.slice(0, 60)}'`);
  return oid;
}

/**
 * Applies a capability word (v0/v1: after the oid of a want line; v2: a fetch argument).
 * Returns false for words this server does not act on (v0 ignores them, as git does).
 */
export function applyFetchCapability(f: FetchArgs, word: string): boolean {
  if (word === 'no-progress') f.noProgress = true;
  else if (word === 'include-tag') f.includeTag = true;
  else if (word === 'ofs-delta') f.ofsDelta = true;
  else if (word === 'deepen-relative') f.relative = true;
  else if (word === 'thin-pack') return true;
  else return false;
  return true;
}

/**
 * Applies one request line shared by every protocol version: `want <oid>` (a v0 caller strips the
 * capabilities after the oid first), `have`, `shallow`, `deepen`, `deepen-since`, `deepen-not`, `filter`
 * and `done`. Returns false for any other line; throws `invalid` for a malformed one.
 */
export function applyFetchLine(f: FetchArgs, line: string): boolean {
  if (line.startsWith('want ')) f.wants.push(oidArg(line, 5));
  else if (line.startsWith('have ')) f.haves.push(oidArg(line, 5));
  else if (line.startsWith('shallow ')) f.shallow.add(oidArg(line, 8));
  else if (line === 'done') f.done = true;
  else if (line.startsWith('deepen-since ')) {
    const since = line.slice(13);
    if (!/^\d{1,15}$/.test(since)) throw AppError.invalid(`invalid deepen-since: ${since}`);
    f.deepenSince = Number(since);
  } else if (line.startsWith('deepen-not ')) {
    const ref = line.slice(11);
    if (ref.length === 0) throw AppError.invalid('deepen-not needs a ref');
    f.deepenNot.push(ref);
  } else if (line.startsWith('deepen ')) {
    const depth = line.slice(7);
    // `git fetch --unshallow` asks for git's "infinite" depth, 2^31 - 1.
    f.depth = /^\d{1,10}$/.test(depth) ? Number(depth) : NaN;
    if (!Number.isInteger(f.depth) || f.depth < 1 || f.depth > 0x7fffffff)
      throw AppError.invalid('deepen needs a positive depth');
  } else if (line.startsWith('filter ')) {
    if (f.filter) throw AppError.invalid('only one filter per fetch');
    f.filter = parseFilter(line.slice(7));
  } else return false;
  return true;
}

/** Whether the request cuts history (the answer then starts with the shallow boundary). */
export function isDeepen(f: FetchArgs): boolean {
  return f.depth !== undefined || f.deepenSince !== undefined || f.deepenNot.length > 0;
}

/** Refuses a want this repository does not store, with git's own message. */
export function checkWants(objects: RepoObjects, wants: string[]): void {
  for (const w of wants) {
    if (!objects.has(w)) throw AppError.invalid(`upload-pack: not our ref ${w}`);
  }
}

/**
 * The commits a fetch's common haves stand for, for the walk that starts from commits: a tag is
 * peeled to what it names (isomorphic-git sends its tags as haves), and haves that are not
 * commits once peeled are dropped.
 */
export async function commonCommits(objects: RepoObjects, haves: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const h of haves) {
    const oid = (await peel(objects, h)) ?? h;
    if (!out.has(oid) && (await objects.read(oid))?.type === 'commit') out.add(oid);
  }
  return [...out];
}

/** Peels an annotated tag (chains included) to the object it finally names. */
export async function peel(objects: RepoObjects, oid: string): Promise<string | undefined> {
  let cur = oid;
  for (let i = 0; i < 10; i++) {
    const obj = await objects.read(cur);
    if (!obj || obj.type !== 'tag') return i === 0 ? undefined : cur;
    cur = parseTag(obj.body).object;
  }
  return cur;
}
