/**
 * What the issue pages show beyond the issue itself: its comments and timeline events for the
 * viewer, the pinned issues, and (for those who triage) the labels, milestones and assignable
 * users the sidebar offers.
 */
import { assignableUsers, listLabels, listMilestones } from '../../../db/queries/issue-meta';
import type { LabelRow, MilestoneRow } from '../../../db/queries/issue-meta';
import { listComments, type CommentRow } from '../../../db/queries/issue-comments';
import { listIssueEvents, type IssueEventRow } from '../../../db/queries/issue-events';
import { listPinned, type IssueRow } from '../../../db/queries/issues';
import type { RepoScope } from './access';
import { withExtras, type IssueWithExtras } from './search';

export interface IssuePageData {
  comments: CommentRow[];
  events: IssueEventRow[];
  labels: LabelRow[];
  milestones: MilestoneRow[];
  assignable: Array<{ id: string; login: string }>;
}

/** Comments (first 500) and events (first 1000) of an issue, and the sidebar's choices. */
export async function issuePageData(
  s: RepoScope,
  issue: IssueRow,
  triage: boolean,
): Promise<IssuePageData> {
  const comments = (await listComments(s.db, issue.id, { limit: 500, offset: 0 })).rows;
  const events = await listIssueEvents(s.db, issue.id, s.actor.user?.id ?? null, {
    limit: 1000,
    offset: 0,
  });
  return {
    comments,
    events,
    labels: triage ? await listLabels(s.db, s.repo.id) : [],
    milestones: triage ? await listMilestones(s.db, s.repo.id, 'open') : [],
    assignable: triage ? await assignableUsers(s.db, s.repo.id) : [],
  };
}

/** The repository's pinned issues (at most three), with their labels and assignees. */
export async function pinnedIssues(s: RepoScope): Promise<IssueWithExtras[]> {
  return withExtras(s.db, s.repo.id, await listPinned(s.db, s.repo.id));
}
