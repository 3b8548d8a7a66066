/**
 * A compact Myers line diff (O((N+M)·D), "An O(ND) Difference Algorithm", 1986) with the common
 * prefix and suffix trimmed first, and a bound on D: past `maxEdits` the middle is reported as
 * all-removed-then-all-added, so a pathological pair of files costs bounded time and memory.
 * Hand-written because it is ~80 lines and lets us bound work the way a Worker needs.
 */

export type LineOp = { op: ' ' | '-' | '+'; text: string };

/** The edit script turning `a` into `b`, in order. */
export function diffLines(a: readonly string[], b: readonly string[], maxEdits = 4000): LineOp[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: LineOp[] = [];
  for (let i = 0; i < start; i++) out.push({ op: ' ', text: a[i] as string });
  out.push(...middle(a.slice(start, endA), b.slice(start, endB), maxEdits));
  for (let i = endA; i < a.length; i++) out.push({ op: ' ', text: a[i] as string });
  return out;
}

function middle(a: readonly string[], b: readonly string[], maxEdits: number): LineOp[] {
  const n = a.length;
  const m = b.length;
  if (n === 0) return b.map((text) => ({ op: '+', text }));
  if (m === 0) return a.map((text) => ({ op: '-', text }));
  const max = Math.min(n + m, maxEdits);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    // Keep only the diagonals this round can touch: [-d, d].
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x: number;
      if (k === -d || (k !== d && (v[off + k - 1] as number) < (v[off + k + 1] as number))) {
        x = v[off + k + 1] as number;
      } else {
        x = (v[off + k - 1] as number) + 1;
      }
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) {
    return [
      ...a.map((text): LineOp => ({ op: '-', text })),
      ...b.map((text): LineOp => ({ op: '+', text })),
    ];
  }
  // Backtrack through the saved rounds.
  const ops: LineOp[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const saved = trace[d] as Int32Array; // diagonals [-d-1, d+1] before round d ran
    const at = (k: number) => saved[k + d + 1] as number;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const prevK = down ? k + 1 : k - 1;
    const prevX = at(prevK);
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      y--;
      ops.push({ op: ' ', text: a[--x] as string });
    }
    if (down) ops.push({ op: '+', text: b[--y] as string });
    else ops.push({ op: '-', text: a[--x] as string });
  }
  while (x > 0 && y > 0) {
    y--;
    ops.push({ op: ' ', text: a[--x] as string });
  }
  return ops.reverse();
}
