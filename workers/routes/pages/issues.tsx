/**
 * The issue pages: list and search (`/{owner}/{repo}/issues?q=`), the new-issue form, and one
 * issue with its timeline. Every form posts to a path under the issue and is answered with a
 * 303 back to the issue page (POST→redirect→GET); the same-origin check of middleware/csrf.ts
 * covers them, and the services apply the same rules as the API.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { assignableUsers, listLabels, listMilestones } from '../../../db/queries/issue-meta';
import { listComments } from '../../../db/queries/issue-comments';
import { listIssueEvents } from '../../../db/queries/issue-events';
import { listPinned } from '../../../db/queries/issues';
import { AppError } from '../../../common/errors';
import { issueOf, issuePermissions, repoScope, type RepoScope } from '../../services/issues/access';
import { createComment } from '../../services/issues/comments';
import { applyAssignees, applyLabels } from '../../services/issues/issue-meta';
import {
  createIssue,
  deleteIssue,
  getIssue,
  listIssues,
  setLocked,
  setPinned,
  updateIssue,
  withExtras,
} from '../../services/issues/issues';
import { renderIssueTexts, taskProgress } from '../../services/issues/render';
import { transferIssue, transferredTo } from '../../services/issues/transfer';
import { DEFAULT_QUERY } from '../../services/issues/search-query';
import { IssuePage } from '../../views/issues/issue-page';
import { IssueListPage } from '../../views/issues/list-page';
import { NewIssuePage } from '../../views/issues/new-page';
import type { TimelineEntry } from '../../views/issues/timeline';
import { actorOf } from '../api/request';
import { formInput, formText, queryInput, uiPageQuery } from '../input';

const PER_PAGE = 25;
const listQuery = uiPageQuery.extend({ q: z.string().max(1024).optional() });
const newIssueForm = z.object({ title: formText.default(''), body: formText.default('') });
const commentForm = z.object({ body: formText });
const stateForm = z.object({
  state_reason: z.enum(['completed', 'not_planned', 'reopened'], {
    error: 'must be completed, not_planned or reopened',
  }),
});
/** A checkbox list: absent (none ticked), one value, or many. */
const ticked = z
  .union([formText, z.array(formText)])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));
const lockForm = z.object({
  locked: z.enum(['true', 'false']),
  lock_reason: z.enum(['', 'off-topic', 'too heated', 'resolved', 'spam']).default(''),
});

const scope = (c: Context<AppEnv>) =>
  repoScope(
    c.var.db,
    actorOf(c),
    c.req.param('owner') ?? '',
    c.req.param('repo') ?? '',
    new Date(),
  );

function numberOf(c: Context<AppEnv>): number {
  const raw = c.req.param('number') ?? '';
  if (!/^\d{1,9}$/.test(raw)) throw AppError.notFound('Issue not found', 'issue_not_found');
  return Number(raw);
}

const issuePath = (s: RepoScope, n: number) => `/${s.repo.owner_login}/${s.repo.name}/issues/${n}`;

/** Runs a form action on an issue, then redirects back to it; anonymous users go to sign in. */
function issueAction(run: (c: Context<AppEnv>, s: RepoScope, n: number) => Promise<string | void>) {
  return async (c: Context<AppEnv>) => {
    const s = await scope(c);
    const n = numberOf(c);
    if (!c.var.user) return c.redirect(`/login?next=${encodeURIComponent(issuePath(s, n))}`, 303);
    const to = await run(c, s, n);
    return c.redirect(to ?? issuePath(s, n), 303);
  };
}

async function timelineOf(s: RepoScope, issueId: string): Promise<TimelineEntry[]> {
  const comments = (await listComments(s.db, issueId, { limit: 500, offset: 0 })).rows;
  const events = await listIssueEvents(s.db, issueId, s.actor.user?.id ?? null, {
    limit: 1000,
    offset: 0,
  });
  const html = await renderIssueTexts(
    s.db,
    s.actor,
    s.repo,
    comments.map((x) => x.body),
  );
  const byId = new Map(comments.map((x, k) => [x.id, { comment: x, html: html[k] ?? '' }]));
  const out: TimelineEntry[] = [];
  for (const e of events) {
    if (e.event === 'opened') continue;
    if (e.event === 'commented') {
      const hit = byId.get(String(e.data.comment_id));
      if (hit) out.push({ kind: 'comment', ...hit, at: hit.comment.created_at });
      continue;
    }
    out.push({ kind: 'event', event: e, at: e.created_at });
  }
  return out;
}

export const issuePageRoutes = new Hono<AppEnv>()
  .get('/:owner/:repo/issues', async (c) => {
    const s = await scope(c);
    const q = queryInput(c, listQuery);
    const query = q.q ?? DEFAULT_QUERY;
    const list = await listIssues(s, query, { page: q.page, perPage: PER_PAGE });
    const pinned =
      q.page === 1 ? await withExtras(s.db, s.repo.id, await listPinned(s.db, s.repo.id)) : [];
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
    const form = await formInput(c, newIssueForm);
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
  .get('/:owner/:repo/issues/:number{[0-9]+}', async (c) => {
    const s = await scope(c);
    const number = numberOf(c);
    const one = await getIssue(s, number).catch(async (err: unknown) => {
      const to =
        err instanceof AppError && err.code === 'issue_not_found'
          ? await transferredTo(s, number)
          : undefined;
      if (!to) throw err;
      return `/${to.repoPath}/issues/${to.number}`;
    });
    if (typeof one === 'string') return c.redirect(one, 301);
    const [bodyHtml] = await renderIssueTexts(s.db, s.actor, s.repo, [one.issue.body]);
    const can = issuePermissions(s, one.issue);
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <IssuePage
        {...one}
        user={c.var.user}
        repo={s.repo}
        bodyHtml={bodyHtml ?? ''}
        tasks={taskProgress(one.issue.body)}
        timeline={await timelineOf(s, one.issue.id)}
        can={can}
        labels={can.triage ? await listLabels(s.db, s.repo.id) : []}
        assignable={can.triage ? await assignableUsers(s.db, s.repo.id) : []}
        milestones={can.triage ? await listMilestones(s.db, s.repo.id, 'open') : []}
        now={s.now.getTime()}
      />,
    );
  })
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/comments',
    issueAction(async (c, s, n) => {
      const { body } = await formInput(c, commentForm);
      if (body.trim() === '') throw AppError.invalid('body: must not be empty', 'body_invalid');
      const { comment } = await createComment(s, n, body);
      return `${issuePath(s, n)}#issuecomment-${comment.id}`;
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/state',
    issueAction(async (c, s, n) => {
      const { state_reason } = await formInput(c, stateForm);
      await updateIssue(s, n, {
        state: state_reason === 'reopened' ? 'open' : 'closed',
        state_reason,
      });
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/labels',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ labels: ticked }));
      await applyLabels(s, await issueOf(s, n), form.labels, 'set');
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/assignees',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ assignees: ticked }));
      await applyAssignees(s, await issueOf(s, n), form.assignees, 'set');
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/milestone',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ milestone: formText.default('') }));
      const m = form.milestone;
      if (m !== '' && !/^\d{1,9}$/.test(m)) {
        throw AppError.invalid('milestone: must be a milestone number', 'milestone_invalid');
      }
      await updateIssue(s, n, { milestone: m === '' ? null : Number(m) });
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/lock',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, lockForm);
      const reason = form.lock_reason === '' ? undefined : form.lock_reason;
      await setLocked(s, n, form.locked === 'true', reason);
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/pin',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ pinned: z.enum(['true', 'false']) }));
      await setPinned(s, n, form.pinned === 'true');
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/transfer',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ new_repository: formText.default('') }));
      const moved = await transferIssue(s, n, form.new_repository.trim());
      return `/${moved.repoPath}/issues/${moved.issue.number}`;
    }),
  )
  .post(
    '/:owner/:repo/issues/:number{[0-9]+}/delete',
    issueAction(async (c, s, n) => {
      const form = await formInput(c, z.object({ confirm: formText.default('') }));
      if (form.confirm.trim() !== String(n)) {
        throw AppError.invalid(`confirm: type ${n} to delete this issue`, 'confirm_invalid');
      }
      await deleteIssue(s, n);
      return `/${s.repo.owner_login}/${s.repo.name}/issues`;
    }),
  );
