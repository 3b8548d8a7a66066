/**
 * Checks of incoming objects as git's `receive.fsckObjects` makes them (fsck.c run by
 * `index-pack --strict`; written anew here from its rules): trees (names `.git` in HFS+/NTFS
 * spellings, `.`, `..`, empty, with `/`, modes, duplicates, order), commits and tags (headers,
 * object ids, identities, dates, time zones). Each problem carries git's message id and text, so
 * a refusal reads like git's own. Severities follow git's strict mode: its warnings refuse, its
 * "info" messages (bad file modes, tag names, a missing tagger) only warn. Pure: bytes in,
 * problems out; commits and tags are checked in fsck-commit.ts. Trees report the
 * `.gitmodules`/`.gitattributes` blobs they name, whose contents
 * fsck-blobs.ts checks. Not covered: checks that need other objects (e.g. that a commit's tree
 * is a tree), which git makes while walking links.
 */
import { toHex } from './bytes';
import { fsckCommit, fsckTag } from './fsck-commit';
import { Reporter, type FsckProblem } from './fsck-report';
import {
  isDotgit,
  isDotgitattributes,
  isDotgitignore,
  isDotgitmodules,
  isDotmailmap,
  isNtfsDotgit,
  isNtfsDotgitmodules,
} from './fsck-names';

/** git's `max_tree_entry_len` default (fsck.largePathname). */
const MAX_TREE_ENTRY_LEN = 4096;

const SP = 0x20;
const NUL = 0;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const STANDARD_MODES = new Set([0o100755, 0o100644, S_IFLNK, S_IFDIR, 0o160000]);
/** Kinds Plue can store and serve: blob, tree, symlink, submodule. */
const KNOWN_KINDS = new Set([0o100000, S_IFDIR, S_IFLNK, 0o160000]);

/**
 * Blobs named `.gitmodules` / `.gitattributes` (in any spelling git guards) by the trees checked,
 * to be checked as configuration once their contents are at hand (fsck-blobs.ts).
 */
export interface SpecialBlobs {
  gitmodules: Set<string>;
  gitattributes: Set<string>;
}

export type { FsckProblem } from './fsck-report';

/** Checks one object body of the given type; trees add their special blobs to `found`. */
export function fsckObject(
  type: 'commit' | 'tree' | 'blob' | 'tag',
  body: Uint8Array,
  found?: SpecialBlobs,
): FsckProblem[] {
  const r = new Reporter();
  if (type === 'tree') fsckTree(body, r, found);
  else if (type === 'commit') fsckCommit(body, r);
  else if (type === 'tag') fsckTag(body, r);
  return r.problems;
}

/** The first refusing problem, if any. */
export function firstError(problems: readonly FsckProblem[]): FsckProblem | undefined {
  return problems.find((p) => p.error);
}

/** git's wording: `object <oid>: <msgId>: <message>`. */
export function formatProblem(oid: string, p: FsckProblem): string {
  return `object ${oid}: ${p.id}: ${p.message}`;
}

// ---- trees -----------------------------------------------------------------------------------

/**
 * Where the entry at `pos` ends, as git's decode_tree_entry reads it; -1 when malformed. Sets
 * `e` to the entry's mode and name bounds. Nothing is allocated per entry: a push may carry
 * millions of them.
 */
function decodeEntry(b: Uint8Array, pos: number, e: EntryRef): number {
  if (b.length - pos < 23 || b[b.length - 21] !== NUL) return -1;
  if (b[pos] === SP) return -1;
  let mode = 0;
  let i = pos;
  for (;;) {
    if (i >= b.length) return -1;
    const c = b[i++] as number;
    if (c === SP) break;
    if (c < 0x30 || c > 0x37) return -1;
    mode = ((mode << 3) + (c - 0x30)) & 0xffff; // git keeps the mode in 16 bits
  }
  const nul = b.indexOf(NUL, i);
  if (nul < 0 || nul === i) return -1;
  const next = nul + 21;
  if (next > b.length) return -1;
  e.mode = mode;
  e.start = i;
  e.end = nul;
  e.zeroPadded = b[pos] === 0x30;
  let nullOid = true;
  for (let k = nul + 1; k < next && nullOid; k++) if (b[k] !== 0) nullOid = false;
  e.nullOid = nullOid;
  return next;
}

interface EntryRef {
  mode: number;
  /** The name is b[start, end). */
  start: number;
  end: number;
  zeroPadded: boolean;
  nullOid: boolean;
}

const isDir = (mode: number) => (mode & S_IFMT) === S_IFDIR;
const lessThanSlash = (c: number) => c > 0 && c < SLASH;

const ORDERED = 0;
const UNORDERED = 1;
const DUPLICATE = 2;

/**
 * git's tree order (a directory sorts as if its name ended in "/"), and duplicates, including
 * a file and a directory of the same name that other entries separate (`foo`, `foo.bar`, `foo/`).
 * Names are ranges of `b`; `candidates` holds [start, end] pairs of earlier file names.
 */
function verifyOrdered(b: Uint8Array, prev: EntryRef, cur: EntryRef, candidates: number[]): number {
  const len1 = prev.end - prev.start;
  const len2 = cur.end - cur.start;
  const len = Math.min(len1, len2);
  for (let i = 0; i < len; i++) {
    const d = (b[prev.start + i] as number) - (b[cur.start + i] as number);
    if (d < 0) return ORDERED;
    if (d > 0) return UNORDERED;
  }
  let c1 = len < len1 ? (b[prev.start + len] as number) : 0;
  let c2 = len < len2 ? (b[cur.start + len] as number) : 0;
  if (!c1 && !c2) return DUPLICATE;
  if (!c1 && isDir(prev.mode)) c1 = SLASH;
  if (!c2 && isDir(cur.mode)) c2 = SLASH;
  if (!c1 && lessThanSlash(c2)) candidates.push(prev.start, prev.end);
  else if (c2 === SLASH && lessThanSlash(c1)) {
    while (candidates.length > 0) {
      const fEnd = candidates.pop() as number;
      const fStart = candidates.pop() as number;
      const fLen = fEnd - fStart;
      if (fLen > len2) continue;
      let prefix = true;
      for (let i = 0; i < fLen && prefix; i++) prefix = b[fStart + i] === b[cur.start + i];
      if (!prefix) continue;
      const p = fLen < len2 ? (b[cur.start + fLen] as number) : 0;
      if (!p) return DUPLICATE;
      if (lessThanSlash(p)) {
        candidates.push(fStart, fEnd);
        break;
      }
    }
  }
  return c1 < c2 ? ORDERED : UNORDERED;
}

function fsckTree(b: Uint8Array, r: Reporter, found: SpecialBlobs | undefined): void {
  if (b.length === 0) return;
  const blank = (): EntryRef => ({ mode: 0, start: 0, end: 0, zeroPadded: false, nullOid: false });
  // Three records reused for the whole tree: the previous entry, this one, and the next.
  let last = blank();
  let cur = blank();
  let nxt = blank();
  let next = decodeEntry(b, 0, cur);
  if (next < 0) {
    r.report('badTree', 'cannot be parsed as a tree');
    return;
  }
  let nullSha1 = false;
  let fullPath = false;
  let dot = false;
  let dotdot = false;
  let dotgit = false;
  let zeroPad = false;
  let badModes = false;
  let unknownKind = false;
  let dups = false;
  let unsorted = false;
  let largeName = false;
  const candidates: number[] = [];
  for (let first = true; ; first = false) {
    const { start, end, mode } = cur;
    const len = end - start;
    const c0 = b[start] as number;
    nullSha1 ||= cur.nullOid;
    zeroPad ||= cur.zeroPadded;
    largeName ||= len > MAX_TREE_ENTRY_LEN;
    let backslash = false;
    for (let i = start; i < end; i++) {
      const c = b[i];
      if (c === SLASH) fullPath = true;
      else if (c === BACKSLASH) backslash = true;
    }
    if (c0 === 0x2e && len <= 2) {
      dot ||= len === 1;
      dotdot ||= len === 2 && b[start + 1] === 0x2e;
    }
    // Only names starting with ".", "g", "m" or an HFS+-ignorable code point (U+200C…U+206F,
    // U+FEFF) can be read as .git, .gitmodules, git~1, GITMOD~1, MAILMA~1 and the like.
    const special =
      c0 === 0x2e || (c0 | 0x20) === 0x67 || (c0 | 0x20) === 0x6d || c0 === 0xe2 || c0 === 0xef;
    const link = (mode & S_IFMT) === S_IFLNK;
    if (special) {
      const name = b.subarray(start, end);
      dotgit ||= isDotgit(name);
      if (found && !link) {
        if (isDotgitmodules(name)) found.gitmodules.add(toHex(b.subarray(end + 1, end + 21)));
        if (isDotgitattributes(name)) found.gitattributes.add(toHex(b.subarray(end + 1, end + 21)));
      }
      if (link) {
        if (isDotgitmodules(name)) r.report('gitmodulesSymlink', '.gitmodules is a symbolic link');
        if (isDotgitattributes(name))
          r.report('gitattributesSymlink', '.gitattributes is a symlink');
        if (isDotgitignore(name)) r.report('gitignoreSymlink', '.gitignore is a symlink');
        if (isDotmailmap(name)) r.report('mailmapSymlink', '.mailmap is a symlink');
      }
    }
    // NTFS reads a backslash as a directory separator: check each part after one too.
    for (let i = start; backslash && i < end; i++) {
      if (b[i] !== BACKSLASH) continue;
      const rest = b.subarray(i + 1, end);
      dotgit ||= isNtfsDotgit(rest);
      if (isNtfsDotgitmodules(rest)) {
        if (link) r.report('gitmodulesSymlink', '.gitmodules is a symbolic link');
        else found?.gitmodules.add(toHex(b.subarray(end + 1, end + 21)));
      }
    }
    let following = -1;
    if (next < b.length) {
      following = decodeEntry(b, next, nxt);
      if (following < 0) {
        r.report('badTree', 'cannot be parsed as a tree');
        break;
      }
    }
    if (!STANDARD_MODES.has(mode)) {
      badModes = true;
      if (!KNOWN_KINDS.has(mode & S_IFMT)) unknownKind = true;
    }
    if (!first) {
      const o = verifyOrdered(b, last, cur, candidates);
      if (o === UNORDERED) unsorted = true;
      else if (o === DUPLICATE) dups = true;
    }
    if (following < 0) break;
    [last, cur, nxt] = [cur, nxt, last];
    next = following;
  }
  if (nullSha1) r.report('nullSha1', 'contains entries pointing to null sha1');
  if (fullPath) r.report('fullPathname', 'contains full pathnames');
  if (dot) r.report('hasDot', "contains '.'");
  if (dotdot) r.report('hasDotdot', "contains '..'");
  if (dotgit) r.report('hasDotgit', "contains '.git'");
  if (zeroPad) r.report('zeroPaddedFilemode', 'contains zero-padded file modes');
  if (unknownKind) {
    // git reads a mode of no known kind as a blob and only warns; Plue cannot store it.
    r.problems.push({
      id: 'badFilemode',
      error: true,
      message: 'contains bad file modes (Plue stores only file, tree, symlink and submodule modes)',
    });
  } else if (badModes) r.report('badFilemode', 'contains bad file modes');
  if (dups) r.report('duplicateEntries', 'contains duplicate file entries');
  if (unsorted) r.report('treeNotSorted', 'not properly sorted');
  if (largeName) r.report('largePathname', 'contains excessively large pathname');
}

// ---- commits and tags ------------------------------------------------------------------------
