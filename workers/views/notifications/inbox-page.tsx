/**
 * The inbox (`/notifications`): the user's threads, unread first, with why they were notified,
 * the repository, the issue, what happened last and when; filters in the query string; a form
 * per row to mark it read and to unsubscribe (or subscribe again), and one to mark all read.
 */
import type { ThreadRow } from '../../../db/queries/notifications';
import { Layout } from '../layout';
import { Pager, When } from '../issues/parts';

export type InboxFilter = 'all' | 'unread' | 'participating';

export interface InboxProps {
  user: { login: string; unread?: number | undefined };
  filter: InboxFilter;
  rows: ThreadRow[];
  total: number;
  page: number;
  perPage: number;
  now: number;
}

const REASONS: Record<string, string> = {
  mention: 'You were mentioned',
  assign: 'You were assigned',
  comment: 'You commented',
  author: 'You opened it',
  subscribed: 'You watch the repository',
  manual: 'You subscribed',
  state_change: 'State changed',
  review_requested: 'Review requested',
};

const EVENTS: Record<string, string> = {
  opened: 'opened it',
  commented: 'commented',
  closed: 'closed it',
  reopened: 'reopened it',
  assigned: 'assigned you',
  mentioned: 'mentioned you',
};

const FILTERS: Array<[InboxFilter, string]> = [
  ['all', 'All'],
  ['unread', 'Unread'],
  ['participating', 'Participating'],
];

function Row({ t, now, back }: { t: ThreadRow; now: number; back: string }) {
  const repo = `${t.repo_owner_login}/${t.repo_name}`;
  const issue = `/${repo}/issues/${t.issue_number}`;
  const subscribed = t.subscribed !== false;
  return (
    <tr class={t.unread ? 'unread' : 'read'} data-thread={t.id}>
      <td>
        <span class="mono" title={t.unread ? 'Unread' : 'Read'}>
          {t.unread ? '● Unread' : '○ Read'}
        </span>
      </td>
      <td>
        <a href={`/${repo}`} class="mono">
          {repo}
        </a>
        {t.repo_private ? <span class="muted"> (private)</span> : null}
        <br />
        <a href={issue} class="title">
          {t.issue_title}
        </a>{' '}
        <span class="muted">#{t.issue_number}</span>
        <br />
        <span class="muted">
          {REASONS[t.reason] ?? t.reason}
          {t.last_actor_login
            ? ` · ${t.last_actor_login} ${EVENTS[t.last_event] ?? t.last_event}`
            : ''}
        </span>
      </td>
      <td>
        <When at={t.updated_at} now={now} />
      </td>
      <td class="actions">
        {t.unread ? (
          <form method="post" action={`/notifications/threads/${t.id}/read`} class="inline">
            <input type="hidden" name="back" value={back} />
            <button type="submit">Mark read</button>
          </form>
        ) : null}{' '}
        <form
          method="post"
          action={`/notifications/threads/${t.id}/${subscribed ? 'unsubscribe' : 'subscribe'}`}
          class="inline"
        >
          <input type="hidden" name="back" value={back} />
          <button type="submit">{subscribed ? 'Unsubscribe' : 'Subscribe'}</button>
        </form>
      </td>
    </tr>
  );
}

export function InboxPage(p: InboxProps) {
  const href = (filter: InboxFilter, page = 1) =>
    `/notifications?${new URLSearchParams({ filter, ...(page > 1 ? { page: String(page) } : {}) })}`;
  const back = href(p.filter, p.page);
  const unread = p.rows.some((t) => t.unread) || (p.user.unread ?? 0) > 0;
  return (
    <Layout title="Notifications" user={p.user}>
      <h1>Notifications</h1>
      <div class="bar">
        <nav class="issue-counts" aria-label="Filters">
          {FILTERS.map(([f, label]) => (
            <a href={href(f)} aria-current={f === p.filter ? 'true' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        {unread ? (
          <form method="post" action="/notifications/read" class="inline">
            <input type="hidden" name="back" value={back} />
            <button type="submit">Mark all as read</button>
          </form>
        ) : null}
      </div>
      {p.rows.length === 0 ? (
        <p class="empty">
          {p.filter === 'unread' ? 'No unread notifications. ' : 'No notifications. '}
          You are notified when someone mentions you, assigns you, or comments on an issue you
          opened or took part in. To hear of everything in a repository, choose Watching on its
          Issues page.
        </p>
      ) : (
        <table class="issues notifications">
          <tbody>
            {p.rows.map((t) => (
              <Row t={t} now={p.now} back={back} />
            ))}
          </tbody>
        </table>
      )}
      <Pager
        page={p.page}
        last={Math.max(1, Math.ceil(p.total / p.perPage))}
        href={(n) => href(p.filter, n)}
      />
    </Layout>
  );
}
