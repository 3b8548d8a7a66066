/**
 * Pieces shared by the issue pages: the page frame's repository, the Issues · Labels · Milestones
 * bar, labels, state badges, task progress, times, pagination.
 */
import type { LabelRow } from '../../../db/queries/issue-meta';
import type { IssueRow } from '../../../db/queries/issues';
import type { RepoRow } from '../../../db/queries/repositories';
import { relativeTime, type RepoRef } from '../browse/common';

/** What the repository page frame needs of a repository record. */
export const repoRefOf = (r: RepoRow): RepoRef => ({
  owner: r.owner_login,
  name: r.name,
  private: r.private,
});

/** Issues · Labels · Milestones under `base` (`/owner/repo`), the current one marked. */
export function IssuesNav(p: { base: string; current: 'labels' | 'milestones' }) {
  const link = (path: string, text: string) =>
    p.current === path ? (
      <a href={`${p.base}/${path}`} aria-current="page">
        {text}
      </a>
    ) : (
      <a href={`${p.base}/${path}`}>{text}</a>
    );
  return (
    <nav class="bar" aria-label="Issues">
      <a href={`${p.base}/issues`}>Issues</a>
      {link('labels', 'Labels')}
      {link('milestones', 'Milestones')}
    </nav>
  );
}

export function Label({ label, href }: { label: LabelRow; href?: string }) {
  const inner = (
    <>
      <span class="swatch" style={`background:#${label.color}`} aria-hidden="true" />
      {label.name}
    </>
  );
  return (
    <span class="label" title={label.description || undefined}>
      {href ? <a href={href}>{inner}</a> : inner}
    </span>
  );
}

/** "Open" / "Closed" with a symbol, never colour alone. */
export function StateBadge({ issue }: { issue: IssueRow }) {
  if (issue.state === 'open') return <span class="issue-state open">○ Open</span>;
  const why = issue.state_reason === 'not_planned' ? ' as not planned' : '';
  return <span class="issue-state closed">● Closed{why}</span>;
}

/** A progress bar with its count in words: task lists ("tasks done"), milestones ("issues closed"). */
export function TaskProgress({
  total,
  done,
  of = 'tasks done',
}: {
  total: number;
  done: number;
  of?: string;
}) {
  if (total === 0) return <></>;
  return (
    <span class="muted">
      <span class="progress" role="img" aria-label={`${done} of ${total} ${of}`}>
        <span style={`width:${Math.round((done / total) * 100)}%`} />
      </span>{' '}
      {done} of {total} {of}
    </span>
  );
}

export function When({ at, now }: { at: Date; now: number }) {
  const iso = new Date(at).toISOString();
  return (
    <time datetime={iso} title={iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}>
      {relativeTime(new Date(at).getTime() / 1000, now)}
    </time>
  );
}

export function Pager(p: { page: number; last: number; href: (page: number) => string }) {
  if (p.last <= 1) return <></>;
  return (
    <nav class="bar" aria-label="Pages">
      {p.page > 1 ? <a href={p.href(p.page - 1)}>← Newer</a> : null}
      <span class="muted">
        Page {p.page} of {p.last}
      </span>
      {p.page < p.last ? <a href={p.href(p.page + 1)}>Older →</a> : null}
    </nav>
  );
}
