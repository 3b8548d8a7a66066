/**
 * The single place where issue activity happens: every change is written to the issue's
 * timeline here, and here is where notifications (mentions, assignments, comments on threads a
 * user takes part in or watches) will be sent from once they exist: `notify` is that hook.
 */
import type { Db } from '../../../db/client';
import { insertIssueEvents, type NewIssueEvent } from '../../../db/queries/issue-events';
import { addMentions } from '../../../db/queries/issues';

export interface IssueActivity {
  events: NewIssueEvent[];
  /** Logins @mentioned in new text (recorded for `mentions:` and notified). */
  mentioned?: string[];
  /** User ids newly assigned. */
  assigned?: string[];
  /** A new comment's id, for "comment on a thread you take part in". */
  commentId?: string;
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

/**
 * Notification hook: called once per change with who was mentioned and assigned. Notifications
 * (issue #18's last part) are not built yet; wiring them in means filling this in.
 */
async function notify(
  _db: Db,
  _issueId: string,
  _activity: IssueActivity & { mentionedIds: string[] },
): Promise<void> {
  // Intentionally empty until the notifications inbox exists.
}
