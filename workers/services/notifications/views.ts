/** Notification threads and subscriptions in GitHub's JSON shapes. */
import type { WatchRow } from '../../../db/queries/notification-subscriptions';
import type { ThreadRow } from '../../../db/queries/notifications';
import type { RepoRow } from '../../../db/queries/repositories';

const iso = (d: Date | null) => (d === null ? null : new Date(d).toISOString());

/** A thread as GitHub's `GET /notifications` lists it. */
export function threadView(t: ThreadRow, origin: string) {
  const full = `${t.repo_owner_login}/${t.repo_name}`;
  const api = `${origin}/api/v1`;
  const issueUrl = `${api}/repos/${full}/issues/${t.issue_number}`;
  return {
    id: t.id,
    repository: {
      id: Number(t.repo_id),
      name: t.repo_name,
      full_name: full,
      owner: { login: t.repo_owner_login, id: Number(t.repo_owner_id) },
      private: t.repo_private,
      description: t.repo_description,
      html_url: `${origin}/${full}`,
      url: `${api}/repos/${full}`,
    },
    subject: {
      title: t.issue_title,
      url: issueUrl,
      latest_comment_url:
        t.last_comment_id === null
          ? issueUrl
          : `${api}/repos/${full}/issues/comments/${t.last_comment_id}`,
      type: 'Issue',
    },
    reason: t.reason,
    unread: t.unread,
    updated_at: iso(t.updated_at),
    last_read_at: iso(t.last_read_at),
    url: `${api}/notifications/threads/${t.id}`,
    subscription_url: `${api}/notifications/threads/${t.id}/subscription`,
  };
}

/** A thread subscription (`…/threads/{id}/subscription`). */
export function threadSubscriptionView(t: ThreadRow, origin: string) {
  const url = `${origin}/api/v1/notifications/threads/${t.id}`;
  return {
    subscribed: t.subscribed !== false,
    ignored: t.subscribed === false,
    reason: t.reason,
    created_at: iso(t.subscribed_at),
    url: `${url}/subscription`,
    thread_url: url,
  };
}

/** A repository subscription (`/repos/{o}/{r}/subscription`) for a watch setting. */
export function repoSubscriptionView(repo: RepoRow, w: WatchRow, origin: string) {
  const url = `${origin}/api/v1/repos/${repo.owner_login}/${repo.name}`;
  return {
    subscribed: w.level === 'watching',
    ignored: w.level === 'ignoring',
    reason: null,
    created_at: iso(w.created_at),
    url: `${url}/subscription`,
    repository_url: url,
  };
}
