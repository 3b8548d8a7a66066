/**
 * The landing pages: the list (`/{owner}/{repo}/landings?state=`), the new-landing form reached
 * from Compare or a change's page (`/landings/new?base=&head=`, head a branch or a change id, a
 * plain POST), one landing with its conversation,
 * revisions, commits and files (`/landings/{n}?tab=&revision=`, or `?tab=files&from=&to=` for an
 * interdiff, `&diff=split` side by side), and its state form (close, reopen, draft). The review
 * forms (line comments, threads, review requests) are landing-review.tsx's. Comments and reactions post to the issue forms under the same number, which
 * redirect back here through the issue page's redirect.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { issuePermissions } from '../../services/issues/access';
import { issuePageData } from '../../services/issues/page-data';
import { reactionSummary } from '../../services/issues/reaction-summary';
import { renderIssueTexts, repoCommits } from '../../services/issues/render';
import {
  createLanding,
  listLandings,
  mayManage,
  updateLanding,
  type LandingScope,
} from '../../services/landings/landings';
import { landingPageData } from '../../services/landings/page-data';
import { lineCommentsOf } from '../../services/landings/line-comments';
import { threadsByLine } from '../../views/landings/review-threads';
import { deleteSourceBranch, landPanel } from '../../services/landings/land-panel';
import { landLanding } from '../../services/landings/landing-land';
import { reviewInput, submitReview } from '../../services/landings/reviews';
import { edgeCache } from '../../services/cache/cache';
import { onPushed } from '../../services/git/after-push';
import { objectsOf } from '../../services/landings/landings';
import { errorFields } from '../../../common/log';
import { LandingListPage } from '../../views/landings/list-page';
import {
  LandingPage,
  type LandingPageProps,
  type LandingTab,
} from '../../views/landings/landing-page';
import { filesHref, type FilesState } from '../../views/landings/files-view';
import { isSplit } from '../../views/browse/diff-view';
import { landingInterdiff } from '../../services/landings/revision-interdiff';
import { reviewRequestsOf } from '../../services/landings/review-requests';
import { NewLandingPage, type NewLandingValues } from '../../views/landings/new-page';
import { formInput, formText, queryInput, queryNumber, uiPageQuery } from '../input';
import { numberOf, scope } from './issue-forms';
import { timelineOf } from './issues';
import { viewerOfIssue } from './notifications';
import { answersMentions } from '../../services/agents/comment-events';

const PER_PAGE = 25;
const listQuery = uiPageQuery.extend({
  state: z.enum(['open', 'closed', 'landed', 'all']).catch('open').default('open'),
});
const pageQuery = z.object({
  tab: z.enum(['conversation', 'commits', 'files']).catch('conversation').default('conversation'),
  revision: queryNumber('a revision number').optional(),
  // The Files tab: `rev` is `revision`; `from` (empty: the base) and `to` pick an interdiff.
  rev: queryNumber('a revision number').optional(),
  from: z.union([z.literal(''), queryNumber('a revision number')]).optional(),
  to: queryNumber('a revision number').optional(),
  diff: z.string().max(20).optional().catch(undefined),
  // An open review comment form: on `line` of `path` on `side`.
  path: z.string().max(4096).optional().catch(undefined),
  side: z.enum(['LEFT', 'RIGHT']).optional().catch(undefined),
  line: queryNumber('a line number').optional().catch(undefined),
  land_error: z.string().max(1000).optional().catch(undefined),
});
const reviewForm = z.object({
  event: z.enum(['APPROVE', 'REQUEST_CHANGES', 'COMMENT']),
  body: formText.default(''),
  commit_id: formText.optional(),
});
const landForm = z.object({
  method: z.enum(['rebase', 'merge', 'fast-forward']).default('rebase'),
  sha: formText.optional(),
});
const newQuery = z.object({
  base: z.string().max(255).default(''),
  head: z.string().max(255).default(''),
});
const newForm = z.object({
  base: formText,
  head: formText,
  title: formText.default(''),
  body: formText.default(''),
  draft: z.literal('true').optional(),
});
const stateForm = z.object({
  state: z.enum(['open', 'closed']).optional(),
  draft: z.enum(['true', 'false']).optional(),
});

/** A refusal the page shows in its land box (others answer with their own status). */
function shownOnPage(err: unknown): err is AppError {
  return (
    err instanceof AppError &&
    (err.kind === 'conflict' || err.kind === 'invalid' || err.code === 'protected_branch')
  );
}

/**
 * Runs a land-box action and goes back to the landing at `landing` (or `done`); a refusal `shown`
 * accepts goes back with its message in the land box (`?land_error=`), others propagate.
 */
export async function landBoxAction(
  c: Context<AppEnv>,
  landing: string,
  act: () => Promise<unknown>,
  opts: { done?: string; shown?: (err: unknown) => err is AppError } = {},
): Promise<Response> {
  try {
    await act();
  } catch (err) {
    if ((opts.shown ?? shownOnPage)(err)) {
      return c.redirect(`${landing}?land_error=${encodeURIComponent(err.message)}`, 303);
    }
    throw err;
  }
  return c.redirect(opts.done ?? landing, 303);
}

export async function landingScope(c: Context<AppEnv>): Promise<LandingScope> {
  return { ...(await scope(c)), env: c.env };
}

/** The review threads placed on revision `rev`, by line, with their bodies rendered. */
async function reviewThreads(
  s: LandingScope,
  number: number,
  rev: number,
  commits: ReturnType<typeof repoCommits>,
) {
  const { comments } = await lineCommentsOf(s, number, rev);
  const html = await renderIssueTexts(
    s.db,
    s.actor,
    s.repo,
    comments.map((x) => x.row.body),
    commits,
  );
  const byId = new Map(comments.map((x, k) => [x.row.id, html[k] ?? '']));
  return threadsByLine(comments, byId);
}

/** The repository's branch names, offered by the new landing form. */
async function branchesOf(s: LandingScope): Promise<string[]> {
  const { state } = await objectsOf(s);
  return state.refs
    .filter((r) => r.name.startsWith('refs/heads/'))
    .map((r) => r.name.slice('refs/heads/'.length));
}

export const landingPath = (s: LandingScope, n: number) =>
  `/${s.repo.owner_login}/${s.repo.name}/landings/${n}`;

/** The Files tab's state from the query: revision shown, interdiff start, mode, comment form. */
function filesState(q: z.output<typeof pageQuery>, shown: number): FilesState {
  const from = q.from === undefined || q.from === '' || q.from === shown ? undefined : q.from;
  const comment =
    q.path !== undefined && q.line !== undefined
      ? {
          path: q.path,
          side: q.side === 'LEFT' ? ('base' as const) : ('head' as const),
          line: q.line,
        }
      : undefined;
  return { revision: shown, from, split: isSplit(q.diff), comment };
}

export const landingPageRoutes = new Hono<AppEnv>()
  .get('/:owner/:repo/landings', async (c) => {
    const s = await landingScope(c);
    const q = queryInput(c, listQuery);
    const list = await listLandings(s, q.state, { page: q.page, perPage: PER_PAGE });
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <LandingListPage
        user={c.var.user}
        repo={s.repo}
        state={q.state}
        items={list.items}
        counts={list.counts}
        total={list.total}
        page={q.page}
        perPage={PER_PAGE}
        now={s.now.getTime()}
      />,
    );
  })
  .get('/:owner/:repo/landings/new', async (c) => {
    const s = await landingScope(c);
    const q = queryInput(c, newQuery);
    const user = c.var.user;
    const here = `/${s.repo.owner_login}/${s.repo.name}/landings/new?${new URLSearchParams(q)}`;
    if (!user) return c.redirect(`/login?next=${encodeURIComponent(here)}`, 303);
    const values: NewLandingValues = {
      base: q.base || s.repo.default_branch,
      head: q.head,
      title: '',
      body: '',
      draft: false,
    };
    return c.html(
      <NewLandingPage user={user} repo={s.repo} values={values} branches={await branchesOf(s)} />,
    );
  })
  .post('/:owner/:repo/landings/new', async (c) => {
    const s = await landingScope(c);
    const user = c.var.user;
    if (!user) return c.redirect(`/login?next=/${s.repo.owner_login}/${s.repo.name}/landings`, 303);
    const form = await formInput(c, newForm);
    const values = { ...form, draft: form.draft === 'true' };
    try {
      const landing = await createLanding(s, {
        base: form.base.trim(),
        head: form.head.trim(),
        title: form.title.trim() === '' ? undefined : form.title.trim().slice(0, 256),
        body: form.body === '' ? undefined : form.body,
        draft: values.draft,
      });
      return c.redirect(landingPath(s, landing.number), 303);
    } catch (err) {
      if (err instanceof AppError && (err.kind === 'invalid' || err.kind === 'conflict')) {
        return c.html(
          <NewLandingPage
            user={user}
            repo={s.repo}
            values={values}
            branches={await branchesOf(s)}
            error={err.message}
          />,
          400,
        );
      }
      throw err;
    }
  })
  .post('/:owner/:repo/landings/:number{[0-9]+}/state', async (c) => {
    const s = await landingScope(c);
    const n = numberOf(c);
    if (!c.var.user) return c.redirect(`/login?next=${landingPath(s, n)}`, 303);
    const form = await formInput(c, stateForm);
    await updateLanding(s, n, {
      ...(form.state ? { state: form.state } : {}),
      ...(form.draft ? { draft: form.draft === 'true' } : {}),
    });
    return c.redirect(landingPath(s, n), 303);
  })
  .post('/:owner/:repo/landings/:number{[0-9]+}/reviews', async (c) => {
    const s = await landingScope(c);
    const n = numberOf(c);
    if (!c.var.user) return c.redirect(`/login?next=${landingPath(s, n)}`, 303);
    const form = await formInput(c, reviewForm);
    const input = reviewInput.parse({
      event: form.event,
      body: form.body,
      ...(form.commit_id ? { commit_id: form.commit_id } : {}),
    });
    return landBoxAction(c, landingPath(s, n), () => submitReview(s, n, input));
  })
  .post('/:owner/:repo/landings/:number{[0-9]+}/land', async (c) => {
    const s = await landingScope(c);
    const n = numberOf(c);
    if (!c.var.user) return c.redirect(`/login?next=${landingPath(s, n)}`, 303);
    const form = await formInput(c, landForm);
    const env = c.env;
    const log = c.var.log;
    const exec = c.executionCtx;
    const cache = edgeCache((p) => exec.waitUntil(p), c.var.memory);
    const { ctx } = await objectsOf(s);
    const actorId = c.var.user.id;
    return landBoxAction(c, landingPath(s, n), () =>
      landLanding(
        s,
        n,
        { method: form.method, ...(form.sha ? { sha: form.sha } : {}) },
        {
          onPushed: (refs, head) => onPushed(env, ctx, cache, { refs, head, actorId }, log),
          onError: (e) => log.error('after land failed', errorFields(e)),
        },
      ),
    );
  })
  .post('/:owner/:repo/landings/:number{[0-9]+}/delete-branch', async (c) => {
    const s = await landingScope(c);
    const n = numberOf(c);
    if (!c.var.user) return c.redirect(`/login?next=${landingPath(s, n)}`, 303);
    await deleteSourceBranch(s, n);
    return c.redirect(landingPath(s, n), 303);
  })
  .get('/:owner/:repo/landings/:number{[0-9]+}', async (c) => {
    const s = await landingScope(c);
    const q = queryInput(c, pageQuery);
    const tab: LandingTab = q.tab;
    const n = numberOf(c);
    const wanted = q.to ?? q.revision ?? q.rev;
    const interdiffFrom = tab === 'files' && q.from ? q.from : undefined;
    const data = await landingPageData(s, n, wanted, tab === 'files' && !interdiffFrom);
    const issue = data.landing;
    const commits = repoCommits(c.env, s.repo);
    const [bodyHtml] = await renderIssueTexts(s.db, s.actor, s.repo, [issue.body], commits);
    const can = issuePermissions(s, issue);
    const manage = await mayManage(s, issue);
    const self = landingPath(s, n);
    let files: LandingPageProps['files'];
    if (tab === 'files' && data.revision) {
      const state = filesState(q, data.revision.number);
      const interdiff =
        state.from !== undefined
          ? (await landingInterdiff(s, n, state.from, state.revision)).interdiff
          : undefined;
      const userId = s.actor.user?.id;
      files = {
        state,
        diff: data.diff,
        interdiff,
        threads: await reviewThreads(s, n, data.revision.number, commits),
        canComment: can.comment,
        actions: {
          action: self,
          back: filesHref(self, { ...state, comment: undefined }),
          reply: can.comment,
          resolve: (authorId) => can.triage || (userId !== undefined && authorId === userId),
          apply:
            can.triage &&
            issue.landing_state === 'open' &&
            state.from === undefined &&
            data.revision.number === data.revisions[data.revisions.length - 1]?.number
              ? { head: data.revision.head_oid }
              : undefined,
        },
      };
    }
    const thread = await issuePageData(s, issue, false);
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <LandingPage
        user={await viewerOfIssue(c, issue.id)}
        repo={s.repo}
        landing={issue}
        bodyHtml={bodyHtml ?? ''}
        timeline={await timelineOf(s, thread, can, commits)}
        reactions={await reactionSummary(s, issue)}
        can={{ ...can, manage }}
        revisions={data.revisions}
        revision={data.revision}
        tab={tab}
        commits={data.commits}
        files={files}
        split={isSplit(q.diff)}
        requested={{
          requests: await reviewRequestsOf(s, n),
          action: self,
          manage,
          now: s.now.getTime(),
        }}
        statuses={data.statuses}
        stack={data.stack}
        land={{ ...(await landPanel(s, issue.number)), error: q.land_error }}
        now={s.now.getTime()}
        askPlue={can.comment && (await answersMentions(s.db, s.repo.id))}
      />,
    );
  });
