/**
 * The issue pages: list and search (`/{owner}/{repo}/issues?q=`), the new-issue form, and one
 * issue with its timeline; the issue's form actions are in issue-forms.ts (mounted here).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import {
  issuePermissions,
  type IssuePermissions,
  type RepoScope,
} from '../../services/issues/access';
import {
  commentHistory,
  commentOf,
  issueBodyEdits,
  issueHistory,
} from '../../services/issues/comments';
import { createIssue, getIssue, listIssues } from '../../services/issues/issues';
import { issuePageData, pinnedIssues, type IssuePageData } from '../../services/issues/page-data';
import { reactionSummary } from '../../services/issues/reaction-summary';
import {
  renderIssueTexts,
  repoCommits,
  taskProgress,
  type CommitSource,
} from '../../services/issues/render';
import { DEFAULT_QUERY } from '../../services/issues/search-query';
import { isLanding } from '../../services/landings/landings';
import { transferredTo } from '../../services/issues/transfer';
import { CommentHistoryPage } from '../../views/issues/comment-history-page';
import { IssuePage } from '../../views/issues/issue-page';
import { IssueListPage } from '../../views/issues/list-page';
import { NewIssuePage } from '../../views/issues/new-page';
import type { TimelineEntry } from '../../views/issues/timeline';
import { queryInput, uiPageQuery, formInput } from '../input';
import { issueMetaPageRoutes } from './issue-meta-pages';
import { issueForm, issueFormRoutes, issuePath, numberOf, scope } from './issue-forms';
import { viewerOfIssue, watchFormFor } from './notifications';
import { answersMentions } from '../../services/agents/comment-events';

const PER_PAGE = 25;
const listQuery = uiPageQuery.extend({ q: z.string().max(1024).optional() });

/** Comments in place of their `commented` events, with their rendered bodies (landing pages too). */
export async function timelineOf(
  s: RepoScope,
  data: IssuePageData,
  can: IssuePermissions,
  commits: () => Promise<CommitSource>,
): Promise<TimelineEntry[]> {
  const { comments, events } = data;
  const html = await renderIssueTexts(
    s.db,
    s.actor,
    s.repo,
    comments.map((x) => x.body),
    commits,
  );
  const byId = new Map(comments.map((x, k) => [x.id, { comment: x, html: html[k] ?? '' }]));
  const out: TimelineEntry[] = [];
  for (const e of events) {
    if (e.event === 'opened') continue;
    if (e.event === 'commented') {
      const hit = byId.get(String(e.data.comment_id));
      // Authors edit their own comments (while they may comment); writers edit any.
      const own = hit?.comment.author_id === s.actor.user?.id && can.comment;
      if (hit) {
        out.push({
          kind: 'comment',
          ...hit,
          at: hit.comment.created_at,
          editable: can.triage || own,
        });
      }
      continue;
    }
    out.push({ kind: 'event', event: e, at: e.created_at });
  }
  return out;
}

export const issuePageRoutes = new Hono<AppEnv>()
  .route('/', issueFormRoutes)
  .route('/', issueMetaPageRoutes)
  .get('/:owner/:repo/issues', async (c) => {
    const s = await scope(c);
    const q = queryInput(c, listQuery);
    const query = q.q ?? DEFAULT_QUERY;
    const list = await listIssues(s, query, { page: q.page, perPage: PER_PAGE });
    const pinned = q.page === 1 ? await pinnedIssues(s) : [];
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <IssueListPage
        user={c.var.user}
        repo={s.repo}
        query={query}
        items={list.items.map((x) => ({ ...x, tasks: taskProgress(x.issue.body) }))}
        pinned={pinned}
        open={list.open}
        closed={list.closed}
        total={list.total}
        page={q.page}
        perPage={PER_PAGE}
        now={s.now.getTime()}
        watch={await watchFormFor(c, s.repo.owner_login, s.repo.name)}
      />,
    );
  })
  .get('/:owner/:repo/issues/new', async (c) => {
    const s = await scope(c);
    const user = c.var.user;
    if (!user)
      return c.redirect(`/login?next=/${s.repo.owner_login}/${s.repo.name}/issues/new`, 303);
    return c.html(<NewIssuePage user={user} repo={s.repo} />);
  })
  .post('/:owner/:repo/issues/new', async (c) => {
    const s = await scope(c);
    const user = c.var.user;
    if (!user)
      return c.redirect(`/login?next=/${s.repo.owner_login}/${s.repo.name}/issues/new`, 303);
    const form = await formInput(c, issueForm);
    try {
      const issue = await createIssue(s, { title: form.title.trim(), body: form.body });
      return c.redirect(issuePath(s, issue.number), 303);
    } catch (err) {
      if (err instanceof AppError && err.kind === 'invalid') {
        return c.html(
          <NewIssuePage user={user} repo={s.repo} error={err.message} values={form} />,
          400,
        );
      }
      throw err;
    }
  })
  .get('/:owner/:repo/issues/:number{[0-9]+}/comments/:id{[0-9]+}/history', async (c) => {
    const s = await scope(c);
    const { issue, comment } = await commentOf(s, c.req.param('id'));
    if (issue.number !== numberOf(c)) {
      throw AppError.notFound('Comment not found', 'comment_not_found');
    }
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <CommentHistoryPage
        user={c.var.user}
        repo={s.repo}
        issue={issue}
        comment={comment}
        edits={await commentHistory(s, comment.id)}
        now={s.now.getTime()}
      />,
    );
  })
  .get('/:owner/:repo/issues/:number{[0-9]+}/history', async (c) => {
    const s = await scope(c);
    const { issue } = await getIssue(s, numberOf(c));
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <CommentHistoryPage
        user={c.var.user}
        repo={s.repo}
        issue={issue}
        edits={await issueHistory(s, issue.number)}
        now={s.now.getTime()}
      />,
    );
  })
  .get('/:owner/:repo/issues/:number{[0-9]+}', async (c) => {
    const s = await scope(c);
    const number = numberOf(c);
    // A landing request's number shares the counter: its page is under /landings/, as on GitHub.
    if (await isLanding(s, number))
      return c.redirect(`/${s.repo.owner_login}/${s.repo.name}/landings/${number}`, 301);
    const one = await getIssue(s, number).catch(async (err: unknown) => {
      const to =
        err instanceof AppError && err.code === 'issue_not_found'
          ? await transferredTo(s, number)
          : undefined;
      if (!to) throw err;
      return `/${to.repoPath}/issues/${to.number}`;
    });
    if (typeof one === 'string') return c.redirect(one, 301);
    const commits = repoCommits(c.env, s.repo);
    const [bodyHtml] = await renderIssueTexts(s.db, s.actor, s.repo, [one.issue.body], commits);
    const can = issuePermissions(s, one.issue);
    const data = await issuePageData(s, one.issue, can.triage);
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <IssuePage
        {...one}
        user={await viewerOfIssue(c, one.issue.id)}
        repo={s.repo}
        bodyHtml={bodyHtml ?? ''}
        bodyEdits={await issueBodyEdits(s, one.issue)}
        tasks={taskProgress(one.issue.body)}
        timeline={await timelineOf(s, data, can, commits)}
        can={can}
        labels={data.labels}
        assignable={data.assignable}
        milestones={data.milestones}
        now={s.now.getTime()}
        reactions={await reactionSummary(s, one.issue)}
        askPlue={can.comment && (await answersMentions(s.db, s.repo.id))}
      />,
    );
  });
