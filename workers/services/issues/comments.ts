/**
 * Comments on issues (create, edit with history kept, delete), reactions on issues and
 * comments, and the issue's timeline as a viewer may see it.
 */
import {
  addReaction,
  deleteComment as deleteCommentRow,
  editComment as editCommentRow,
  findComment,
  findReaction,
  deleteReaction as deleteReactionRow,
  insertComment,
  listComments,
  countEdits,
  listEdits,
  listReactions,
  type CommentRow,
  type EditRow,
  type ReactionContent,
  type ReactionRow,
} from '../../../db/queries/issue-comments';
import {
  countIssueEvents,
  listIssueEvents,
  type IssueEventRow,
} from '../../../db/queries/issue-events';
import { findIssueById, type IssueRow } from '../../../db/queries/issues';
import { AppError } from '../../../common/errors';
import { conversant, editorOf, issueOf, participant, requireLevel, type RepoScope } from './access';
import { recordReferences } from './cross-references';
import { recordActivity } from './events';
import { findReferences } from './references';

export async function commentsOf(
  s: RepoScope,
  number: number,
  page: { page: number; perPage: number },
): Promise<{ issue: IssueRow; rows: CommentRow[]; total: number }> {
  const issue = await issueOf(s, number);
  const list = await listComments(s.db, issue.id, {
    limit: page.perPage,
    offset: (page.page - 1) * page.perPage,
  });
  return { issue, ...list };
}

export async function createComment(
  s: RepoScope,
  number: number,
  body: string,
): Promise<{ issue: IssueRow; comment: CommentRow }> {
  const issue = await issueOf(s, number);
  const user = conversant(s, issue);
  const comment = await s.db.transaction(async (db) => {
    const c = await insertComment(db, { issueId: issue.id, authorId: user.id, body, now: s.now });
    await recordActivity(db, issue.id, {
      events: [
        {
          issueId: issue.id,
          actorId: user.id,
          event: 'commented',
          data: { comment_id: Number(c.id) },
          now: s.now,
        },
      ],
      mentioned: findReferences(body).mentions,
      commentId: c.id,
    });
    await recordReferences({ ...s, db }, issue, body, { type: 'comment', id: c.id });
    return c;
  });
  return { issue, comment };
}

/** A comment of this repository (by id, as GitHub addresses them), with its issue. */
export async function commentOf(
  s: RepoScope,
  id: string,
): Promise<{ issue: IssueRow; comment: CommentRow }> {
  const comment = /^\d{1,18}$/.test(id) ? await findComment(s.db, id) : undefined;
  const issue = comment ? await findIssueById(s.db, comment.issue_id) : undefined;
  if (!comment || !issue || issue.repo_id !== s.repo.id) {
    throw AppError.notFound('Comment not found', 'comment_not_found');
  }
  return { issue, comment };
}

/** Edits a comment (its author, or write access; not on a locked issue without write). */
export async function editComment(
  s: RepoScope,
  id: string,
  body: string,
): Promise<{ issue: IssueRow; comment: CommentRow }> {
  const { issue, comment } = await commentOf(s, id);
  conversant(s, issue);
  const user = await editorOf(s, comment.author_id);
  if (body === comment.body) return { issue, comment };
  const edited = await s.db.transaction(async (db) => {
    const c = await editCommentRow(db, comment, body, user.id, s.now);
    await recordActivity(db, issue.id, {
      events: [],
      mentioned: findReferences(body).mentions,
      actorId: user.id,
      now: s.now,
    });
    await recordReferences({ ...s, db }, issue, body, { type: 'comment', id: comment.id });
    return c;
  });
  return { issue, comment: edited ?? comment };
}

export async function deleteComment(s: RepoScope, id: string): Promise<void> {
  const { comment } = await commentOf(s, id);
  await editorOf(s, comment.author_id);
  await deleteCommentRow(s.db, comment, s.now);
}

/** Earlier versions of a comment, newest first (anyone who can read the repository). */
export async function commentHistory(s: RepoScope, id: string): Promise<EditRow[]> {
  const { issue, comment } = await commentOf(s, id);
  return listEdits(s.db, issue.id, comment.id);
}

/** Earlier versions of an issue body, newest first. */
export async function issueHistory(s: RepoScope, number: number): Promise<EditRow[]> {
  const issue = await issueOf(s, number);
  return listEdits(s.db, issue.id, null);
}

/** How many times the body of `issue` (one the scope may read) has been edited. */
export function issueBodyEdits(s: RepoScope, issue: IssueRow): Promise<number> {
  return countEdits(s.db, issue.id, null);
}

/** Reacts to an issue (commentId null) or comment; not on a locked issue without write. */
export async function react(
  s: RepoScope,
  target: { number: number } | { commentId: string },
  content: ReactionContent,
): Promise<{ row: ReactionRow; created: boolean }> {
  const { issue, commentId } =
    'number' in target
      ? { issue: await issueOf(s, target.number), commentId: null }
      : { issue: (await commentOf(s, target.commentId)).issue, commentId: target.commentId };
  const user = conversant(s, issue);
  return addReaction(s.db, { issueId: issue.id, commentId, userId: user.id, content });
}

export async function reactionsOf(
  s: RepoScope,
  target: { number: number } | { commentId: string },
): Promise<ReactionRow[]> {
  if ('number' in target) return listReactions(s.db, (await issueOf(s, target.number)).id, null);
  const { issue, comment } = await commentOf(s, target.commentId);
  return listReactions(s.db, issue.id, comment.id);
}

/** Removes a reaction: its author, or write access. */
export async function unreact(s: RepoScope, number: number, reactionId: string): Promise<void> {
  const issue = await issueOf(s, number);
  const user = participant(s);
  const r = /^\d{1,18}$/.test(reactionId)
    ? await findReaction(s.db, issue.id, reactionId)
    : undefined;
  if (!r) throw AppError.notFound('Reaction not found', 'reaction_not_found');
  if (r.user_id !== user.id) await requireLevel(s, 'write');
  await deleteReactionRow(s.db, issue.id, reactionId);
}

/**
 * One page of an issue's timeline (`withoutComments`: the events API, which leaves comments
 * out) and how many events there are over all pages.
 */
export async function timelineOf(
  s: RepoScope,
  number: number,
  page: { page: number; perPage: number },
  withoutComments = false,
): Promise<{ issue: IssueRow; events: IssueEventRow[]; total: number }> {
  const issue = await issueOf(s, number);
  const viewer = s.actor.user?.id ?? null;
  const events = await listIssueEvents(s.db, issue.id, viewer, {
    limit: page.perPage,
    offset: (page.page - 1) * page.perPage,
    withoutComments,
  });
  return { issue, events, total: await countIssueEvents(s.db, issue.id, viewer, withoutComments) };
}
