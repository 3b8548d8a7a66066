/**
 * References in issue text and commit messages: `#12`, `owner/repo#12`, `@user`, full commit
 * ids, and closing keywords (`Fixes #12`). Found on the text with code spans and fenced blocks
 * blanked out, so a reference inside code is not one. Pure: no I/O.
 */

export interface IssueRef {
  /** Absent: the repository the text belongs to. */
  owner?: string;
  repo?: string;
  number: number;
  /** Preceded by a closing keyword (close/fix/resolve and their forms). */
  closes: boolean;
}

export interface References {
  issues: IssueRef[];
  mentions: string[];
  commits: string[];
}

const NAME = '[A-Za-z0-9._-]{1,100}';
const LOGIN = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?';
const KEYWORD = '(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)';

/** Matches one issue reference; group 1 keyword, 2 owner, 3 repo, 4 number. */
export const ISSUE_REF_SOURCE = `(?:(${KEYWORD}):?\\s+)?(?:(${LOGIN})/(${NAME}))?#(\\d{1,9})(?![\\w#])`;
export const MENTION_SOURCE = `@(${LOGIN})(?![\\w/-])`;
export const COMMIT_SOURCE = `\\b([0-9a-f]{40})\\b`;

/** The text with fenced code blocks and code spans replaced by spaces (offsets kept). */
export function withoutCode(text: string): string {
  const blank = (m: string) => m.replace(/[^\n]/g, ' ');
  return text
    .replace(/^( {0,3})(```+|~~~+)[^\n]*\n[\s\S]*?(?:^ {0,3}\2[^\n]*$|(?![\s\S]))/gm, blank)
    .replace(/(`+)[^`][\s\S]*?\1/g, blank);
}

/** Whether the character before `index` allows a reference to start there. */
function boundary(text: string, index: number): boolean {
  return index === 0 || !/[\w/.@#-]/.test(text[index - 1] ?? '');
}

/** Every reference in `text` (deduplicated, in order of first appearance). */
export function findReferences(text: string): References {
  const src = withoutCode(text.slice(0, 65_536));
  const issues = new Map<string, IssueRef>();
  for (const m of src.matchAll(new RegExp(ISSUE_REF_SOURCE, 'gi'))) {
    if (!boundary(src, m.index)) continue;
    const ref: IssueRef = { number: Number(m[4]), closes: m[1] !== undefined };
    if (m[2] !== undefined && m[3] !== undefined) {
      ref.owner = m[2];
      ref.repo = m[3];
    }
    const key = `${ref.owner ?? ''}/${ref.repo ?? ''}#${ref.number}`.toLowerCase();
    const seen = issues.get(key);
    if (seen) seen.closes ||= ref.closes;
    else issues.set(key, ref);
  }
  const mentions = new Map<string, string>();
  for (const m of src.matchAll(new RegExp(MENTION_SOURCE, 'g'))) {
    const login = m[1] ?? '';
    if (boundary(src, m.index) && !mentions.has(login.toLowerCase())) {
      mentions.set(login.toLowerCase(), login);
    }
  }
  const commits = new Set<string>();
  for (const m of src.matchAll(new RegExp(COMMIT_SOURCE, 'g'))) commits.add(m[1] ?? '');
  return { issues: [...issues.values()], mentions: [...mentions.values()], commits: [...commits] };
}
