/**
 * One landing request (`/{owner}/{repo}/landings/{n}`): title, state, where it comes from and
 * goes, the checks of its head commit, its revisions, and three views of the selected revision
 * (`?revision=`, the latest by default): the conversation (the issue thread: comments,
 * reactions, timeline, the comment form posting to the issue routes), its commits, and the
 * files it changes against its base (`?tab=commits|files`), or the interdiff between two
 * revisions (files-view.tsx); the reviewers box with review requests, and the land box.
 */
import { raw } from 'hono/html';
import type { LandingRow, RevisionRow } from '../../../db/queries/landings';
import type { StackEntry } from '../../../db/queries/landing-stack';
import type { StatusRow, StatusState } from '../../../db/queries/commit-statuses';
import type { RepoRow } from '../../../db/queries/repositories';
import type { CommitInfo } from '../../services/browse/data-tree';
import type { IssuePermissions } from '../../services/issues/access';
import type { ReactionSummary } from '../../services/issues/reaction-summary';
import { RepoPage, ShortSha } from '../browse/common';
import { FilesView, filesHref, type FilesViewProps } from './files-view';
import { RequestedReviewers, type RequestedProps } from './requested-reviewers';
import { CommitList } from '../browse/history-pages';
import { StatusesFragment } from '../commit-statuses';
import { repoRefOf, When } from '../issues/parts';
import { Reactions } from '../issues/reactions';
import { Timeline, type TimelineEntry } from '../issues/timeline';
import type { LandPanel } from '../../services/landings/land-panel';
import { LandBox, ReviewForm, Reviewers, ReviewList } from './land-box';
import { LandingBadge, SourceOf } from './parts';
import { AskPlue } from '../agents/ask-plue';

export type LandingTab = 'conversation' | 'commits' | 'files';

export interface LandingPageProps {
  user?: { login: string } | undefined;
  repo: RepoRow;
  landing: LandingRow;
  bodyHtml: string;
  timeline: TimelineEntry[];
  reactions: ReactionSummary;
  /** Show the "Ask @plue" box (a workflow answers mentions and the viewer may comment). */
  askPlue?: boolean;
  can: IssuePermissions & { manage: boolean };
  revisions: RevisionRow[];
  revision: RevisionRow | undefined;
  tab: LandingTab;
  commits: CommitInfo[];
  /** The Files tab (when shown). */
  files?: Omit<FilesViewProps, 'self' | 'revisions'> | undefined;
  /** Split diffs (`?diff=split`), kept by the page's links. */
  split: boolean;
  /** Requested reviewers and the form asking for more. */
  requested?: RequestedProps | undefined;
  statuses: { state: StatusState; latest: StatusRow[] };
  /** The landing's whole stack, bottom first. */
  stack: StackEntry[];
  /** Reviews and the land box (land-box.tsx). */
  land?: LandPanel | undefined;
  now: number;
}

const STACK_STATE = {
  open: '○ open',
  landed: '⇥ landed',
  closed: '● closed',
};

/**
 * `Stack (bottom first): !3 Lower ⇥ landed → !4 this ○ open → !5 Upper ○ draft`: every landing
 * of this one's stack in order, each with its state.
 */
function Stack(p: { base: string; number: number; stack: StackEntry[] }) {
  if (p.stack.length < 2) return null;
  const state = (e: StackEntry) => (
    <span class="stack-state">
      {e.landing_state === 'open' && e.draft ? '○ draft' : STACK_STATE[e.landing_state]}
    </span>
  );
  return (
    <p class="landing-stack" aria-label="Stack">
      Stack (bottom first):{' '}
      {p.stack.map((e, i) => (
        <>
          {i > 0 ? ' → ' : ''}
          {e.number === p.number ? (
            <b aria-current="true">
              !{e.number} {e.title} (this one)
            </b>
          ) : (
            <a href={`${p.base}/landings/${e.number}`}>
              !{e.number} {e.title}
            </a>
          )}{' '}
          {state(e)}
        </>
      ))}
    </p>
  );
}

function Revisions(p: {
  revisions: RevisionRow[];
  current?: number | undefined;
  href: (n: number) => string;
  /** The Files tab's interdiff from revision `from` to `to`. */
  compare: (from: number, to: number) => string;
  now: number;
}) {
  return (
    <table class="issues revisions" aria-label="Revisions">
      <thead>
        <tr>
          <th>Revision</th>
          <th>Head</th>
          <th>Base</th>
          <th>Pushed</th>
          <th>Compare</th>
        </tr>
      </thead>
      <tbody>
        {[...p.revisions].reverse().map((r) => (
          <tr aria-current={r.number === p.current ? 'true' : undefined}>
            <td>
              <a href={p.href(r.number)}>#{r.number}</a>
            </td>
            <td>
              <ShortSha oid={r.head_oid} />{' '}
              {r.change_id ? (
                <span class="chg" title={r.change_id}>
                  {r.change_id.slice(0, 8)}
                </span>
              ) : null}
            </td>
            <td>
              <ShortSha oid={r.base_oid} />
            </td>
            <td class="muted">
              by {r.pusher_login ?? 'ghost'} <When at={r.created_at} now={p.now} />
            </td>
            <td>
              {r.number > 1 ? (
                <a href={p.compare(r.number - 1, r.number)}>compare with previous</a>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function StateForms(p: { action: string; landing: LandingRow }) {
  const { landing } = p;
  if (landing.landing_state === 'landed') return null;
  return (
    <form method="post" action={`${p.action}/state`} class="bar">
      {landing.landing_state === 'open' ? (
        <>
          {landing.draft ? (
            <button type="submit" name="draft" value="false">
              Ready for review
            </button>
          ) : (
            <button type="submit" name="draft" value="true">
              Convert to draft
            </button>
          )}
          <button type="submit" name="state" value="closed">
            Close landing request
          </button>
        </>
      ) : (
        <button type="submit" name="state" value="open">
          Reopen landing request
        </button>
      )}
    </form>
  );
}

function Conversation(p: LandingPageProps & { base: string }) {
  const issuePath = `${p.base}/issues/${p.landing.number}`;
  const { landing, can } = p;
  return (
    <>
      <article class="entry">
        <header>
          <b>{landing.author_login ?? 'ghost'}</b> wrote
        </header>
        <div class="markdown">
          {landing.body.trim() === '' ? (
            <p class="muted">No description provided.</p>
          ) : (
            raw(p.bodyHtml)
          )}
        </div>
        <Reactions
          groups={p.reactions.get('') ?? []}
          addAction={can.comment ? `${issuePath}/reactions` : undefined}
          issuePath={issuePath}
        />
      </article>
      <Timeline
        entries={p.timeline}
        base={p.base}
        issuePath={issuePath}
        now={p.now}
        reactions={p.reactions}
        canReact={can.comment}
      />
      {p.land ? <ReviewList panel={p.land} /> : null}
      {p.land ? (
        <ReviewForm action={`${p.base}/landings/${landing.number}`} panel={p.land} />
      ) : null}
      {can.comment && p.askPlue ? <AskPlue issuePath={issuePath} /> : null}
      {can.comment ? (
        <form method="post" action={`${issuePath}/comments`} class="comment-form">
          <label for="comment-body">Add a comment (Markdown)</label>
          <textarea id="comment-body" name="body" required />
          <p class="bar">
            <button type="submit">Comment</button>
          </p>
        </form>
      ) : (
        <p class="muted">{p.user ? 'You cannot comment here.' : 'Sign in to comment.'}</p>
      )}
      {can.manage ? (
        <StateForms action={`${p.base}/landings/${landing.number}`} landing={landing} />
      ) : null}
    </>
  );
}

export function LandingPage(p: LandingPageProps) {
  const base = `/${p.repo.owner_login}/${p.repo.name}`;
  const self = `${base}/landings/${p.landing.number}`;
  const { landing } = p;
  const repo = repoRefOf(p.repo);
  const href = (tab: LandingTab, rev?: number) => {
    const q = new URLSearchParams({
      ...(tab !== 'conversation' ? { tab } : {}),
      ...(rev !== undefined ? { revision: String(rev) } : {}),
      ...(p.split ? { diff: 'split' } : {}),
    }).toString();
    return q === '' ? self : `${self}?${q}`;
  };
  const rev = p.revision?.number;
  return (
    <RepoPage
      title={`${landing.title} · Landing !${landing.number}`}
      user={p.user}
      repo={repo}
      tab="landings"
    >
      <h2>
        {landing.title} <span class="muted">!{landing.number}</span>
      </h2>
      <p>
        <LandingBadge landing={landing} /> <b>{landing.author_login ?? 'ghost'}</b> wants to land{' '}
        <SourceOf landing={landing} /> onto <code>{landing.target_branch}</code> ·{' '}
        {p.revisions.length} revision{p.revisions.length === 1 ? '' : 's'} · opened{' '}
        <When at={landing.created_at} now={p.now} />
        {landing.topic ? (
          <>
            {' '}
            · topic <code>{landing.topic}</code>
          </>
        ) : null}
      </p>
      <Stack base={base} number={landing.number} stack={p.stack} />
      {p.land ? <Reviewers panel={p.land} /> : null}
      {p.requested ? <RequestedReviewers {...p.requested} /> : null}
      {p.land ? <LandBox action={self} landing={landing} panel={p.land} /> : null}
      {p.revision ? (
        <p class="landing-checks" aria-label="Checks">
          Head <ShortSha oid={p.revision.head_oid} href={`${base}/commit/${p.revision.head_oid}`} />{' '}
          {p.statuses.latest.length === 0 ? (
            <span class="muted">no checks reported</span>
          ) : (
            <StatusesFragment state={p.statuses.state} latest={p.statuses.latest} />
          )}
        </p>
      ) : null}
      <nav class="tabs" aria-label="Landing request">
        <a
          href={href('conversation', rev)}
          aria-current={p.tab === 'conversation' ? 'page' : undefined}
        >
          Conversation
        </a>
        <a href={href('commits', rev)} aria-current={p.tab === 'commits' ? 'page' : undefined}>
          Commits ({p.commits.length})
        </a>
        <a href={href('files', rev)} aria-current={p.tab === 'files' ? 'page' : undefined}>
          Files changed
        </a>
      </nav>
      <section aria-label="Revisions" class="landing-view">
        <h3>Revisions</h3>
        <Revisions
          revisions={p.revisions}
          current={rev}
          href={(n) => href(p.tab, n)}
          compare={(from, to) => filesHref(self, { revision: to, from, split: p.split })}
          now={p.now}
        />
      </section>
      {p.tab === 'conversation' ? (
        <div class="landing-view">
          <Conversation {...p} base={base} />
        </div>
      ) : null}
      {p.tab === 'commits' ? <CommitList r={repo} commits={p.commits} now={p.now} /> : null}
      {p.tab === 'files' && p.files ? (
        <FilesView self={self} revisions={p.revisions} {...p.files} />
      ) : null}
    </RepoPage>
  );
}
