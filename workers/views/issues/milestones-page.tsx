/**
 * The milestones page (`/{owner}/{repo}/milestones?state=open|closed`): each milestone with its
 * due date and progress (closed of total issues, as a bar and in words), linking to its own page
 * (milestone-page.tsx); writers get create, edit, close/reopen and delete forms
 * (delete behind a second, explicit step). Works with JavaScript off.
 */
import type { MilestoneRow } from '../../../db/queries/issue-meta';
import type { RepoRow } from '../../../db/queries/repositories';
import { RepoPage } from '../browse/common';
import { IssuesNav, repoRefOf, When } from './parts';

export interface MilestonesPageProps {
  user?: { login: string } | undefined;
  repo: RepoRow;
  state: 'open' | 'closed';
  milestones: MilestoneRow[];
  open: number;
  closed: number;
  canWrite: boolean;
  now: number;
}

const day = (d: Date) => new Date(d).toISOString().slice(0, 10);

/** Closed of total issues as a bar with the same in words (never the bar alone). */
export function MilestoneProgress({ m }: { m: MilestoneRow }) {
  const total = m.open_issues + m.closed_issues;
  const pct = total === 0 ? 0 : Math.floor((m.closed_issues / total) * 100);
  return (
    <span>
      <span class="progress" role="img" aria-label={`${pct}% complete`}>
        <span style={`width:${pct}%`} />
      </span>{' '}
      {pct}% complete · {m.open_issues} open · {m.closed_issues} closed
    </span>
  );
}

function MilestoneFields(p: { m?: MilestoneRow; id: string }) {
  return (
    <>
      <label for={`${p.id}-title`}>Title</label>{' '}
      <input id={`${p.id}-title`} name="title" value={p.m?.title ?? ''} required maxlength={100} />{' '}
      <label for={`${p.id}-due`}>Due date</label>{' '}
      <input
        id={`${p.id}-due`}
        name="due_on"
        type="date"
        value={p.m?.due_on ? day(p.m.due_on) : ''}
      />{' '}
      <label for={`${p.id}-description`}>Description</label>{' '}
      <input id={`${p.id}-description`} name="description" value={p.m?.description ?? ''} />
    </>
  );
}

/** Closed when, past due or due by (a sentence fragment). */
export function Due({ m, now }: { m: MilestoneRow; now: number }) {
  if (m.state === 'closed' && m.closed_at) {
    return (
      <>
        Closed <When at={m.closed_at} now={now} />
      </>
    );
  }
  if (!m.due_on) return <>No due date</>;
  const late = new Date(m.due_on).getTime() < now;
  return (
    <>
      {late ? 'Past due by ' : 'Due by '}
      <time datetime={new Date(m.due_on).toISOString()}>{day(m.due_on)}</time>
    </>
  );
}

export function MilestonesPage(p: MilestonesPageProps) {
  const base = `/${p.repo.owner_login}/${p.repo.name}`;
  const repo = repoRefOf(p.repo);
  return (
    <RepoPage
      title={`Milestones · ${p.repo.owner_login}/${p.repo.name}`}
      user={p.user}
      repo={repo}
      tab="issues"
    >
      <IssuesNav base={base} current="milestones" />
      {p.canWrite ? (
        <form
          method="post"
          action={`${base}/milestones`}
          class="bar meta-form"
          aria-label="New milestone"
        >
          <MilestoneFields id="new-milestone" />
          <button type="submit">Create milestone</button>
        </form>
      ) : null}
      <p class="issue-counts">
        <a
          href={`${base}/milestones?state=open`}
          aria-current={p.state === 'open' ? 'true' : undefined}
        >
          ○ {p.open} Open
        </a>
        <a
          href={`${base}/milestones?state=closed`}
          aria-current={p.state === 'closed' ? 'true' : undefined}
        >
          ● {p.closed} Closed
        </a>
      </p>
      {p.milestones.length === 0 ? (
        <p>
          No {p.state} milestones.{p.canWrite && p.state === 'open' ? ' Create one above.' : ''}
        </p>
      ) : (
        <table class="issues milestones" aria-label="Milestones">
          <tbody>
            {p.milestones.map((m) => {
              const path = `${base}/milestones/${m.number}`;
              const next = m.state === 'open' ? 'closed' : 'open';
              return (
                <tr>
                  <td>
                    <a class="title" href={path}>
                      {m.title}
                    </a>
                    <br />
                    <span class="muted">
                      <Due m={m} now={p.now} />
                    </span>
                    {m.description ? <p>{m.description}</p> : null}
                  </td>
                  <td>
                    <MilestoneProgress m={m} />
                  </td>
                  {p.canWrite ? (
                    <td>
                      <form method="post" action={`${path}/state`}>
                        <input type="hidden" name="state" value={next} />
                        <button type="submit">{next === 'closed' ? 'Close' : 'Reopen'}</button>
                      </form>
                      <details>
                        <summary>Edit</summary>
                        <form method="post" action={`${path}/edit`} class="meta-form">
                          <MilestoneFields id={`milestone-${m.number}`} m={m} />
                          <button type="submit">Save</button>
                        </form>
                      </details>
                      <details>
                        <summary>Delete</summary>
                        <form method="post" action={`${path}/delete`} class="meta-form">
                          <p>
                            Delete the milestone <strong>{m.title}</strong>? Its issues stay,
                            without a milestone; this cannot be undone.
                          </p>
                          <input type="hidden" name="confirm" value={String(m.number)} />
                          <button type="submit" class="danger">
                            Delete milestone {m.title}
                          </button>
                        </form>
                      </details>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </RepoPage>
  );
}
