/**
 * One issue (`/{owner}/{repo}/issues/{n}`): title, state, body, timeline, comment form, and a
 * sidebar of labels, assignees, milestone, lock, pin and delete. Every control is a plain form
 * POST (redirected back here) and is shown only to viewers who may use it.
 */
import { raw } from 'hono/html';
import type { LabelRow, MilestoneRow } from '../../../db/queries/issue-meta';
import type { RepoRow } from '../../../db/queries/repositories';
import type { IssuePermissions } from '../../services/issues/access';
import type { IssueWithExtras } from '../../services/issues/issues';
import { RepoPage } from '../browse/common';
import { Label, repoRefOf, StateBadge, TaskProgress, When } from './parts';
import type { ReactionSummary } from '../../services/issues/reaction-summary';
import { Reactions } from './reactions';
import { Timeline, type TimelineEntry } from './timeline';
import { AskPlue } from '../agents/ask-plue';

export interface IssuePageProps extends IssueWithExtras {
  user?: { login: string } | undefined;
  repo: RepoRow;
  bodyHtml: string;
  /** How many times the body was edited (its history is linked when > 0). */
  bodyEdits: number;
  tasks: { total: number; done: number };
  timeline: TimelineEntry[];
  can: IssuePermissions;
  labels: LabelRow[];
  assignable: Array<{ id: string; login: string }>;
  milestones: MilestoneRow[];
  notice?: string | undefined;
  now: number;
  reactions: ReactionSummary;
  /** Show the "Ask @plue" box (a workflow answers mentions and the viewer may comment). */
  askPlue?: boolean;
}

/** ` · edited`, linking to the earlier versions, once the text has been edited. */
function EditedMarker(p: { edits: number; href: string }) {
  if (p.edits === 0) return null;
  return (
    <>
      {' · '}
      <a class="muted" href={p.href} title="See earlier versions">
        edited
      </a>
    </>
  );
}

/** Lock, pin and delete: for those with write access (delete: admin). */
function Controls(p: IssuePageProps & { action: string }) {
  const { issue, can } = p;
  return (
    <>
      {can.triage ? (
        <section>
          <h2>Conversation</h2>
          <form method="post" action={`${p.action}/lock`}>
            {issue.locked ? (
              <button type="submit" name="locked" value="false">
                Unlock conversation
              </button>
            ) : (
              <>
                <select name="lock_reason" aria-label="Lock reason">
                  <option value="">no reason</option>
                  {['off-topic', 'too heated', 'resolved', 'spam'].map((r) => (
                    <option value={r}>{r}</option>
                  ))}
                </select>{' '}
                <button type="submit" name="locked" value="true">
                  Lock conversation
                </button>
              </>
            )}
          </form>
          <form method="post" action={`${p.action}/transfer`}>
            <label for="new_repository" class="muted">
              Transfer to (owner/name, where you have write access)
            </label>
            <input id="new_repository" name="new_repository" required size={18} />{' '}
            <button type="submit">Transfer</button>
          </form>
          <form method="post" action={`${p.action}/pin`}>
            <button type="submit" name="pinned" value={issue.pinned_at ? 'false' : 'true'}>
              {issue.pinned_at ? 'Unpin issue' : 'Pin issue'}
            </button>
          </form>
        </section>
      ) : null}
      {can.admin ? (
        <section>
          <h2>Danger zone</h2>
          <form method="post" action={`${p.action}/delete`}>
            <label>
              Type <code>{String(issue.number)}</code> to delete this issue for good
              <input name="confirm" required pattern={String(issue.number)} size={6} />
            </label>
            <button type="submit">Delete issue</button>
          </form>
        </section>
      ) : null}
    </>
  );
}

function Sidebar(p: IssuePageProps & { action: string }) {
  const { extras, can } = p;
  const has = new Set(extras.labels.map((l) => l.id));
  const assigned = new Set(extras.assignees.map((a) => a.user_id));
  return (
    <aside class="sidebar" aria-label="Issue details">
      <section>
        <h2>Labels</h2>
        {extras.labels.length === 0 ? <span class="muted">None yet</span> : null}
        {extras.labels.map((l) => (
          <Label label={l} />
        ))}
        {can.triage ? (
          <details>
            <summary>Edit labels</summary>
            <form method="post" action={`${p.action}/labels`}>
              {p.labels.map((l) => (
                <label>
                  <input type="checkbox" name="labels" value={l.name} checked={has.has(l.id)} />{' '}
                  <Label label={l} />
                </label>
              ))}
              <button type="submit">Apply labels</button>
            </form>
          </details>
        ) : null}
      </section>
      <section>
        <h2>Assignees</h2>
        {extras.assignees.length === 0 ? <span class="muted">No one</span> : null}
        {extras.assignees.map((a) => a.login).join(', ')}
        {can.triage ? (
          <details>
            <summary>Edit assignees</summary>
            <form method="post" action={`${p.action}/assignees`}>
              {p.assignable.map((u) => (
                <label>
                  <input
                    type="checkbox"
                    name="assignees"
                    value={u.login}
                    checked={assigned.has(u.id)}
                  />{' '}
                  {u.login}
                </label>
              ))}
              <button type="submit">Apply assignees</button>
            </form>
          </details>
        ) : null}
      </section>
      <section>
        <h2>Milestone</h2>
        {extras.milestone ? (
          <>
            <a href={`/${p.repo.owner_login}/${p.repo.name}/milestones/${extras.milestone.number}`}>
              {extras.milestone.title}
            </a>{' '}
            <TaskProgress
              total={extras.milestone.open_issues + extras.milestone.closed_issues}
              done={extras.milestone.closed_issues}
              of="issues closed"
            />
          </>
        ) : (
          <span class="muted">None</span>
        )}
        {can.triage ? (
          <form method="post" action={`${p.action}/milestone`}>
            <label for="milestone" class="muted">
              Set milestone
            </label>
            <select id="milestone" name="milestone">
              <option value="">none</option>
              {p.milestones.map((m) => (
                <option value={String(m.number)} selected={extras.milestone?.id === m.id}>
                  {m.title}
                </option>
              ))}
            </select>{' '}
            <button type="submit">Set</button>
          </form>
        ) : null}
      </section>
      <Controls {...p} />
    </aside>
  );
}

export function IssuePage(p: IssuePageProps) {
  const base = `/${p.repo.owner_login}/${p.repo.name}`;
  const action = `${base}/issues/${p.issue.number}`;
  const { issue, can } = p;
  const repo = repoRefOf(p.repo);
  return (
    <RepoPage
      title={`${issue.title} · Issue #${issue.number}`}
      user={p.user}
      repo={repo}
      tab="issues"
    >
      {p.notice ? (
        <p class="new-token" role="status">
          {p.notice}
        </p>
      ) : null}
      <h2>
        {issue.title} <span class="muted">#{issue.number}</span>
      </h2>
      <p>
        <StateBadge issue={issue} /> <b>{issue.author_login ?? 'ghost'}</b> opened this issue{' '}
        <When at={issue.created_at} now={p.now} /> · {issue.comments_count} comments{' '}
        {issue.locked ? '· locked ' : ''}
        <TaskProgress {...p.tasks} />
      </p>
      <div class="issue-layout">
        <div>
          <article class="entry">
            <header>
              <b>{issue.author_login ?? 'ghost'}</b> wrote
              <EditedMarker edits={p.bodyEdits} href={`${action}/history`} />
            </header>
            <div class="markdown">
              {issue.body.trim() === '' ? (
                <p class="muted">No description provided.</p>
              ) : (
                raw(p.bodyHtml)
              )}
            </div>
            <Reactions
              groups={p.reactions.get('') ?? []}
              addAction={can.comment ? `${action}/reactions` : undefined}
              issuePath={action}
            />
            {can.edit ? (
              <details class="new-issue">
                <summary>Edit title and description</summary>
                <form method="post" action={`${action}/edit`}>
                  <label for="edit-title">Title</label>
                  <input
                    id="edit-title"
                    name="title"
                    required
                    maxlength={256}
                    value={issue.title}
                  />
                  <label for="edit-body">Description</label>
                  <textarea id="edit-body" name="body">
                    {issue.body}
                  </textarea>
                  <button type="submit">Save</button>
                </form>
              </details>
            ) : null}
          </article>
          <Timeline
            entries={p.timeline}
            base={base}
            issuePath={action}
            now={p.now}
            reactions={p.reactions}
            canReact={can.comment}
          />
          {can.comment && p.askPlue ? <AskPlue issuePath={action} /> : null}
          {can.comment ? (
            <form method="post" action={`${action}/comments`} class="comment-form">
              <label for="comment-body">Add a comment (Markdown)</label>
              <textarea id="comment-body" name="body" required />
              <p class="bar">
                <button type="submit">Comment</button>
              </p>
            </form>
          ) : (
            <p class="muted">
              {issue.locked
                ? 'This conversation is locked; only collaborators with write access can comment.'
                : p.user
                  ? 'You cannot comment here.'
                  : 'Sign in to comment.'}
            </p>
          )}
          {can.close ? (
            <form method="post" action={`${action}/state`} class="bar">
              {issue.state === 'open' ? (
                <>
                  <button type="submit" name="state_reason" value="completed">
                    Close as completed
                  </button>
                  <button type="submit" name="state_reason" value="not_planned">
                    Close as not planned
                  </button>
                </>
              ) : (
                <button type="submit" name="state_reason" value="reopened">
                  Reopen issue
                </button>
              )}
            </form>
          ) : null}
        </div>
        <Sidebar {...p} action={action} />
      </div>
    </RepoPage>
  );
}
