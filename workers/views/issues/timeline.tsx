/** The issue timeline: comments with rendered bodies, and one line per event. */
import type { CommentRow } from '../../../db/queries/issue-comments';
import type { IssueEventRow } from '../../../db/queries/issue-events';
import { raw } from 'hono/html';
import type { ReactionSummary } from '../../services/issues/reaction-summary';
import { When } from './parts';
import { Reactions } from './reactions';

export type TimelineEntry =
  | { kind: 'comment'; comment: CommentRow; html: string; at: Date; editable: boolean }
  | { kind: 'event'; event: IssueEventRow; at: Date };

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};

/** What an event says, after its actor's name. */
function describe(e: IssueEventRow, base: string) {
  const d = e.data;
  switch (e.event) {
    case 'opened':
      return <>opened this issue</>;
    case 'labeled':
    case 'unlabeled':
      return (
        <>
          {e.event === 'labeled' ? 'added' : 'removed'} the label <b>{str(obj(d.label).name)}</b>
        </>
      );
    case 'assigned':
    case 'unassigned':
      return (
        <>
          {e.event} <b>{str(obj(d.assignee).login)}</b>
        </>
      );
    case 'milestoned':
    case 'demilestoned':
      return (
        <>
          {e.event === 'milestoned' ? 'added this to' : 'removed this from'} the milestone{' '}
          <b>{str(obj(d.milestone).title)}</b>
        </>
      );
    case 'renamed':
      return (
        <>
          changed the title <del>{str(obj(d.rename).from)}</del> <b>{str(obj(d.rename).to)}</b>
        </>
      );
    case 'closed': {
      const commit = str(d.commit_id);
      return (
        <>
          closed this as {str(d.state_reason) === 'not_planned' ? 'not planned' : 'completed'}
          {commit ? (
            <>
              {' '}
              in{' '}
              <a class="sha" href={`${base}/commit/${commit}`}>
                {commit.slice(0, 10)}
              </a>
            </>
          ) : null}
        </>
      );
    }
    case 'reopened':
      return <>reopened this</>;
    case 'referenced': {
      const commit = str(d.commit_id);
      return (
        <>
          referenced this in commit{' '}
          <a class="sha" href={`${base}/commit/${commit}`} title={commit}>
            {commit.slice(0, 10)}
          </a>{' '}
          <span class="muted">{str(d.message)}</span>
        </>
      );
    }
    case 'cross-referenced': {
      const src = obj(obj(d.source).issue);
      const repo = str(src.repository);
      const n = typeof src.number === 'number' ? src.number : 0;
      return (
        <>
          mentioned this in{' '}
          <a href={`/${repo}/issues/${n}`}>
            {repo}#{n} {str(src.title)}
          </a>
        </>
      );
    }
    case 'locked':
      return <>locked this conversation{d.lock_reason ? ` as ${str(d.lock_reason)}` : ''}</>;
    case 'unlocked':
      return <>unlocked this conversation</>;
    case 'pinned':
      return <>pinned this issue</>;
    case 'unpinned':
      return <>unpinned this issue</>;
    case 'transferred':
      return (
        <>
          transferred this issue from {str(obj(d.from).repository)} to {str(obj(d.to).repository)}
        </>
      );
    case 'revision_pushed': {
      const head = str(d.head);
      return (
        <>
          pushed revision {typeof d.revision === 'number' ? d.revision : '?'}{' '}
          <a class="sha" href={`${base}/commit/${head}`} title={head}>
            {head.slice(0, 10)}
          </a>
        </>
      );
    }
    case 'landed':
      return <>landed this</>;
    case 'ready_for_review':
      return <>marked this ready for review</>;
    case 'converted_to_draft':
      return <>converted this to a draft</>;
    case 'target_changed':
      return (
        <>
          changed the target from <code>{str(d.from)}</code> to <code>{str(d.to)}</code>
        </>
      );
    default:
      return reviewEvent(e) ?? <>{e.event}</>;
  }
}

/** What a landing's review event says (describe's overflow). */
function reviewEvent(e: IssueEventRow) {
  const d = e.data;
  switch (e.event) {
    case 'review_dismissed': {
      const r = obj(d.dismissed_review);
      return (
        <>
          dismissed {d.reviewer ? <b>{str(d.reviewer)}</b> : 'a reviewer'}’s{' '}
          {r.state === 'changes_requested' ? 'change request' : 'approval'} of revision{' '}
          {typeof r.revision === 'number' ? r.revision : '?'} · dismissed:{' '}
          {str(r.dismissal_message)}
        </>
      );
    }
    default:
      return undefined;
  }
}

/** Edit and delete forms of a comment (delete asks once more), for its author or writers. */
function CommentControls(p: { action: string; body: string }) {
  return (
    <details class="comment-form">
      <summary>Edit</summary>
      <form method="post" action={`${p.action}/edit`}>
        <textarea name="body" required aria-label="Comment text">
          {p.body}
        </textarea>
        <button type="submit">Save comment</button>
      </form>
      <details>
        <summary>Delete…</summary>
        <form method="post" action={`${p.action}/delete`}>
          <button type="submit">Delete this comment for good</button>
        </form>
      </details>
    </details>
  );
}

export function Timeline(p: {
  entries: TimelineEntry[];
  base: string;
  /** `/{owner}/{repo}/issues/{n}` */
  issuePath: string;
  now: number;
  reactions: ReactionSummary;
  /** Whether the viewer may react (forms shown). */
  canReact: boolean;
}) {
  return (
    <>
      {p.entries.map((x) =>
        x.kind === 'comment' ? (
          <article class="entry" id={`issuecomment-${x.comment.id}`}>
            <header>
              <b>{x.comment.author_login ?? 'ghost'}</b> commented{' '}
              <a href={`#issuecomment-${x.comment.id}`}>
                <When at={x.comment.created_at} now={p.now} />
              </a>
              {x.comment.edits > 0 ? (
                <>
                  {' · '}
                  <a
                    class="muted"
                    href={`${p.issuePath}/comments/${x.comment.id}/history`}
                    title="See earlier versions"
                  >
                    edited
                  </a>
                </>
              ) : null}
            </header>
            <div class="markdown">{raw(x.html)}</div>
            <Reactions
              groups={p.reactions.get(x.comment.id) ?? []}
              addAction={
                p.canReact ? `${p.issuePath}/comments/${x.comment.id}/reactions` : undefined
              }
              issuePath={p.issuePath}
            />
            {x.editable ? (
              <CommentControls
                action={`${p.issuePath}/comments/${x.comment.id}`}
                body={x.comment.body}
              />
            ) : null}
          </article>
        ) : (
          <p class="event">
            <b>{x.event.actor_login ?? 'ghost'}</b> {describe(x.event, p.base)}{' '}
            <span class="muted">
              <When at={x.event.created_at} now={p.now} />
            </span>
          </p>
        ),
      )}
    </>
  );
}
