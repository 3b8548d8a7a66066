/**
 * Issue search within one repository: the structured form of GitHub's qualifiers (built by
 * workers/services/issues/search-query.ts) turned into one SQL query over indexed columns, with
 * free text matched by PostgreSQL full-text search (`issues.search`, a GIN-indexed tsvector),
 * plus counts per state for the same filter. Landing requests (issues of kind `landing`) are
 * listed by landings.ts, not here.
 */
import type { Db } from '../client';
import type { AssigneeRow, LabelRow } from './issue-meta';
import { ISSUE_COLUMNS, ISSUE_FROM, type IssueRow } from './issues';

export interface IssueFilter {
  state?: 'open' | 'closed' | undefined;
  labels: string[];
  notLabels: string[];
  author?: string | undefined;
  assignee?: string | undefined;
  mentions?: string | undefined;
  /** a milestone title; `null` for "no milestone" */
  milestone?: string | null | undefined;
  noAssignee: boolean;
  noLabel: boolean;
  text: string;
  sort: 'created' | 'updated' | 'comments';
  direction: 'asc' | 'desc';
}

/** The WHERE clause (after `i.repo_id = $1`) and its parameters, numbered from $2. */
function whereOf(f: IssueFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length + 1}`;
  };
  const user = (login: string) =>
    `(SELECT id FROM users WHERE lower(username) = lower(${p(login)}))`;
  for (const name of f.labels) {
    parts.push(`EXISTS (SELECT 1 FROM issue_labels il JOIN labels l ON l.id = il.label_id
      WHERE il.issue_id = i.id AND lower(l.name) = lower(${p(name)}))`);
  }
  if (f.notLabels.length > 0) {
    parts.push(`NOT EXISTS (SELECT 1 FROM issue_labels il JOIN labels l ON l.id = il.label_id
      WHERE il.issue_id = i.id AND lower(l.name) = ANY(${p(f.notLabels.map((n) => n.toLowerCase()))}::text[]))`);
  }
  if (f.noLabel) parts.push(`NOT EXISTS (SELECT 1 FROM issue_labels il WHERE il.issue_id = i.id)`);
  if (f.author !== undefined) parts.push(`i.author_id = ${user(f.author)}`);
  if (f.assignee !== undefined) {
    parts.push(`EXISTS (SELECT 1 FROM issue_assignees a WHERE a.issue_id = i.id
      AND a.user_id = ${user(f.assignee)})`);
  }
  if (f.noAssignee) {
    parts.push(`NOT EXISTS (SELECT 1 FROM issue_assignees a WHERE a.issue_id = i.id)`);
  }
  if (f.mentions !== undefined) {
    parts.push(`EXISTS (SELECT 1 FROM issue_mentions m WHERE m.issue_id = i.id
      AND m.user_id = ${user(f.mentions)})`);
  }
  if (f.milestone === null) parts.push(`i.milestone_id IS NULL`);
  else if (f.milestone !== undefined) {
    parts.push(`i.milestone_id = (SELECT id FROM milestones WHERE repo_id = i.repo_id
      AND lower(title) = lower(${p(f.milestone)}))`);
  }
  if (f.text.trim() !== '') {
    parts.push(`i.search @@ websearch_to_tsquery('english', ${p(f.text)})`);
  }
  return { sql: parts.map((s) => ` AND ${s}`).join(''), params };
}

/** An issue of a search page, with its labels and assignees (read for the page's rows only). */
export interface SearchRow extends IssueRow {
  labels: LabelRow[];
  assignees: AssigneeRow[];
}

/** Labels and assignees of each row of the page `p`, as JSON arrays, in the same round trip. */
const EXTRAS = `COALESCE((SELECT json_agg(json_build_object('id', l.id::text, 'name', l.name,
    'color', l.color, 'description', l.description) ORDER BY lower(l.name))
    FROM issue_labels il JOIN labels l ON l.id = il.label_id WHERE il.issue_id = p.id::bigint), '[]') AS labels,
  COALESCE((SELECT json_agg(json_build_object('issue_id', p.id, 'user_id', u.id::text,
    'login', u.username) ORDER BY lower(u.username))
    FROM issue_assignees a JOIN users u ON u.id = a.user_id WHERE a.issue_id = p.id::bigint), '[]') AS assignees`;

/** One page of matching issues, and the open/closed counts of the whole match. */
export async function searchIssues(
  db: Db,
  repoId: string,
  f: IssueFilter,
  page: { limit: number; offset: number },
): Promise<{ rows: SearchRow[]; open: number; closed: number }> {
  const where = whereOf(f);
  const col = f.sort === 'comments' ? 'i.comments_count' : `i.${f.sort}_at`;
  const dir = f.direction === 'asc' ? 'ASC' : 'DESC';
  const n = where.params.length;
  const stateSql = f.state ? ` AND i.state = $${n + 2}` : '';
  const stateParams = f.state ? [f.state] : [];
  // The page first, then its rows' labels and assignees: never computed for rows not shown.
  const rows = await db.query<SearchRow>(
    `SELECT p.*, ${EXTRAS} FROM (SELECT ${ISSUE_COLUMNS} FROM ${ISSUE_FROM}
      WHERE i.repo_id = $1 AND i.kind = 'issue'${where.sql}${stateSql}
      ORDER BY ${col} ${dir}, i.id ${dir}
      LIMIT ${Math.trunc(page.limit)} OFFSET ${Math.trunc(page.offset)}) p
      ORDER BY ${col.replace('i.', 'p.')} ${dir}, p.id::bigint ${dir}`,
    [repoId, ...where.params, ...stateParams],
  );
  const counts = await db.query<{ state: 'open' | 'closed'; n: number }>(
    `SELECT i.state, count(*)::int AS n FROM issues i WHERE i.repo_id = $1 AND i.kind = 'issue'${where.sql}
      GROUP BY i.state`,
    [repoId, ...where.params],
  );
  const count = (s: string) => counts.find((c) => c.state === s)?.n ?? 0;
  return { rows, open: count('open'), closed: count('closed') };
}
