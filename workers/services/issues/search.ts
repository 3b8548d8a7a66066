/**
 * Issue search inside one repository, after authorisation (issues.ts checks access first; the
 * benchmark calls this directly): the query's qualifiers parsed, the matching page, counts per
 * state, and the labels, assignees and milestone of each issue on the page.
 */
import type { Db } from '../../../db/client';
import {
  assigneesOfIssues,
  labelsOfIssues,
  listMilestones,
  type MilestoneRow,
} from '../../../db/queries/issue-meta';
import type { IssueRow } from '../../../db/queries/issues';
import { searchIssues, type IssueFilter } from '../../../db/queries/issues-search';
import { parseIssueQuery } from './search-query';
import type { IssueExtras } from './views';

export interface IssueSearchResult {
  items: IssueWithExtras[];
  open: number;
  closed: number;
  total: number;
}

export interface IssueWithExtras {
  issue: IssueRow;
  extras: IssueExtras;
}

/** Labels, assignees and milestone of each issue (three queries for any number of issues). */
export async function withExtras(
  db: Db,
  repoId: string,
  issues: IssueRow[],
): Promise<IssueWithExtras[]> {
  const ids = issues.map((i) => i.id);
  const [labels, assignees] = [await labelsOfIssues(db, ids), await assigneesOfIssues(db, ids)];
  const milestones = issues.some((i) => i.milestone_id !== null)
    ? new Map((await listMilestones(db, repoId, 'all')).map((m) => [m.id, m]))
    : new Map<string, MilestoneRow>();
  return issues.map((issue) => ({
    issue,
    extras: {
      labels: labels.get(issue.id) ?? [],
      assignees: assignees.get(issue.id) ?? [],
      milestone: issue.milestone_id === null ? undefined : milestones.get(issue.milestone_id),
    },
  }));
}

/**
 * A page of issues matching a GitHub-style query (or its parsed filter), with the open/closed
 * counts of the match.
 */
export async function searchRepoIssues(
  db: Db,
  repoId: string,
  query: string | IssueFilter,
  page: { page: number; perPage: number },
): Promise<IssueSearchResult> {
  const filter = typeof query === 'string' ? parseIssueQuery(query) : query;
  const found = await searchIssues(db, repoId, filter, {
    limit: page.perPage,
    offset: (page.page - 1) * page.perPage,
  });
  const total =
    filter.state === 'open'
      ? found.open
      : filter.state === 'closed'
        ? found.closed
        : found.open + found.closed;
  const milestones = found.rows.some((i) => i.milestone_id !== null)
    ? new Map((await listMilestones(db, repoId, 'all')).map((m) => [m.id, m]))
    : new Map<string, MilestoneRow>();
  return {
    items: found.rows.map(({ labels, assignees, ...issue }) => ({
      issue,
      extras: {
        labels,
        assignees,
        milestone: issue.milestone_id === null ? undefined : milestones.get(issue.milestone_id),
      },
    })),
    open: found.open,
    closed: found.closed,
    total,
  };
}
