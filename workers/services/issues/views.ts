/** Issues, comments, labels, milestones, events and reactions in GitHub's JSON shapes. */
import type { AssigneeRow, LabelRow, MilestoneRow } from '../../../db/queries/issue-meta';
import type { CommentRow, ReactionRow } from '../../../db/queries/issue-comments';
import type { IssueEventRow } from '../../../db/queries/issue-events';
import type { IssueRow } from '../../../db/queries/issues';
import type { RepoRow } from '../../../db/queries/repositories';

export interface UserRef {
  login: string;
  id: number;
}

const userRef = (login: string | null, id: string | null): UserRef | null =>
  login === null ? null : { login, id: Number(id ?? 0) };

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

export function labelView(l: LabelRow) {
  return { id: Number(l.id), name: l.name, color: l.color, description: l.description };
}

export function milestoneView(m: MilestoneRow, origin: string, repo: RepoRow) {
  return {
    id: Number(m.id),
    number: m.number,
    title: m.title,
    description: m.description,
    state: m.state,
    open_issues: m.open_issues,
    closed_issues: m.closed_issues,
    due_on: iso(m.due_on),
    created_at: iso(m.created_at),
    updated_at: iso(m.updated_at),
    closed_at: iso(m.closed_at),
    html_url: `${origin}/${repo.owner_login}/${repo.name}/milestone/${m.number}`,
  };
}

export interface IssueExtras {
  labels: LabelRow[];
  assignees: AssigneeRow[];
  milestone: MilestoneRow | undefined;
  bodyHtml?: string | undefined;
}

export function issueView(i: IssueRow, x: IssueExtras, origin: string, repo: RepoRow) {
  const full = `${repo.owner_login}/${repo.name}`;
  const url = `${origin}/api/v1/repos/${full}/issues/${i.number}`;
  const assignees = x.assignees.map((a) => ({ login: a.login, id: Number(a.user_id) }));
  return {
    id: Number(i.id),
    number: i.number,
    title: i.title,
    body: i.body,
    ...(x.bodyHtml !== undefined ? { body_html: x.bodyHtml } : {}),
    state: i.state,
    state_reason: i.state_reason,
    locked: i.locked,
    active_lock_reason: i.lock_reason,
    pinned: i.pinned_at !== null,
    user: userRef(i.author_login, i.author_id),
    labels: x.labels.map(labelView),
    assignee: assignees[0] ?? null,
    assignees,
    milestone: x.milestone ? milestoneView(x.milestone, origin, repo) : null,
    comments: i.comments_count,
    closed_by: i.closed_by_login === null ? null : { login: i.closed_by_login },
    created_at: iso(i.created_at),
    updated_at: iso(i.updated_at),
    closed_at: iso(i.closed_at),
    url,
    repository_url: `${origin}/api/v1/repos/${full}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    timeline_url: `${url}/timeline`,
    html_url: `${origin}/${full}/issues/${i.number}`,
  };
}

export function commentView(
  c: CommentRow,
  issueNumber: number,
  origin: string,
  repo: RepoRow,
  bodyHtml?: string,
) {
  const full = `${repo.owner_login}/${repo.name}`;
  return {
    id: Number(c.id),
    body: c.body,
    ...(bodyHtml !== undefined ? { body_html: bodyHtml } : {}),
    user: userRef(c.author_login, c.author_id),
    created_at: iso(c.created_at),
    updated_at: iso(c.updated_at),
    edits: c.edits,
    url: `${origin}/api/v1/repos/${full}/issues/comments/${c.id}`,
    issue_url: `${origin}/api/v1/repos/${full}/issues/${issueNumber}`,
    html_url: `${origin}/${full}/issues/${issueNumber}#issuecomment-${c.id}`,
  };
}

export function eventView(e: IssueEventRow) {
  return {
    id: Number(e.id),
    event: e.event,
    actor: e.actor_login === null ? null : { login: e.actor_login },
    created_at: iso(e.created_at),
    ...e.data,
  };
}

export function reactionView(r: ReactionRow) {
  return {
    id: Number(r.id),
    content: r.content,
    user: { login: r.login, id: Number(r.user_id) },
    created_at: iso(r.created_at),
  };
}
