/**
 * Reading one tree entry as git's decode_tree_entry does, and git's tree-order and duplicate
 * checks between neighbours (fsck.c's verify_ordered), for the tree checks of fsck.ts. Entries
 * are records of positions into the tree's bytes: nothing is allocated per entry, since a push
 * may carry millions of them.
 */
import { fromLatin1 } from './bytes';

const SP = 0x20;
const NUL = 0;
const SLASH = 0x2f;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

/** A fresh entry record. */
export function blankEntry(): EntryRef {
  return { mode: 0, digits: 0, start: 0, end: 0, zeroPadded: false, nullOid: false };
}

/**
 * Where the entry at `pos` ends, as git's decode_tree_entry reads it; -1 when malformed. Sets
 * `e` to the entry's mode and name bounds. Nothing is allocated per entry: a push may carry
 * millions of them.
 */
export function decodeEntry(b: Uint8Array, pos: number, e: EntryRef): number {
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
  e.digits = i - 1 - pos;
  e.start = i;
  e.end = nul;
  e.zeroPadded = b[pos] === 0x30;
  let nullOid = true;
  for (let k = nul + 1; k < next && nullOid; k++) if (b[k] !== 0) nullOid = false;
  e.nullOid = nullOid;
  return next;
}

export interface EntryRef {
  mode: number;
  /** How many digits the mode was written with. */
  digits: number;
  /** The name is b[start, end). */
  start: number;
  end: number;
  zeroPadded: boolean;
  nullOid: boolean;
}

const isDir = (mode: number) => (mode & S_IFMT) === S_IFDIR;
const lessThanSlash = (c: number) => c > 0 && c < SLASH;

export const ORDERED = 0;
export const UNORDERED = 1;
export const DUPLICATE = 2;

/**
 * git's tree order (a directory sorts as if its name ended in "/"), and duplicates, including
 * a file and a directory of the same name that other entries separate (`foo`, `foo.bar`, `foo/`).
 * Names are ranges of `b`; `candidates` holds [start, end] pairs of earlier file names.
 */
export function verifyOrdered(
  b: Uint8Array,
  prev: EntryRef,
  cur: EntryRef,
  candidates: number[],
): number {
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

/** addLinks' words for a mode written with more than six digits. */
export function badModeText(b: Uint8Array, e: EntryRef): string {
  if (e.digits > 7) return 'tree entry without mode';
  return `bad tree entry mode: ${fromLatin1(b.subarray(e.start - 8, e.start - 1))}`;
}
