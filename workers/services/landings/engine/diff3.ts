/**
 * A line three-way merge (diff3) with git's rules for what conflicts (xdiff's xdl_merge at the
 * "zealous" level, which merge-ort uses): changes of the two sides conflict when they overlap or
 * touch (no unchanged base line between them), and a conflicting region whose two resulting texts
 * are equal is taken once, cleanly. Each side is diffed against the base as merge-ort does:
 * histogram diff (histogram.ts, falling back to the browse code's Myers diff) and git's change
 * compaction, so repeated lines (braces, blank lines) align as in git and the same merges conflict.
 * Lines keep their terminator and are compared as bytes (decoded as Latin-1), so a missing
 * final newline is a change and any encoding merges byte-exactly.
 */
import { fromLatin1 } from '../../../../common/git/bytes';
import { compactChanges, histogramDiff } from './histogram';

/** A run of base lines [baseStart, baseEnd) replaced by side lines [sideStart, sideEnd). */
interface Change {
  baseStart: number;
  baseEnd: number;
  sideStart: number;
  sideEnd: number;
}

/** One conflicting region, as line ranges [start, end) of each version and of the output. */
export interface ConflictRegion {
  base: [number, number];
  ours: [number, number];
  theirs: [number, number];
  /** Where the region sits in `lines` (which holds the side `prefer` named). */
  output: [number, number];
}

export interface Diff3Result {
  clean: boolean;
  /** The merged lines; a conflicting region holds the preferred side's lines. */
  lines: string[];
  conflicts: ConflictRegion[];
}

/** Splits text into lines that keep their "\n" (the last one may lack it). */
export function splitKeepingNewlines(text: string): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < text.length) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl + 1;
    out.push(text.slice(at, end));
    at = end;
  }
  return out;
}

/** Bytes as lines (Latin-1: one char per byte, so joining and encoding gives the bytes back). */
export function bytesToLines(bytes: Uint8Array): string[] {
  return splitKeepingNewlines(fromLatin1(bytes));
}

/** The inverse of `bytesToLines`. */
export function linesToBytes(lines: readonly string[]): Uint8Array {
  let n = 0;
  for (const l of lines) n += l.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const l of lines) {
    for (let i = 0; i < l.length; i++) out[at++] = l.charCodeAt(i);
  }
  return out;
}

/** The changes turning `base` into `side`, in base order. */
export function changesBetween(base: readonly string[], side: readonly string[]): Change[] {
  const { changedA, changedB } = histogramDiff(base, side);
  compactChanges(changedA, base, changedB);
  compactChanges(changedB, side, changedA);
  const out: Change[] = [];
  let i = 0;
  let j = 0;
  while (i < base.length || j < side.length) {
    if (i < base.length && j < side.length && !changedA[i] && !changedB[j]) {
      i++;
      j++;
      continue;
    }
    const c: Change = { baseStart: i, baseEnd: i, sideStart: j, sideEnd: j };
    while (i < base.length && changedA[i]) i++;
    while (j < side.length && changedB[j]) j++;
    c.baseEnd = i;
    c.sideEnd = j;
    out.push(c);
  }
  return out;
}

const touches = (c: Change, start: number, end: number) => c.baseStart <= end && c.baseEnd >= start;

/** Three-way merge of line arrays; conflicting regions take `prefer`'s lines in `lines`. */
export function mergeLines(
  base: readonly string[],
  ours: readonly string[],
  theirs: readonly string[],
  prefer: 'ours' | 'theirs' = 'ours',
): Diff3Result {
  const a = changesBetween(base, ours);
  const b = changesBetween(base, theirs);
  const lines: string[] = [];
  const conflicts: ConflictRegion[] = [];
  let i = 0;
  let j = 0;
  let pos = 0; // base lines before `pos` are written
  let deltaA = 0; // ours length minus base length over the changes of `a` before i
  let deltaB = 0;
  while (i < a.length || j < b.length) {
    const ca = a[i];
    const cb = b[j];
    const first = !cb || (ca && ca.baseStart <= cb.baseStart) ? (ca as Change) : cb;
    let start = first.baseStart;
    let end = first.baseEnd;
    let ia = i;
    let jb = j;
    // Grow the region while a change of either side overlaps or touches it.
    for (let grew = true; grew;) {
      grew = false;
      for (let c = a[ia]; c && touches(c, start, end); c = a[++ia]) {
        start = Math.min(start, c.baseStart);
        end = Math.max(end, c.baseEnd);
        grew = true;
      }
      for (let c = b[jb]; c && touches(c, start, end); c = b[++jb]) {
        start = Math.min(start, c.baseStart);
        end = Math.max(end, c.baseEnd);
        grew = true;
      }
    }
    for (let k = pos; k < start; k++) lines.push(base[k] as string);
    const oursRange = sideRange(a, i, ia, start, end, deltaA);
    const theirsRange = sideRange(b, j, jb, start, end, deltaB);
    const oursLines = ours.slice(oursRange[0], oursRange[1]);
    const theirsLines = theirs.slice(theirsRange[0], theirsRange[1]);
    const onlyOne = ia === i || jb === j;
    const same = !onlyOne && equalLines(oursLines, theirsLines);
    const take = onlyOne ? (ia > i ? oursLines : theirsLines) : same ? oursLines : null;
    if (take) lines.push(...take);
    else {
      const chosen = prefer === 'ours' ? oursLines : theirsLines;
      conflicts.push({
        base: [start, end],
        ours: oursRange,
        theirs: theirsRange,
        output: [lines.length, lines.length + chosen.length],
      });
      lines.push(...chosen);
    }
    deltaA = oursRange[1] - end;
    deltaB = theirsRange[1] - end;
    i = ia;
    j = jb;
    pos = end;
  }
  for (let k = pos; k < base.length; k++) lines.push(base[k] as string);
  return { clean: conflicts.length === 0, lines, conflicts };
}

/** Where base lines [start, end) sit in a side, given the changes [from, to) inside them. */
function sideRange(
  changes: readonly Change[],
  from: number,
  to: number,
  start: number,
  end: number,
  delta: number,
): [number, number] {
  let inside = 0;
  for (let k = from; k < to; k++) {
    const c = changes[k] as Change;
    inside += c.sideEnd - c.sideStart - (c.baseEnd - c.baseStart);
  }
  return [start + delta, end + delta + inside];
}

function equalLines(x: readonly string[], y: readonly string[]): boolean {
  if (x.length !== y.length) return false;
  for (let k = 0; k < x.length; k++) if (x[k] !== y[k]) return false;
  return true;
}

/** Three-way merge of file contents as bytes. */
export function mergeBytes(
  base: Uint8Array,
  ours: Uint8Array,
  theirs: Uint8Array,
  prefer: 'ours' | 'theirs' = 'ours',
): Diff3Result & { bytes: Uint8Array } {
  const r = mergeLines(bytesToLines(base), bytesToLines(ours), bytesToLines(theirs), prefer);
  return { ...r, bytes: linesToBytes(r.lines) };
}
