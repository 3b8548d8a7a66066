/**
 * Branch name patterns, fnmatch-style like GitHub's (File.fnmatch with FNM_PATHNAME): `*` and
 * `?` match within one path segment, `**` across segments (`**` followed by `/` matches zero or
 * more whole segments), `[abc]`/`[a-z]`/`[!a-z]` one character of a class (never `/`), `\x` the
 * character x. An unclosed `[` is a literal.
 *
 * Matching runs over the set of reachable positions (one pass per pattern token), never by
 * backtracking, so a pattern such as `*a*a*a*a*b` costs at most pattern × name steps: patterns
 * are checked against every branch of a push and of a branch listing.
 */

type Token =
  | { k: 'lit'; c: string }
  | { k: 'one' }
  | { k: 'star' }
  | { k: 'any' }
  | { k: 'dirs' }
  | { k: 'class'; negate: boolean; ranges: Array<[number, number]> };

const SPECIAL = new Set(['*', '?', '[', '\\']);

/** Whether the pattern holds a wildcard (else it names one branch). */
export function isLiteralPattern(pattern: string): boolean {
  return ![...pattern].some((ch) => SPECIAL.has(ch));
}

/** How many wildcard and literal characters the pattern has (for precedence). */
export function patternWeight(pattern: string): { literal: number; wild: number } {
  let literal = 0;
  let wild = 0;
  for (const ch of pattern) {
    if (SPECIAL.has(ch)) wild++;
    else literal++;
  }
  return { literal, wild };
}

/** A class `[...]` starting at `at`, or undefined when unclosed (then `[` is a literal). */
function charClass(p: string, at: number): { token: Token; end: number } | undefined {
  let i = at + 1;
  let negate = false;
  if (p[i] === '!' || p[i] === '^') {
    negate = true;
    i++;
  }
  const ranges: Array<[number, number]> = [];
  for (let first = true; i < p.length; i++, first = false) {
    let ch = p[i] as string;
    if (ch === ']' && !first) return { token: { k: 'class', negate, ranges }, end: i };
    if (ch === '\\' && i + 1 < p.length) ch = p[++i] as string;
    let to = ch;
    if (p[i + 1] === '-' && i + 2 < p.length && p[i + 2] !== ']') {
      to = p[i + 2] as string;
      i += 2;
      if (to === '\\' && i + 1 < p.length) to = p[++i] as string;
    }
    // A range written backwards matches nothing.
    ranges.push([ch.charCodeAt(0), to.charCodeAt(0)]);
  }
  return undefined;
}

function tokenize(p: string): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < p.length; i++) {
    const ch = p[i] as string;
    if (ch === '*') {
      if (p[i + 1] !== '*') out.push({ k: 'star' });
      else if (p[i + 2] === '/') {
        out.push({ k: 'dirs' });
        i += 2;
      } else {
        out.push({ k: 'any' });
        i += 1;
      }
    } else if (ch === '?') out.push({ k: 'one' });
    else if (ch === '[') {
      const cls = charClass(p, i);
      if (cls) {
        out.push(cls.token);
        i = cls.end;
      } else out.push({ k: 'lit', c: ch });
    } else if (ch === '\\' && i + 1 < p.length) out.push({ k: 'lit', c: p[++i] as string });
    else out.push({ k: 'lit', c: ch });
  }
  return out;
}

function inClass(t: Extract<Token, { k: 'class' }>, ch: string): boolean {
  if (ch === '/') return false;
  const code = ch.charCodeAt(0);
  const hit = t.ranges.some(([lo, hi]) => lo <= code && code <= hi);
  return t.negate ? !hit : hit;
}

/** Positions of `s` reachable after `t`, given those reachable before it. */
function step(t: Token, s: string, cur: Uint8Array): Uint8Array {
  const n = s.length;
  const next = new Uint8Array(n + 1);
  let on = false;
  for (let i = 0; i <= n; i++) {
    const ch = s[i];
    switch (t.k) {
      case 'lit':
        if (cur[i] && ch === t.c) next[i + 1] = 1;
        break;
      case 'one':
        if (cur[i] && ch !== undefined && ch !== '/') next[i + 1] = 1;
        break;
      case 'class':
        if (cur[i] && ch !== undefined && inClass(t, ch)) next[i + 1] = 1;
        break;
      case 'star': // zero or more characters up to the next `/`
        if (cur[i]) on = true;
        if (on) next[i] = 1;
        if (ch === '/') on = false;
        break;
      case 'any': // anything from the first reachable position on
        if (cur[i]) on = true;
        if (on) next[i] = 1;
        break;
      case 'dirs': // nothing, or anything ending with `/`
        if (cur[i]) {
          next[i] = 1;
          on = true;
        }
        if (on && ch === '/') next[i + 1] = 1;
        break;
    }
  }
  return next;
}

/** Whether `branch` (a name under refs/heads/, without the prefix) matches the pattern. */
export function matchesPattern(pattern: string, branch: string): boolean {
  if (isLiteralPattern(pattern)) return pattern === branch;
  let cur: Uint8Array = new Uint8Array(branch.length + 1);
  cur[0] = 1;
  for (const t of tokenize(pattern)) {
    cur = step(t, branch, cur);
    if (!cur.includes(1)) return false;
  }
  return cur[branch.length] === 1;
}
