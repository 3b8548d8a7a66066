/**
 * Checks of incoming objects as git's `receive.fsckObjects` makes them (fsck.c run by
 * `index-pack --strict`; written anew here from its rules): trees (names `.git` in HFS+/NTFS
 * spellings, `.`, `..`, empty, with `/`, modes, duplicates, order), commits and tags (headers,
 * object ids, identities, dates, time zones). Each problem carries git's message id and text, so
 * a refusal reads like git's own. Severities follow git's strict mode: its warnings refuse, its
 * "info" messages (bad file modes, tag names, a missing tagger) only warn. Pure: bytes in,
 * problems out. Not covered: `.gitmodules`/`.gitattributes` blob contents (git parses them as
 * config) and checks that need other objects.
 */
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

/** Checks one object body of the given type. */
export function fsckObject(
  type: 'commit' | 'tree' | 'blob' | 'tag',
  body: Uint8Array,
): FsckProblem[] {
  const r = new Reporter();
  if (type === 'tree') fsckTree(body, r);
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

interface RawEntry {
  mode: number;
  name: Uint8Array;
  zeroPadded: boolean;
  nullOid: boolean;
  /** Bytes of the whole entry (git's tree_entry_len is the name's length; kept for the limit). */
  nameLen: number;
}

/** Decodes the entry at `pos` as git's decode_tree_entry does; undefined when malformed. */
function decodeEntry(b: Uint8Array, pos: number): { entry: RawEntry; next: number } | undefined {
  if (b.length - pos < 23 || b[b.length - 21] !== NUL) return undefined;
  if (b[pos] === SP) return undefined;
  let mode = 0;
  let i = pos;
  for (;;) {
    if (i >= b.length) return undefined;
    const c = b[i++] as number;
    if (c === SP) break;
    if (c < 0x30 || c > 0x37) return undefined;
    mode = ((mode << 3) + (c - 0x30)) & 0xffff; // git keeps the mode in 16 bits
  }
  const nul = b.indexOf(NUL, i);
  if (nul < 0 || nul === i) return undefined;
  const next = nul + 21;
  if (next > b.length) return undefined;
  let nullOid = true;
  for (let k = nul + 1; k < next; k++) if (b[k] !== 0) nullOid = false;
  return {
    entry: {
      mode,
      name: b.subarray(i, nul),
      zeroPadded: b[pos] === 0x30,
      nullOid,
      nameLen: nul - i,
    },
    next,
  };
}

const isDir = (mode: number) => (mode & S_IFMT) === S_IFDIR;
const lessThanSlash = (c: number) => c > 0 && c < SLASH;

function startsWith(name: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > name.length) return false;
  for (let i = 0; i < prefix.length; i++) if (name[i] !== prefix[i]) return false;
  return true;
}

const ORDERED = 0;
const UNORDERED = 1;
const DUPLICATE = 2;

/**
 * git's tree order (a directory sorts as if its name ended in "/"), and duplicates, including
 * a file and a directory of the same name that other entries separate (`foo`, `foo.bar`, `foo/`).
 */
function verifyOrdered(
  mode1: number,
  name1: Uint8Array,
  mode2: number,
  name2: Uint8Array,
  candidates: Uint8Array[],
): number {
  const len = Math.min(name1.length, name2.length);
  for (let i = 0; i < len; i++) {
    const d = (name1[i] as number) - (name2[i] as number);
    if (d < 0) return ORDERED;
    if (d > 0) return UNORDERED;
  }
  let c1 = len < name1.length ? (name1[len] as number) : 0;
  let c2 = len < name2.length ? (name2[len] as number) : 0;
  if (!c1 && !c2) return DUPLICATE;
  if (!c1 && isDir(mode1)) c1 = SLASH;
  if (!c2 && isDir(mode2)) c2 = SLASH;
  if (!c1 && lessThanSlash(c2)) candidates.push(name1);
  else if (c2 === SLASH && lessThanSlash(c1)) {
    for (;;) {
      const f = candidates.pop();
      if (!f) break;
      if (!startsWith(name2, f)) continue;
      const p = f.length < name2.length ? (name2[f.length] as number) : 0;
      if (!p) return DUPLICATE;
      if (lessThanSlash(p)) {
        candidates.push(f);
        break;
      }
    }
  }
  return c1 < c2 ? ORDERED : UNORDERED;
}

function isDotName(name: Uint8Array): boolean {
  return name.length === 1 && name[0] === 0x2e;
}
function isDotDotName(name: Uint8Array): boolean {
  return name.length === 2 && name[0] === 0x2e && name[1] === 0x2e;
}

function fsckTree(b: Uint8Array, r: Reporter): void {
  if (b.length === 0) return;
  let first = decodeEntry(b, 0);
  if (!first) {
    r.report('badTree', 'cannot be parsed as a tree');
    return;
  }
  const seen = {
    nullSha1: false,
    fullPath: false,
    dot: false,
    dotdot: false,
    dotgit: false,
    zeroPad: false,
    badModes: false,
    unknownKind: false,
    dups: false,
    unsorted: false,
    largeName: false,
  };
  const candidates: Uint8Array[] = [];
  let prev: RawEntry | undefined;
  let cur: { entry: RawEntry; next: number } | undefined = first;
  while (cur) {
    const { entry: e, next } = cur;
    const name = e.name;
    seen.nullSha1 ||= e.nullOid;
    seen.fullPath ||= name.includes(SLASH);
    seen.dot ||= isDotName(name);
    seen.dotdot ||= isDotDotName(name);
    // Only names starting with ".", "g", "m" or an HFS+-ignorable code point (U+200C…U+206F,
    // U+FEFF) can be read as .git, .gitmodules, git~1, GITMOD~1, MAILMA~1 and the like.
    const c0 = name[0] as number;
    const special =
      c0 === 0x2e || (c0 | 0x20) === 0x67 || (c0 | 0x20) === 0x6d || c0 === 0xe2 || c0 === 0xef;
    seen.dotgit ||= special && isDotgit(name);
    seen.zeroPad ||= e.zeroPadded;
    seen.largeName ||= e.nameLen > MAX_TREE_ENTRY_LEN;
    const link = (e.mode & S_IFMT) === S_IFLNK;
    if (special && link) {
      if (isDotgitmodules(name)) r.report('gitmodulesSymlink', '.gitmodules is a symbolic link');
      if (isDotgitattributes(name)) r.report('gitattributesSymlink', '.gitattributes is a symlink');
      if (isDotgitignore(name)) r.report('gitignoreSymlink', '.gitignore is a symlink');
      if (isDotmailmap(name)) r.report('mailmapSymlink', '.mailmap is a symlink');
    }
    // NTFS reads a backslash as a directory separator: check each part after one too.
    for (let at = name.indexOf(BACKSLASH); at >= 0; at = name.indexOf(BACKSLASH, at + 1)) {
      const rest = name.subarray(at + 1);
      seen.dotgit ||= isNtfsDotgit(rest);
      if (isNtfsDotgitmodules(rest) && link)
        r.report('gitmodulesSymlink', '.gitmodules is a symbolic link');
    }
    let following: { entry: RawEntry; next: number } | undefined;
    if (next < b.length) {
      following = decodeEntry(b, next);
      if (!following) {
        r.report('badTree', 'cannot be parsed as a tree');
        break;
      }
    }
    if (!STANDARD_MODES.has(e.mode)) {
      seen.badModes = true;
      if (!KNOWN_KINDS.has(e.mode & S_IFMT)) seen.unknownKind = true;
    }
    if (prev) {
      const o = verifyOrdered(prev.mode, prev.name, e.mode, name, candidates);
      if (o === UNORDERED) seen.unsorted = true;
      else if (o === DUPLICATE) seen.dups = true;
    }
    prev = e;
    cur = following;
  }
  first = undefined;
  if (seen.nullSha1) r.report('nullSha1', 'contains entries pointing to null sha1');
  if (seen.fullPath) r.report('fullPathname', 'contains full pathnames');
  if (seen.dot) r.report('hasDot', "contains '.'");
  if (seen.dotdot) r.report('hasDotdot', "contains '..'");
  if (seen.dotgit) r.report('hasDotgit', "contains '.git'");
  if (seen.zeroPad) r.report('zeroPaddedFilemode', 'contains zero-padded file modes');
  if (seen.unknownKind) {
    // git reads a mode of no known kind as a blob and only warns; Plue cannot store it.
    r.problems.push({
      id: 'badFilemode',
      error: true,
      message: 'contains bad file modes (Plue stores only file, tree, symlink and submodule modes)',
    });
  } else if (seen.badModes) r.report('badFilemode', 'contains bad file modes');
  if (seen.dups) r.report('duplicateEntries', 'contains duplicate file entries');
  if (seen.unsorted) r.report('treeNotSorted', 'not properly sorted');
  if (seen.largeName) r.report('largePathname', 'contains excessively large pathname');
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
  const overflow = digits > 23 || BigInt(new TextDecoder().decode(b.subarray(start, p))) > MAX_TIME;
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
