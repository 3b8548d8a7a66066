/**
 * Checks of incoming objects as git's `receive.fsckObjects` makes them (fsck.c run by
 * `index-pack --strict`; written anew here from its rules): trees (names `.git` in HFS+/NTFS
 * spellings, `.`, `..`, empty, with `/`, modes, duplicates, order), commits and tags (headers,
 * object ids, identities, dates, time zones). Each problem carries git's message id and text, so
 * a refusal reads like git's own. Severities follow git's strict mode: its warnings refuse, its
 * "info" messages (bad file modes, tag names, a missing tagger) only warn. Pure: bytes in,
 * problems out. Trees report the `.gitmodules`/`.gitattributes` blobs they name, whose contents
 * fsck-blobs.ts checks. Not covered: checks that need other objects (e.g. that a commit's tree
 * is a tree), which git makes while walking links.
 */
import { toHex } from './bytes';
import { refNameProblem } from './refs';
import {
  isDotgit,
  isDotgitattributes,
  isDotgitignore,
  isDotgitmodules,
  isDotmailmap,
  isNtfsDotgit,
  isNtfsDotgitmodules,
} from './fsck-names';

/** One finding: git's camel-cased message id, whether it refuses the object, git's text. */
export interface FsckProblem {
  id: string;
  error: boolean;
  message: string;
}

/** Messages git reports as "info" (shown as warnings, never refusing). */
const INFO_IDS = new Set([
  'badFilemode',
  'badTagName',
  'gitattributesSymlink',
  'gitignoreSymlink',
  'mailmapSymlink',
  'missingTaggerEntry',
]);

/** git's `max_tree_entry_len` default (fsck.largePathname). */
const MAX_TREE_ENTRY_LEN = 4096;

const NL = 0x0a;
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

class Reporter {
  readonly problems: FsckProblem[] = [];
  /** Adds a problem; returns true when it refuses the object (git then stops checking it). */
  report(id: string, message: string): boolean {
    const error = !INFO_IDS.has(id);
    this.problems.push({ id, error, message });
    return error;
  }
}

/**
 * Blobs named `.gitmodules` / `.gitattributes` (in any spelling git guards) by the trees checked,
 * to be checked as configuration once their contents are at hand (fsck-blobs.ts).
 */
export interface SpecialBlobs {
  gitmodules: Set<string>;
  gitattributes: Set<string>;
}

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

/** A cursor over a commit or tag body; headers end in LF (verifyHeaders makes sure). */
class Cursor {
  constructor(
    readonly b: Uint8Array,
    public pos = 0,
  ) {}
  get done(): boolean {
    return this.pos >= this.b.length;
  }
  byte(at = this.pos): number {
    return at < this.b.length ? (this.b[at] as number) : 0;
  }
  skip(prefix: string): boolean {
    if (this.pos + prefix.length > this.b.length) return false;
    for (let i = 0; i < prefix.length; i++)
      if (this.b[this.pos + i] !== prefix.charCodeAt(i)) return false;
    this.pos += prefix.length;
    return true;
  }
  /** Index of the next LF from `pos`, or -1. */
  eol(): number {
    return this.b.indexOf(NL, this.pos);
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

/** A 40-digit hex id followed by LF at the cursor; advances past the LF when it is. */
function skipOidLine(c: Cursor): boolean {
  for (let i = 0; i < 40; i++) if (!isHex(c.byte(c.pos + i))) return false;
  if (c.byte(c.pos + 40) !== NL) return false;
  c.pos += 41;
  return true;
}

/** Headers must end in "\n\n" or a final LF, with no NUL before. Returns true when refused. */
function verifyHeaders(b: Uint8Array, r: Reporter): boolean {
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if (c === NUL) return r.report('nulInHeader', `unterminated header: NUL at offset ${i}`);
    if (c === NL && b[i + 1] === NL) return false;
  }
  if (b.length > 0 && b[b.length - 1] === NL) return false;
  return r.report('unterminatedHeader', 'unterminated header');
}

const MAX_TIME = 2n ** 63n - 1n;

function bigDigits(b: Uint8Array, from: number, to: number): bigint {
  let v = 0n;
  for (let i = from; i < to; i++) v = v * 10n + BigInt((b[i] as number) - 0x30);
  return v;
}

/** An identity "Name <email> <seconds> <+hhmm>" LF at the cursor. Returns true when refused. */
function fsckIdent(c: Cursor, r: Reporter): boolean {
  const b = c.b;
  const nl = c.eol();
  const end = b.length;
  let p = c.pos;
  c.pos = nl + 1;
  const at = (i: number) => (i < end ? (b[i] as number) : 0);
  if (at(p) === 0x3c)
    return r.report(
      'missingNameBeforeEmail',
      'invalid author/committer line - missing space before email',
    );
  for (;;) {
    if (p >= end || at(p) === NL)
      return r.report('missingEmail', 'invalid author/committer line - missing email');
    if (at(p) === 0x3e) return r.report('badName', 'invalid author/committer line - bad name');
    if (at(p) === 0x3c) break;
    p++;
  }
  if (at(p - 1) !== SP)
    return r.report(
      'missingSpaceBeforeEmail',
      'invalid author/committer line - missing space before email',
    );
  p++;
  for (;;) {
    if (p >= end || at(p) === 0x3c || at(p) === NL)
      return r.report('badEmail', 'invalid author/committer line - bad email');
    if (at(p) === 0x3e) break;
    p++;
  }
  p++;
  if (at(p) !== SP)
    return r.report(
      'missingSpaceBeforeDate',
      'invalid author/committer line - missing space before date',
    );
  p++;
  while (at(p) === SP || at(p) === 0x09) p++;
  if (!isDigit(at(p))) return r.report('badDate', 'invalid author/committer line - bad date');
  if (at(p) === 0x30 && at(p + 1) !== SP)
    return r.report('zeroPaddedDate', 'invalid author/committer line - zero-padded date');
  const start = p;
  while (p < end && isDigit(at(p))) p++;
  // More than 23 digits, or past the signed 64-bit range, overflows git's time_t.
  const digits = p - start;
  // Up to 15 digits always fit; only longer dates need exact arithmetic.
  const overflow = digits > 23 || (digits > 15 && bigDigits(b, start, p) > MAX_TIME);
  if (overflow)
    return r.report(
      'badDateOverflow',
      'invalid author/committer line - date causes integer overflow',
    );
  if (at(p) !== SP) return r.report('badDate', 'invalid author/committer line - bad date');
  p++;
  const sign = at(p);
  if (
    (sign !== 0x2b && sign !== 0x2d) ||
    !isDigit(at(p + 1)) ||
    !isDigit(at(p + 2)) ||
    !isDigit(at(p + 3)) ||
    !isDigit(at(p + 4)) ||
    at(p + 5) !== NL
  )
    return r.report('badTimezone', 'invalid author/committer line - bad time zone');
  return false;
}

function fsckCommit(b: Uint8Array, r: Reporter): void {
  if (verifyHeaders(b, r)) return;
  const c = new Cursor(b);
  if (c.done || !c.skip('tree '))
    return void r.report('missingTree', "invalid format - expected 'tree' line");
  if (!skipOidLine(c)) return void r.report('badTreeSha1', "invalid 'tree' line format - bad sha1");
  while (!c.done && c.skip('parent ')) {
    if (!skipOidLine(c))
      return void r.report('badParentSha1', "invalid 'parent' line format - bad sha1");
  }
  let authors = 0;
  while (!c.done && c.skip('author ')) {
    authors++;
    if (fsckIdent(c, r)) return;
  }
  if (authors < 1) return void r.report('missingAuthor', "invalid format - expected 'author' line");
  if (authors > 1)
    return void r.report('multipleAuthors', "invalid format - multiple 'author' lines");
  if (c.done || !c.skip('committer '))
    return void r.report('missingCommitter', "invalid format - expected 'committer' line");
  if (fsckIdent(c, r)) return;
  if (b.includes(NUL)) r.report('nulInCommit', 'NUL byte in the commit object body');
}

const TAG_TYPES = new Set(['commit', 'tree', 'blob', 'tag']);

function latin1(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

function fsckTag(b: Uint8Array, r: Reporter): void {
  if (verifyHeaders(b, r)) return;
  const c = new Cursor(b);
  if (c.done || !c.skip('object '))
    return void r.report('missingObject', "invalid format - expected 'object' line");
  if (!skipOidLine(c))
    return void r.report('badObjectSha1', "invalid 'object' line format - bad sha1");
  if (c.done || !c.skip('type '))
    return void r.report('missingTypeEntry', "invalid format - expected 'type' line");
  let eol = c.eol();
  if (eol < 0)
    return void r.report('missingType', "invalid format - unexpected end after 'type' line");
  if (!TAG_TYPES.has(latin1(b.subarray(c.pos, eol))))
    return void r.report('badType', "invalid 'type' value");
  c.pos = eol + 1;
  if (c.done || !c.skip('tag '))
    return void r.report('missingTagEntry', "invalid format - expected 'tag' line");
  eol = c.eol();
  if (eol < 0)
    return void r.report('missingTag', "invalid format - unexpected end after 'type' line");
  const name = latin1(b.subarray(c.pos, eol));
  if (refNameProblem(`refs/tags/${name}`) !== undefined)
    r.report('badTagName', `invalid 'tag' name: ${name}`);
  c.pos = eol + 1;
  if (c.done || !c.skip('tagger ')) {
    // Early tags have no tagger: git only warns.
    r.report('missingTaggerEntry', "invalid format - expected 'tagger' line");
  } else if (fsckIdent(c, r)) return;
  if (!c.done && (c.skip('gpgsig ') || c.skip('gpgsig-sha256 '))) {
    eol = c.eol();
    if (eol < 0)
      return void r.report(
        'badGpgsig',
        "invalid format - unexpected end after 'gpgsig' or 'gpgsig-sha256' line",
      );
    c.pos = eol + 1;
    while (!c.done && c.byte() === SP) {
      eol = c.eol();
      if (eol < 0)
        return void r.report(
          'badHeaderContinuation',
          "invalid format - unexpected end in 'gpgsig' or 'gpgsig-sha256' continuation line",
        );
      c.pos = eol + 1;
    }
  }
  // Extra headers after the tagger (extraHeaderEntry) are ignored by git's default severities.
}
