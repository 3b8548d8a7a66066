/**
 * fsck of commits and tags, as git's fsck.c checks them for receive.fsckObjects: header order
 * and form, tree and parent ids, author/committer/tagger identities and dates, tag object, type
 * and name. Works on the raw body with a cursor, without building parsed objects.
 */
import { refNameProblem } from './refs';
import type { Reporter } from './fsck-report';

const NL = 0x0a;
const SP = 0x20;
const NUL = 0;

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

export function fsckCommit(b: Uint8Array, r: Reporter): void {
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

export function fsckTag(b: Uint8Array, r: Reporter): void {
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
