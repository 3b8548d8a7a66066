/**
 * The rows of one file's diff, unified (old and new line numbers, then the line) or split (old
 * side left, new side right; a run of removed lines paired row by row with the added lines that
 * replace it, as GitHub's split view does). Both can hang rows under a line (review threads) and
 * put a small action beside a line number (the "+" that opens a review comment form).
 */
import type { Child } from 'hono/jsx';
import { hunkHeader, type DiffLine, type Hunk } from '../../services/browse/diff/hunks';

export type DiffSide = 'base' | 'head';

export interface LineHooks {
  /** Rows under a line: by path, side and that side's line number, spanning `cols` columns. */
  annotate?: (path: string, side: DiffSide, line: number, cols: number) => Child;
  /** Something beside a line's number (a link opening a comment form on it). */
  lineAction?: (path: string, side: DiffSide, line: number) => Child;
  /** A note after a hunk's header (the interdiff's "may come from the rebase"). */
  hunkNote?: (hunk: Hunk) => string | undefined;
}

const sign = (l: DiffLine) => (l.op === '+' ? '+' : l.op === '-' ? '−' : ' ');
const rowClass = (l: DiffLine) => (l.op === '+' ? 'a' : l.op === '-' ? 'd' : undefined);

/** Where a line sits for comments: removed lines on the base, the rest on the head. */
function anchorOf(l: DiffLine): { side: DiffSide; line: number } | undefined {
  if (l.op === '-') return l.oldNo === undefined ? undefined : { side: 'base', line: l.oldNo };
  return l.newNo === undefined ? undefined : { side: 'head', line: l.newNo };
}

function Num(p: { n: number | undefined; path: string; side: DiffSide; hooks: LineHooks }) {
  if (p.n === undefined) return <td class="ln" />;
  return (
    <td class="ln">
      {p.hooks.lineAction ? p.hooks.lineAction(p.path, p.side, p.n) : null}
      {p.n}
    </td>
  );
}

function Under(p: { path: string; l: DiffLine | undefined; cols: number; hooks: LineHooks }) {
  const at = p.l ? anchorOf(p.l) : undefined;
  if (!at || !p.hooks.annotate) return null;
  return <>{p.hooks.annotate(p.path, at.side, at.line, p.cols)}</>;
}

/** The unified rows of a file: `…  …  @@ header`, then old no, new no, line. */
export function UnifiedRows(p: { path: string; hunks: Hunk[]; hooks: LineHooks }) {
  const h = p.hooks;
  return (
    <>
      {p.hunks.map((hunk) => (
        <>
          <tr class="h">
            <td class="ln">…</td>
            <td class="ln">…</td>
            <td>
              {hunkHeader(hunk)}
              {h.hunkNote?.(hunk) ?? ''}
            </td>
          </tr>
          {hunk.lines.map((l) => (
            <>
              <tr class={rowClass(l)}>
                {l.op === '-' ? (
                  <Num n={l.oldNo} path={p.path} side="base" hooks={h} />
                ) : (
                  <td class="ln">{l.oldNo ?? ''}</td>
                )}
                {l.op === '-' ? (
                  <td class="ln" />
                ) : (
                  <Num n={l.newNo} path={p.path} side="head" hooks={h} />
                )}
                <td>
                  {sign(l)}
                  {l.text}
                </td>
              </tr>
              <Under path={p.path} l={l} cols={3} hooks={h} />
            </>
          ))}
        </>
      ))}
    </>
  );
}

/** Pairs a hunk's lines into split rows: context on both sides, removals beside additions. */
export function splitPairs(lines: readonly DiffLine[]): Array<[DiffLine?, DiffLine?]> {
  const out: Array<[DiffLine?, DiffLine?]> = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i] as DiffLine;
    if (l.op === ' ') {
      out.push([l, l]);
      i++;
      continue;
    }
    const dels: DiffLine[] = [];
    const adds: DiffLine[] = [];
    while (i < lines.length && lines[i]?.op === '-') dels.push(lines[i++] as DiffLine);
    while (i < lines.length && lines[i]?.op === '+') adds.push(lines[i++] as DiffLine);
    for (let k = 0; k < Math.max(dels.length, adds.length); k++) out.push([dels[k], adds[k]]);
  }
  return out;
}

function Half(p: { l: DiffLine | undefined; side: DiffSide; path: string; hooks: LineHooks }) {
  const { l } = p;
  if (!l) return <td class="ln" />;
  const n = p.side === 'base' ? l.oldNo : l.newNo;
  // A context line takes comments on the head side only (one thread place per line).
  return p.side === 'base' && l.op === ' ' ? (
    <td class="ln">{n ?? ''}</td>
  ) : (
    <Num n={n} path={p.path} side={p.side} hooks={p.hooks} />
  );
}

const cellClass = (l: DiffLine | undefined) =>
  l === undefined ? 'empty' : l.op === '+' ? 'a' : l.op === '-' ? 'd' : undefined;

/** The split rows of a file: old no, old line, new no, new line. */
export function SplitRows(p: { path: string; hunks: Hunk[]; hooks: LineHooks }) {
  const h = p.hooks;
  return (
    <>
      {p.hunks.map((hunk) => (
        <>
          <tr class="h">
            <td class="ln">…</td>
            <td colspan={3}>
              {hunkHeader(hunk)}
              {h.hunkNote?.(hunk) ?? ''}
            </td>
          </tr>
          {splitPairs(hunk.lines).map(([old, neu]) => (
            <>
              <tr>
                <Half l={old} side="base" path={p.path} hooks={h} />
                <td class={cellClass(old)}>{old ? `${sign(old)}${old.text}` : ''}</td>
                <Half l={neu} side="head" path={p.path} hooks={h} />
                <td class={cellClass(neu)}>{neu ? `${sign(neu)}${neu.text}` : ''}</td>
              </tr>
              {old && old.op === '-' ? <Under path={p.path} l={old} cols={4} hooks={h} /> : null}
              <Under path={p.path} l={neu} cols={4} hooks={h} />
            </>
          ))}
        </>
      ))}
    </>
  );
}
