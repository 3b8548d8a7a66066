/**
 * Commit history over the API: `commits?sha=&path=&page=&per_page=` (with `Link` next/prev),
 * `commits/{ref}` (with files, stats and patches) and `compare/{base}...{head}`. Refs resolve
 * fresh; the data behind them is cached by commit id, and the ETag is that id.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { notModified, objectHeaders } from '../../services/cache/cache';
import { commitView, compareView, logView } from '../../services/browse/data-history';
import { splitPath } from '../../services/browse/objects';
import { headBranch } from '../../services/browse/resolve-ref';
import { publicRequestUrl } from '../../services/platform/public-url';
import { isFullOid, openBrowse, resolve, type Browse } from '../pages/browse/context';
import { urlsOf } from './git-data';
import { commitJson, fileJson } from './git-shapes';
import { pageOf } from './request';

const BASE = '/repos/:owner/:repo';

/** ETag/Cache-Control for data about `oid`, or a 304 if the client has it. */
function validate(c: Context<AppEnv>, b: Browse, oid: string, immutable: boolean) {
  const headers = objectHeaders(oid, { shared: b.repo.shared, immutable });
  for (const [k, v] of Object.entries(headers)) c.header(k, v);
  return notModified(c.req.header('If-None-Match'), headers);
}

function setPageLinks(
  c: Context<AppEnv>,
  page: { page: number; perPage: number },
  hasMore: boolean,
) {
  const link = (p: number, rel: string) => {
    const u = publicRequestUrl(c.env, c.req.url);
    u.searchParams.set('page', String(p));
    u.searchParams.set('per_page', String(page.perPage));
    return `<${u.toString()}>; rel="${rel}"`;
  };
  const parts: string[] = [];
  if (hasMore) parts.push(link(page.page + 1, 'next'));
  if (page.page > 1) parts.push(link(1, 'first'), link(page.page - 1, 'prev'));
  if (parts.length > 0) c.header('Link', parts.join(', '));
}

export const commitRoutes = new Hono<AppEnv>()
  .get(`${BASE}/commits`, async (c) => {
    const b = await openBrowse(c);
    const ref = c.req.query('sha') || headBranch(b.repo.state);
    const resolved = await resolve(b, ref);
    const path = splitPath(c.req.query('path') ?? '');
    const page = pageOf(c);
    const early = validate(c, b, resolved.commit, false);
    if (early) return early;
    const log = await logView(b.repo, b.cache, resolved.commit, path, page.page, page.perPage);
    setPageLinks(c, page, log.hasMore);
    const u = urlsOf(c, b);
    return c.json(log.commits.map((x) => commitJson(x, u)));
  })
  .get(`${BASE}/commits/:ref{.+}`, async (c) => {
    const b = await openBrowse(c);
    const ref = c.req.param('ref');
    const resolved = await resolve(b, ref);
    const early = validate(c, b, resolved.commit, isFullOid(ref));
    if (early) return early;
    const view = await commitView(b.repo, b.cache, resolved.commit);
    const u = urlsOf(c, b);
    return c.json({
      ...commitJson(view.commit, u),
      stats: {
        additions: view.diff.additions,
        deletions: view.diff.deletions,
        total: view.diff.additions + view.diff.deletions,
      },
      files: view.diff.files.map((f) => fileJson(f, u, view.commit.oid)),
    });
  })
  .get(`${BASE}/compare/:spec{.+}`, async (c) => {
    const b = await openBrowse(c);
    const m = /^(.+?)\.\.\.?(.+)$/.exec(c.req.param('spec'));
    if (!m?.[1] || !m[2])
      throw AppError.invalid('Compare two refs as base...head', 'compare_invalid');
    const base = await resolve(b, m[1]);
    const head = await resolve(b, m[2]);
    const etag = `${base.commit}...${head.commit}`;
    const early = validate(c, b, etag, isFullOid(m[1]) && isFullOid(m[2]));
    if (early) return early;
    const v = await compareView(b.repo, b.cache, base.commit, head.commit);
    const u = urlsOf(c, b);
    const status =
      v.aheadBy === 0 && v.behindBy === 0
        ? 'identical'
        : v.behindBy === 0
          ? 'ahead'
          : v.aheadBy === 0
            ? 'behind'
            : 'diverged';
    const baseCommit = await commitView(b.repo, b.cache, base.commit);
    const mb = v.mergeBase ? await commitView(b.repo, b.cache, v.mergeBase) : undefined;
    return c.json({
      url: `${u.api}/compare/${m[1]}...${m[2]}`,
      html_url: `${u.html}/compare/${m[1]}...${m[2]}`,
      base_commit: commitJson(baseCommit.commit, u),
      merge_base_commit: mb ? commitJson(mb.commit, u) : null,
      status,
      ahead_by: v.aheadBy,
      behind_by: v.behindBy,
      total_commits: v.aheadBy,
      commits: v.commits.map((x) => commitJson(x, u)),
      files: v.diff.files.map((f) => fileJson(f, u, head.commit)),
    });
  });
