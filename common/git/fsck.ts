/**
 * Checks of incoming objects as git's `receive.fsckObjects` makes them (fsck.c run by
 * `index-pack --strict`; written anew here from its rules): trees (names `.git` in HFS+/NTFS
 * spellings, `.`, `..`, empty, with `/`, modes, duplicates, order), commits and tags (headers,
 * object ids, identities, dates, time zones). Each problem carries git's message id and text, so
 * a refusal reads like git's own. Severities follow git's strict mode: its warnings refuse, its
 * "info" messages (bad file modes, tag names, a missing tagger) only warn. Pure: bytes in,
 * problems out; commits and tags are checked in fsck-commit.ts, tree entries read and ordered by
 * fsck-tree-entry.ts. Trees report the `.gitmodules`/`.gitattributes` blobs they name, whose
 * contents fsck-blobs.ts checks, and can hand the ids they point at to a push's connectivity
 * check on the same walk (fsck-links.ts). Not covered: checks that need other objects (e.g. that
 * a commit's tree is a tree), which git makes while walking links.
 */
import { toHex } from './bytes';
import {
  badModeText,
  blankEntry,
  decodeEntry,
  DUPLICATE,
  UNORDERED,
  verifyOrdered,
} from './fsck-tree-entry';
import type { OidSet } from './oid-set';
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

const SLASH = 0x2f;
const BACKSLASH = 0x5c;

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
const S_IFGITLINK = 0o160000;
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

/**
 * Where a tree's checks also collect its links (fsck-links.ts): the ids its entries point at
 * (submodules aside) go to `out`; `error` is set to addLinks' refusal of the tree if it has one
 * that fsck lets pass.
 */
export interface TreeLinks {
  out: OidSet;
  error?: string;
}

/**
 * Checks one object body of the given type; trees add their special blobs to `found` and, with
 * `links`, their links (complete only when no problem refuses the tree).
 */
export function fsckObject(
  type: 'commit' | 'tree' | 'blob' | 'tag',
  body: Uint8Array,
  found?: SpecialBlobs,
  links?: TreeLinks,
): FsckProblem[] {
  const r = new Reporter();
  if (type === 'tree') fsckTree(body, r, found, links);
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

function fsckTree(
  b: Uint8Array,
  r: Reporter,
  found: SpecialBlobs | undefined,
  links: TreeLinks | undefined,
): void {
  if (b.length === 0) return;
  // Three records reused for the whole tree: the previous entry, this one, and the next.
  let last = blankEntry();
  let cur = blankEntry();
  let nxt = blankEntry();
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
    if (links) {
      // What addLinks (object-links.ts) refuses beyond fsck: modes of seven digits or more.
      if (cur.digits > 6) links.error ??= badModeText(b, cur);
      else if ((mode & S_IFMT) !== S_IFGITLINK) links.out.add(b, end + 1);
    }
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
