/**
 * Issues over the API in GitHub's shapes and status codes: list (GitHub's parameters, or `q`
 * with search qualifiers) with `Link` pagination, create, read, update, delete (admins), lock,
 * pin, timeline and edit history. Comments, reactions, labels and milestones are in sibling
 * files. Every handler authorises through the issue access rules (services/issues/access.ts).
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { publicOrigin } from '../../services/platform/public-url';
import type { RepoScope } from '../../services/issues/access';
import {
  createIssue,
  deleteIssue,
  getIssue,
  listIssues,
  setLocked,
  setPinned,
  updateIssue,
} from '../../services/issues/issues';
import { issueHistory, timelineOf } from '../../services/issues/comments';
import { milestoneNumbered } from '../../services/issues/issue-meta';
import {
  createIssueInput,
  lockInput,
  transferInput,
  updateIssueInput,
} from '../../services/issues/inputs';
import { transferIssue, transferredTo } from '../../services/issues/transfer';
import { AppError } from '../../../common/errors';
import { eventView, issueView } from '../../services/issues/views';
import { jsonInput, optionalJsonInput, queryInput } from '../input';
import { bodiesHtml, pathNumber, scopeOf } from './issue-request';
import { pageOf, setLinkHeader } from './request';

const quote = (v: string) => `"${v.replace(/"/g, '')}"`;

const listQuery = z.object({
  q: z.string().max(1024).optional(),
  state: z
    .enum(['open', 'closed', 'all'], { error: 'must be open, closed or all' })
    .default('open'),
  labels: z.string().max(1024).optional(),
  assignee: z.string().max(100).optional(),
  creator: z.string().max(100).optional(),
  mentioned: z.string().max(100).optional(),
  milestone: z.string().max(100).optional(),
  sort: z
    .enum(['created', 'updated', 'comments'], { error: 'must be created, updated or comments' })
    .default('created'),
  direction: z.enum(['asc', 'desc'], { error: 'must be asc or desc' }).default('desc'),
});

/** GitHub's list parameters as one search query (or `q` itself when given). */
async function queryOf(s: RepoScope, q: z.output<typeof listQuery>): Promise<string> {
  if (q.q !== undefined) return q.q;
  const parts: string[] = [];
  if (q.state !== 'all') parts.push(`is:${q.state}`);
  for (const l of (q.labels ?? '').split(',').filter((x) => x.trim() !== '')) {
    parts.push(`label:${quote(l.trim())}`);
  }
  if (q.assignee === 'none') parts.push('no:assignee');
  else if (q.assignee !== undefined && q.assignee !== '*')
    parts.push(`assignee:${quote(q.assignee)}`);
  if (q.creator !== undefined) parts.push(`author:${quote(q.creator)}`);
  if (q.mentioned !== undefined) parts.push(`mentions:${quote(q.mentioned)}`);
  if (q.milestone === 'none') parts.push('no:milestone');
  else if (q.milestone !== undefined && /^\d{1,9}$/.test(q.milestone)) {
    const m = await milestoneNumbered(s, Number(q.milestone));
    parts.push(`milestone:${quote(m?.title ?? '\u0000none')}`);
  }
  parts.push(`sort:${q.sort}-${q.direction}`);
  return parts.join(' ');
}

async function oneIssue(c: Context<AppEnv>, s: RepoScope, number: number) {
  const { issue, extras } = await getIssue(s, number);
  const [bodyHtml] = await bodiesHtml(c, s, [issue.body]);
  return issueView(issue, { ...extras, bodyHtml }, publicOrigin(c.env), s.repo);
}

export const issueRoutes = new Hono<AppEnv>()
  .get('/repos/:owner/:repo/issues', async (c) => {
    const s = await scopeOf(c);
    const page = pageOf(c);
    const list = await listIssues(s, await queryOf(s, queryInput(c, listQuery)), page);
    setLinkHeader(c, page, list.total);
    c.header('X-Open-Count', String(list.open));
    c.header('X-Closed-Count', String(list.closed));
    const html = await bodiesHtml(
      c,
      s,
      list.items.map((i) => i.issue.body),
    );
    return c.json(
      list.items.map(({ issue, extras }, k) =>
        issueView(issue, { ...extras, bodyHtml: html[k] }, publicOrigin(c.env), s.repo),
      ),
    );
  })
  .post('/repos/:owner/:repo/issues', async (c) => {
    const s = await scopeOf(c);
    const issue = await createIssue(s, await jsonInput(c, createIssueInput));
    c.header(
      'Location',
      `${publicOrigin(c.env)}/api/v1/repos/${s.repo.owner_login}/${s.repo.name}/issues/${issue.number}`,
    );
    return c.json(await oneIssue(c, s, issue.number), 201);
  })
  .get('/repos/:owner/:repo/issues/:number{[0-9]+}', async (c) => {
    const s = await scopeOf(c);
    const number = pathNumber(c, 'number');
    try {
      return c.json(await oneIssue(c, s, number));
    } catch (err) {
      // A transferred issue answers 301 to its new address, as GitHub does.
      const moved = err instanceof AppError && err.code === 'issue_not_found';
      const to = moved ? await transferredTo(s, number) : undefined;
      if (!to) throw err;
      return c.redirect(
        `${publicOrigin(c.env)}/api/v1/repos/${to.repoPath}/issues/${to.number}`,
        301,
      );
    }
  })
  .post('/repos/:owner/:repo/issues/:number{[0-9]+}/transfer', async (c) => {
    const s = await scopeOf(c);
    const { new_repository } = await jsonInput(c, transferInput);
    const moved = await transferIssue(s, pathNumber(c, 'number'), new_repository);
    const [owner = '', repo = ''] = moved.repoPath.split('/');
    const target = await scopeOf(c, owner, repo);
    return c.json(await oneIssue(c, target, moved.issue.number), 201);
  })
  .patch('/repos/:owner/:repo/issues/:number{[0-9]+}', async (c) => {
    const s = await scopeOf(c);
    const issue = await updateIssue(
      s,
      pathNumber(c, 'number'),
      await jsonInput(c, updateIssueInput),
    );
    return c.json(await oneIssue(c, s, issue.number));
  })
  .delete('/repos/:owner/:repo/issues/:number{[0-9]+}', async (c) => {
    const s = await scopeOf(c);
    await deleteIssue(s, pathNumber(c, 'number'));
    return c.body(null, 204);
  })
  .put('/repos/:owner/:repo/issues/:number{[0-9]+}/lock', async (c) => {
    const s = await scopeOf(c);
    const body = await optionalJsonInput(c, lockInput);
    await setLocked(s, pathNumber(c, 'number'), true, body.lock_reason);
    return c.body(null, 204);
  })
  .delete('/repos/:owner/:repo/issues/:number{[0-9]+}/lock', async (c) => {
    const s = await scopeOf(c);
    await setLocked(s, pathNumber(c, 'number'), false);
    return c.body(null, 204);
  })
  .put('/repos/:owner/:repo/issues/:number{[0-9]+}/pin', async (c) => {
    const s = await scopeOf(c);
    await setPinned(s, pathNumber(c, 'number'), true);
    return c.body(null, 204);
  })
  .delete('/repos/:owner/:repo/issues/:number{[0-9]+}/pin', async (c) => {
    const s = await scopeOf(c);
    await setPinned(s, pathNumber(c, 'number'), false);
    return c.body(null, 204);
  })
  .get('/repos/:owner/:repo/issues/:number{[0-9]+}/timeline', async (c) => {
    const s = await scopeOf(c);
    const page = pageOf(c);
    const { events, total } = await timelineOf(s, pathNumber(c, 'number'), page);
    setLinkHeader(c, page, total);
    return c.json(events.map(eventView));
  })
  .get('/repos/:owner/:repo/issues/:number{[0-9]+}/events', async (c) => {
    const s = await scopeOf(c);
    const page = pageOf(c);
    const { events, total } = await timelineOf(s, pathNumber(c, 'number'), page, true);
    setLinkHeader(c, page, total);
    return c.json(events.map(eventView));
  })
  .get('/repos/:owner/:repo/issues/:number{[0-9]+}/history', async (c) => {
    const s = await scopeOf(c);
    const edits = await issueHistory(s, pathNumber(c, 'number'));
    return c.json(
      edits.map((e) => ({
        id: Number(e.id),
        editor: e.editor_login,
        body: e.body_before,
        created_at: new Date(e.created_at).toISOString(),
      })),
    );
  });
