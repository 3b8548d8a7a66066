/**
 * Tree entry names that other file systems read as something else, as `git fsck` judges them
 * (after git's path.c and utf8.c; written anew here): `.git` spelled so that HFS+ (ignorable
 * Unicode code points, case folding) or NTFS (trailing spaces and dots, 8.3 short names such as
 * `GIT~1`, alternate data streams after `:`) opens the repository's own `.git`, and the same for
 * `.gitmodules`, `.gitattributes`, `.gitignore`, `.mailmap`. Names are raw bytes.
 */

const DOT = 0x2e;
const SLASH = 0x2f;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const SPACE = 0x20;

/** Byte at `i`, or 0 past the end (tree names hold no NUL, so 0 means "end", as in C). */
function at(b: Uint8Array, i: number): number {
  return i < b.length ? (b[i] as number) : 0;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 32 : c;
}

/** Code points HFS+ ignores when it compares names. */
const HFS_IGNORED = new Set([
  0x200c, 0x200d, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x206a, 0x206b, 0x206c,
  0x206d, 0x206e, 0x206f, 0xfeff,
]);

/**
 * Reads UTF-8 code points from `name`, skipping those HFS+ ignores. A malformed sequence ends
 * the name (as git does: such a name cannot be `.git` past that point).
 */
class HfsReader {
  private i = 0;
  constructor(private readonly name: Uint8Array) {}

  next(): number {
    for (;;) {
      const c = this.one();
      if (c < 0) return 0;
      if (!HFS_IGNORED.has(c)) return c;
    }
  }

  /** One code point; 0 at the end; -1 when malformed. */
  private one(): number {
    const b = this.name;
    if (this.i >= b.length) return 0;
    const c0 = b[this.i] as number;
    let n: number;
    let cp: number;
    if (c0 < 0x80) {
      this.i++;
      return c0;
    } else if (c0 >= 0xc2 && c0 < 0xe0) [n, cp] = [1, c0 & 0x1f];
    else if (c0 >= 0xe0 && c0 < 0xf0) [n, cp] = [2, c0 & 0x0f];
    else if (c0 >= 0xf0 && c0 < 0xf5) [n, cp] = [3, c0 & 0x07];
    else return -1;
    for (let k = 1; k <= n; k++) {
      const c = at(b, this.i + k);
      if ((c & 0xc0) !== 0x80) return -1;
      cp = (cp << 6) | (c & 0x3f);
    }
    // Overlong forms, surrogates and values past U+10FFFF are malformed.
    if ((n === 2 && cp < 0x800) || (n === 3 && cp < 0x10000) || cp > 0x10ffff) return -1;
    if (cp >= 0xd800 && cp <= 0xdfff) return -1;
    this.i += n + 1;
    return cp;
  }
}

/** Whether HFS+ reads `name` as "." + `needle` (lower-case ASCII). */
function isHfsDot(name: Uint8Array, needle: string): boolean {
  const r = new HfsReader(name);
  if (r.next() !== DOT) return false;
  for (let k = 0; k < needle.length; k++) {
    const c = r.next();
    if (c > 127 || lower(c) !== needle.charCodeAt(k)) return false;
  }
  const c = r.next();
  return c === 0 || c === SLASH;
}

/** Whether NTFS reads the name starting at `from` as `.git` (a backslash ends a name there). */
export function isNtfsDotgit(name: Uint8Array, from = 0): boolean {
  let i = from;
  let c = at(name, i++);
  if (c === DOT) {
    if (lower(at(name, i++)) !== 0x67 || lower(at(name, i++)) !== 0x69) return false;
    if (lower(at(name, i++)) !== 0x74) return false;
  } else if (lower(c) === 0x67) {
    if (lower(at(name, i++)) !== 0x69 || lower(at(name, i++)) !== 0x74) return false;
    if (at(name, i++) !== 0x7e || at(name, i++) !== 0x31) return false;
  } else return false;
  for (;;) {
    c = at(name, i++);
    if (c === 0 || c === SLASH || c === BACKSLASH || c === COLON) return true;
    if (c !== DOT && c !== SPACE) return false;
  }
}

function onlySpacesAndPeriods(name: Uint8Array, i: number): boolean {
  for (;;) {
    const c = at(name, i++);
    if (c === 0 || c === COLON) return true;
    if (c !== SPACE && c !== DOT) return false;
  }
}

/**
 * Whether NTFS reads `name` as "." + `dotName`: the name itself with trailing spaces/dots, its
 * 6-character short name `~1`…`~4`, or the hashed fall-back short name starting `shortPrefix`.
 */
function isNtfsDot(name: Uint8Array, dotName: string, shortPrefix: string): boolean {
  const len = dotName.length;
  if (at(name, 0) === DOT) {
    let k = 0;
    while (k < len && lower(at(name, 1 + k)) === dotName.charCodeAt(k)) k++;
    if (k === len) return onlySpacesAndPeriods(name, len + 1);
  }
  let k = 0;
  while (k < 6 && lower(at(name, k)) === dotName.charCodeAt(k)) k++;
  if (k === 6 && at(name, 6) === 0x7e && at(name, 7) >= 0x31 && at(name, 7) <= 0x34)
    return onlySpacesAndPeriods(name, 8);
  let sawTilde = false;
  for (let i = 0; i < 8; i++) {
    const c = at(name, i);
    if (c === 0) return false;
    if (sawTilde) {
      if (c < 0x30 || c > 0x39) return false;
    } else if (c === 0x7e) {
      const d = at(name, ++i);
      if (d < 0x31 || d > 0x39) return false;
      sawTilde = true;
    } else if (i >= 6) return false;
    else if (c & 0x80) return false;
    else if (lower(c) !== shortPrefix.charCodeAt(i)) return false;
  }
  return onlySpacesAndPeriods(name, 8);
}

/** `.git` on any file system git guards against (HFS+ or NTFS spellings). */
export function isDotgit(name: Uint8Array): boolean {
  return isHfsDot(name, 'git') || isNtfsDotgit(name);
}

/** `.gitmodules` by NTFS rules (also used for the parts of a name after a backslash). */
export function isNtfsDotgitmodules(name: Uint8Array): boolean {
  return isNtfsDot(name, 'gitmodules', 'gi7eba');
}

/** `.gitmodules` by HFS+ or NTFS rules. */
export function isDotgitmodules(name: Uint8Array): boolean {
  return isHfsDot(name, 'gitmodules') || isNtfsDotgitmodules(name);
}

/** `.gitattributes` by HFS+ or NTFS rules. */
export function isDotgitattributes(name: Uint8Array): boolean {
  return isHfsDot(name, 'gitattributes') || isNtfsDot(name, 'gitattributes', 'gi7d29');
}

/** `.gitignore` by HFS+ or NTFS rules. */
export function isDotgitignore(name: Uint8Array): boolean {
  return isHfsDot(name, 'gitignore') || isNtfsDot(name, 'gitignore', 'gi250a');
}

/** `.mailmap` by HFS+ or NTFS rules. */
export function isDotmailmap(name: Uint8Array): boolean {
  return isHfsDot(name, 'mailmap') || isNtfsDot(name, 'mailmap', 'maba30');
}
