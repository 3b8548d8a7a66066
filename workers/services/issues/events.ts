/**
 * The single place where issue activity happens: every change is written to the issue's
 * timeline here, and notifications (mentions, assignments, comments on threads a user takes
 * part in or watches) are sent from here (`notify`, services/notifications/notify.ts).
 */
import type { Db } from '../../../db/client';
import { insertIssueEvents, type NewIssueEvent } from '../../../db/queries/issue-events';
import { addMentions } from '../../../db/queries/issues';
import { notifyIssueChange } from '../notifications/notify';

export interface IssueActivity {
  events: NewIssueEvent[];
  /** Logins @mentioned in new text (recorded for `mentions:` and notified). */
  mentioned?: string[];
  /** User ids newly assigned. */
  assigned?: string[];
  /** User ids newly asked to review (a landing's review requests). */
  requested?: string[];
  /** A new comment's id, for "comment on a thread you take part in". */
  commentId?: string;
  /** Who made the change and when, for changes that record no events (an edit that mentions). */
  actorId?: string;
  now?: Date;
}

/** Records the activity on the issue's timeline and hands it to notifications. */
export async function recordActivity(
  db: Db,
  issueId: string,
  activity: IssueActivity,
): Promise<void> {
  await insertIssueEvents(db, activity.events);
  const mentioned = await addMentions(db, issueId, activity.mentioned ?? []);
  await notify(db, issueId, { ...activity, mentionedIds: mentioned });
}

/** Notification hook: called once per change with who was mentioned and assigned. */
async function notify(
  db: Db,
  issueId: string,
  activity: IssueActivity & { mentionedIds: string[] },
): Promise<void> {
  const first = activity.events[0];
  await notifyIssueChange(db, issueId, {
    actorId: activity.actorId ?? first?.actorId ?? null,
    events: activity.events.map((e) => e.event),
    mentionedIds: activity.mentionedIds,
    assignedIds: activity.assigned ?? [],
    requestedIds: activity.requested ?? [],
    commentId: activity.commentId,
    now: activity.now ?? first?.now ?? new Date(0),
  });
}
