/** Unified-diff hunks from a line edit script: context lines around changes, line numbers. */
import type { LineOp } from './myers';

export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
  /** Line number in the old file (absent for additions). */
  oldNo?: number;
  /** Line number in the new file (absent for deletions). */
  newNo?: number;
}

export interface Hunk {
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

/** Splits text into lines the way diff does (a final newline does not start a new line). */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Groups an edit script into hunks with `context` unchanged lines around each change. */
export function toHunks(ops: readonly LineOp[], context = 3): Hunk[] {
  const numbered: DiffLine[] = [];
  let o = 0;
  let n = 0;
  for (const x of ops) {
    if (x.op === ' ') numbered.push({ ...x, oldNo: ++o, newNo: ++n });
    else if (x.op === '-') numbered.push({ ...x, oldNo: ++o });
    else numbered.push({ ...x, newNo: ++n });
  }
  const hunks: Hunk[] = [];
  let i = 0;
  while (i < numbered.length) {
    while (i < numbered.length && numbered[i]?.op === ' ') i++;
    if (i >= numbered.length) break;
    const from = Math.max(0, i - context);
    let end = i;
    // Extend while the next change is within 2×context unchanged lines.
    for (;;) {
      while (end < numbered.length && numbered[end]?.op !== ' ') end++;
      let gap = end;
      while (gap < numbered.length && numbered[gap]?.op === ' ') gap++;
      if (gap < numbered.length && gap - end <= 2 * context) end = gap;
      else break;
    }
    const to = Math.min(numbered.length, end + context);
    const lines = numbered.slice(from, to);
    hunks.push(hunkOf(lines, numbered, from));
    i = to;
  }
  return hunks;
}

function hunkOf(lines: DiffLine[], all: DiffLine[], from: number): Hunk {
  let oldBefore = 0;
  let newBefore = 0;
  for (let k = from - 1; k >= 0; k--) {
    const l = all[k];
    if (oldBefore === 0 && l?.oldNo !== undefined) oldBefore = l.oldNo;
    if (newBefore === 0 && l?.newNo !== undefined) newBefore = l.newNo;
    if (oldBefore && newBefore) break;
  }
  const oldLines = lines.filter((l) => l.op !== '+').length;
  const newLines = lines.filter((l) => l.op !== '-').length;
  return {
    oldStart: oldLines === 0 ? oldBefore : oldBefore + 1,
    oldLines,
    newStart: newLines === 0 ? newBefore : newBefore + 1,
    newLines,
    lines,
  };
}

/** The `@@ -a,b +c,d @@` header of a hunk. */
export function hunkHeader(h: Hunk): string {
  return `@@ -${h.oldStart},${h.oldLines} +${h.newStart},${h.newLines} @@`;
}

/** A hunk list as unified-diff text (as GitHub's `patch` field). */
export function formatPatch(hunks: readonly Hunk[]): string {
  const out: string[] = [];
  for (const h of hunks) {
    out.push(hunkHeader(h));
    for (const l of h.lines) out.push(`${l.op}${l.text}`);
  }
  return out.join('\n');
}
