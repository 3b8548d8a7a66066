/**
 * Sending notifications for one change to an issue (called from services/issues/events.ts).
 *
 * - Taking part subscribes: the author on opening, a commenter on commenting (undoing an
 *   earlier unsubscribe), the mentioned and the assigned.
 * - Who is notified, and why (GitHub's reasons): newly assigned users (`assign`), newly
 *   mentioned users (`mention`); on opened, commented, closed and reopened also the thread's
 *   subscribers (`author`, `comment`, `mention`, `assign`, `manual` after how they joined) and
 *   users watching the repository (`subscribed`) who did not unsubscribe from the thread;
 *   users asked to review a landing (`review_requested`), and on a review comment
 *   (`line_commented`) the thread's subscribers as on a comment.
 * - Never the actor themself, never a user who ignores the repository, and never a user who
 *   cannot read the repository (the one authorisation service decides: `readersAmong`).
 */
import type { Db } from '../../../db/client';
import { findIssueById } from '../../../db/queries/issues';
import {
  listSubscriptions,
  subscribe,
  watchersOf,
} from '../../../db/queries/notification-subscriptions';
import {
  upsertThreads,
  type NotificationReason,
  type ThreadUpdate,
} from '../../../db/queries/notifications';
import { findRepoById } from '../../../db/queries/repositories';
import { readersAmong } from '../repos/authz';

/** One change to an issue as notifications see it. */
export interface IssueChange {
  actorId: string | null;
  /** Timeline event kinds of the change (opened, commented, closed, …). */
  events: string[];
  /** Users newly mentioned, and newly assigned. */
  mentionedIds: string[];
  assignedIds: string[];
  /** Users newly asked to review a landing (`review_requested`). */
  requestedIds?: string[];
  /** The new comment, when the change is one. */
  commentId?: string | undefined;
  now: Date;
}

/** Events that notify a thread's subscribers and the repository's watchers. */
const THREAD_EVENTS = new Set(['opened', 'commented', 'line_commented', 'closed', 'reopened']);

/** What the thread shows as its last happening. */
function lastEvent(change: IssueChange): string | undefined {
  if (change.commentId !== undefined) return 'commented';
  const e = change.events.find((k) => THREAD_EVENTS.has(k));
  if (e) return e;
  if ((change.requestedIds ?? []).length > 0) return 'review_requested';
  if (change.assignedIds.length > 0) return 'assigned';
  if (change.mentionedIds.length > 0) return 'mentioned';
  return undefined;
}

/** Records subscriptions and sends the notifications of one change to an issue. */
export async function notifyIssueChange(
  db: Db,
  issueId: string,
  change: IssueChange,
): Promise<void> {
  const event = lastEvent(change);
  if (event === undefined) return;
  const issue = await findIssueById(db, issueId);
  const repo = issue ? await findRepoById(db, issue.repo_id) : undefined;
  if (!issue || !repo) return;
  const actor = change.actorId;

  // Participants subscribe (only those who can read the repository).
  const readable = async (ids: string[]) => readersAmong(db, repo, [...new Set(ids)]);
  if (actor !== null && change.events.includes('opened')) {
    await subscribe(db, issueId, await readable([actor]), 'author', false);
  }
  const commented = change.commentId !== undefined || change.events.includes('line_commented');
  if (actor !== null && commented) {
    await subscribe(db, issueId, await readable([actor]), 'comment', true);
  }
  await subscribe(db, issueId, await readable(change.mentionedIds), 'mention', false);
  await subscribe(db, issueId, await readable(change.assignedIds), 'assign', false);

  // Recipients, the strongest reason first: assign, mention, then the thread's own.
  const reasons = new Map<string, NotificationReason>();
  const add = (id: string, reason: NotificationReason) => {
    if (!reasons.has(id)) reasons.set(id, reason);
  };
  for (const id of change.requestedIds ?? []) add(id, 'review_requested');
  for (const id of change.assignedIds) add(id, 'assign');
  for (const id of change.mentionedIds) add(id, 'mention');
  const watches = await watchersOf(db, repo.id);
  if (change.events.some((k) => THREAD_EVENTS.has(k))) {
    const subs = await listSubscriptions(db, issueId);
    for (const s of subs) if (s.subscribed) add(s.user_id, s.reason);
    const unsubscribed = new Set(subs.filter((s) => !s.subscribed).map((s) => s.user_id));
    for (const id of watches.watching) if (!unsubscribed.has(id)) add(id, 'subscribed');
  }
  const ignoring = new Set(watches.ignoring);
  const candidates = [...reasons.keys()].filter((id) => id !== actor && !ignoring.has(id));
  const updates: ThreadUpdate[] = (await readable(candidates)).map((id) => ({
    userId: id,
    reason: reasons.get(id) ?? 'subscribed',
  }));
  await upsertThreads(db, issueId, updates, {
    actorId: actor,
    event,
    commentId: change.commentId ?? null,
    now: change.now,
  });
}
