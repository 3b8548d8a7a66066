/**
 * Histogram diff (JGit's algorithm, which git uses for merges since merge-ort): find the longest
 * common run of lines whose rarest line is as rare as possible in the old side, split there, and
 * recurse on both sides of it; a region whose lines are all too common (more than 64
 * occurrences) falls back to Myers. Three-way merges built on it align repeated lines (braces,
 * blank lines) the way git's do, so the same merges are clean or conflicting.
 */
import { diffLines } from '../../browse/diff/myers';

const MAX_CHAIN = 64;

/**
 * Marks changed lines: `changedA[i]` for lines of `a` not kept, `changedB[j]` for lines of `b`
 * not kept.
 */
export function histogramDiff(
  a: readonly string[],
  b: readonly string[],
): { changedA: Uint8Array; changedB: Uint8Array } {
  const changedA = new Uint8Array(a.length);
  const changedB = new Uint8Array(b.length);
  // No common prefix or suffix is trimmed first: git runs the histogram on whole files.
  const work: Array<[number, number, number, number]> = [[0, a.length, 0, b.length]];
  while (work.length > 0) {
    const [a0, a1, b0, b1] = work.pop() as [number, number, number, number];
    if (a0 >= a1 || b0 >= b1) {
      for (let i = a0; i < a1; i++) changedA[i] = 1;
      for (let j = b0; j < b1; j++) changedB[j] = 1;
      continue;
    }
    const lcs = longestRareRun(a, b, a0, a1, b0, b1);
    if (lcs === 'fallback') {
      myersInto(a, b, a0, a1, b0, b1, changedA, changedB);
    } else if (!lcs) {
      for (let i = a0; i < a1; i++) changedA[i] = 1;
      for (let j = b0; j < b1; j++) changedB[j] = 1;
    } else {
      // Right part first on the stack so the left is done first (order does not matter).
      work.push([lcs.endA, a1, lcs.endB, b1], [a0, lcs.startA, b0, lcs.startB]);
    }
  }
  return { changedA, changedB };
}

interface Run {
  startA: number;
  endA: number;
  startB: number;
  endB: number;
}

/**
 * The common run whose rarest line (counted in `a[a0..a1)`) is rarest, longest on ties; undefined
 * when the sides share no line; 'fallback' when every shared line is too common.
 */
function longestRareRun(
  a: readonly string[],
  b: readonly string[],
  a0: number,
  a1: number,
  b0: number,
  b1: number,
): Run | undefined | 'fallback' {
  // Occurrences of each line of a, in order, and the index of each position's next occurrence.
  const first = new Map<string, { at: number; count: number }>();
  const next = new Int32Array(a1 - a0).fill(-1);
  for (let i = a1 - 1; i >= a0; i--) {
    const line = a[i] as string;
    const rec = first.get(line);
    if (rec) {
      next[i - a0] = rec.at;
      rec.at = i;
      rec.count++;
    } else first.set(line, { at: i, count: 1 });
  }
  const countOf = (i: number) => (first.get(a[i] as string) as { count: number }).count;
  let best: Run | undefined;
  let bestCount = MAX_CHAIN + 1;
  let common = false;
  for (let bp = b0; bp < b1;) {
    let bNext = bp + 1;
    const rec = first.get(b[bp] as string);
    if (rec && rec.count > bestCount) common = true;
    else if (rec) {
      common = true;
      let at = rec.at;
      for (;;) {
        let as = at;
        let bs = bp;
        let ae = as;
        let be = bp;
        let rc = rec.count;
        while (as > a0 && bs > b0 && a[as - 1] === b[bs - 1]) {
          as--;
          bs--;
          if (rc > 1) rc = Math.min(rc, countOf(as));
        }
        while (ae + 1 < a1 && be + 1 < b1 && a[ae + 1] === b[be + 1]) {
          ae++;
          be++;
          if (rc > 1) rc = Math.min(rc, countOf(ae));
        }
        if (bNext <= be) bNext = be + 1;
        const length = best ? best.endA - 1 - best.startA : 0;
        if (length < ae - as || rc < bestCount) {
          best = { startA: as, endA: ae + 1, startB: bs, endB: be + 1 };
          bestCount = rc;
        }
        let np = next[at - a0] as number;
        while (np >= 0 && np <= ae) np = next[np - a0] as number;
        if (np < 0) break;
        at = np;
      }
    }
    bp = bNext;
  }
  if (common && bestCount > MAX_CHAIN) return 'fallback';
  return best;
}

function myersInto(
  a: readonly string[],
  b: readonly string[],
  a0: number,
  a1: number,
  b0: number,
  b1: number,
  changedA: Uint8Array,
  changedB: Uint8Array,
): void {
  let i = a0;
  let j = b0;
  for (const op of diffLines(a.slice(a0, a1), b.slice(b0, b1))) {
    if (op.op === ' ') {
      i++;
      j++;
    } else if (op.op === '-') changedA[i++] = 1;
    else changedB[j++] = 1;
  }
}

interface Group {
  start: number;
  end: number;
}

const at = (changed: Uint8Array, i: number) => (i < 0 || i >= changed.length ? 0 : changed[i]);

function firstGroup(changed: Uint8Array): Group {
  const g = { start: 0, end: 0 };
  while (at(changed, g.end)) g.end++;
  return g;
}

function nextGroup(changed: Uint8Array, g: Group): boolean {
  if (g.end >= changed.length) return false;
  g.start = g.end + 1;
  g.end = g.start;
  while (at(changed, g.end)) g.end++;
  return true;
}

function previousGroup(changed: Uint8Array, g: Group): boolean {
  if (g.start === 0) return false;
  g.end = g.start - 1;
  g.start = g.end;
  while (at(changed, g.start - 1)) g.start--;
  return true;
}

function slideDown(changed: Uint8Array, lines: readonly string[], g: Group): boolean {
  if (g.end >= changed.length || lines[g.start] !== lines[g.end]) return false;
  changed[g.start++] = 0;
  changed[g.end++] = 1;
  while (at(changed, g.end)) g.end++;
  return true;
}

function slideUp(changed: Uint8Array, lines: readonly string[], g: Group): boolean {
  if (g.start === 0 || lines[g.start - 1] !== lines[g.end - 1]) return false;
  changed[--g.start] = 1;
  changed[--g.end] = 0;
  while (at(changed, g.start - 1)) g.start--;
  return true;
}

/**
 * Slides each run of changed lines of one side as far down as equal lines allow, then back up
 * to the last place it lines up with a change of the other side (git's change compaction, without
 * the indent heuristic, which merges do not use): ambiguous hunks end up where git puts them.
 */
export function compactChanges(
  changed: Uint8Array,
  lines: readonly string[],
  other: Uint8Array,
): void {
  const g = firstGroup(changed);
  const go = firstGroup(other);
  const sync = (ok: boolean) => {
    if (!ok) throw new Error('diff groups out of step');
  };
  for (;;) {
    if (g.end !== g.start) {
      let size: number;
      let earliestEnd: number;
      let matchingEnd: number;
      do {
        size = g.end - g.start;
        matchingEnd = -1;
        while (slideUp(changed, lines, g)) sync(previousGroup(other, go));
        earliestEnd = g.end;
        if (go.end > go.start) matchingEnd = g.end;
        while (slideDown(changed, lines, g)) {
          sync(nextGroup(other, go));
          if (go.end > go.start) matchingEnd = g.end;
        }
      } while (size !== g.end - g.start);
      if (g.end !== earliestEnd && matchingEnd !== -1) {
        while (go.end === go.start) {
          sync(slideUp(changed, lines, g));
          sync(previousGroup(other, go));
        }
      }
    }
    if (!nextGroup(changed, g)) break;
    sync(nextGroup(other, go));
  }
}
