/**
 * History pages: `/commits/{ref}` (paginated, `?path=`), `/commit/{sha}`, `/compare` (ref pickers) and
 * `/compare/{base}...{head}`,
 * `/branches`, `/tags` and the jj change page `/change/{change_id}` with its interdiff.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../../env';
import { AppError } from '../../../../common/errors';
import {
  branchDivergence,
  changeView,
  commitView,
  compareView,
  logView,
  refsView,
} from '../../../services/browse/data-history';
import { splitPath } from '../../../services/browse/objects';
import { queryInput, uiPageQuery } from '../../input';
import { headBranch, splitRefPath } from '../../../services/browse/resolve-ref';
import { ChangePage, CommitPage, CommitsPage } from '../../../views/browse/history-pages';
import { ComparePage, CompareStartPage, RefsPage } from '../../../views/browse/compare-refs-pages';
import { enc, repoBase } from '../../../views/browse/common';
import { isSplit } from '../../../views/browse/diff-view';
import {
  isFullOid,
  notModifiedPage,
  openBrowse,
  openBrowsePage,
  pageHeaders,
  resolve,
  type Browse,
} from './context';

const PER_PAGE = 30;

function pageParam(c: Context<AppEnv>): number {
  return queryInput(c, uiPageQuery).page;
}

function decoded(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw AppError.invalid('Malformed URL', 'path_invalid');
  }
}

/** Branch and tag names, for the compare picker's suggestions. */
function refNames(b: Browse): string[] {
  return b.repo.state.refs
    .filter((r) => /^refs\/(heads|tags)\//.test(r.name))
    .map((r) => r.name.replace(/^refs\/(heads|tags)\//, ''));
}

/** `?diff=split` and the page's own path and query, for the Unified / Split links. */
function diffMode(c: Context<AppEnv>): { split: boolean; here: string } {
  const u = new URL(c.req.url);
  return { split: isSplit(c.req.query('diff')), here: `${u.pathname}${u.search}` };
}

export const historyPageRoutes = new Hono<AppEnv>()
  .get('/:owner/:repo/commits/*', async (c) => {
    const b = await openBrowsePage(c);
    if (b instanceof Response) return b;
    const seg = c.req.path
      .split('/')
      .slice(4)
      .filter((s) => s !== '')
      .map(decoded);
    const ref = seg.length === 0 ? headBranch(b.repo.state) : splitRefPath(b.repo.state, seg).ref;
    const resolved = await resolve(b, ref);
    const pathStr = c.req.query('path') ?? '';
    const path = splitPath(pathStr);
    const page = pageParam(c);
    const headers = pageHeaders(c, b, resolved.commit, isFullOid(ref));
    const early = notModifiedPage(c, headers);
    if (early) return early;
    const log = await logView(b.repo, b.cache, resolved.commit, path, page, PER_PAGE);
    return c.html(
      <CommitsPage
        r={b.ref}
        user={c.var.user}
        ref={ref}
        path={path.join('/')}
        commits={log.commits}
        page={page}
        hasMore={log.hasMore}
        now={b.now}
      />,
      200,
      headers,
    );
  })
  .get('/:owner/:repo/commits', (c) => c.redirect(`${c.req.path}/HEAD`, 302))
  .get('/:owner/:repo/commit/:sha', async (c) => {
    const b = await openBrowsePage(c);
    if (b instanceof Response) return b;
    const resolved = await resolve(b, c.req.param('sha'));
    const headers = pageHeaders(c, b, resolved.commit, isFullOid(c.req.param('sha')));
    const early = notModifiedPage(c, headers);
    if (early) return early;
    const view = await commitView(b.repo, b.cache, resolved.commit);
    return c.html(
      <CommitPage r={b.ref} user={c.var.user} view={view} now={b.now} mode={diffMode(c)} />,
      200,
      headers,
    );
  })
  .get('/:owner/:repo/compare', async (c) => {
    const b = await openBrowse(c);
    const base = c.req.query('base')?.trim();
    const head = c.req.query('head')?.trim();
    if (base && head) {
      return c.redirect(`${repoBase(b.ref)}/compare/${enc(base)}...${enc(head)}`, 302);
    }
    const refs = await refsView(b.repo, b.cache);
    const defaultBranch = headBranch(b.repo.state);
    const other = refs.branches.find((e) => e.name !== defaultBranch)?.name ?? defaultBranch;
    c.header(
      'Cache-Control',
      b.repo.shared ? 'public, max-age=0, must-revalidate' : 'private, no-store',
    );
    return c.html(
      <CompareStartPage
        r={b.ref}
        user={c.var.user}
        base={base || defaultBranch}
        head={head || other}
        refs={refNames(b)}
      />,
    );
  })
  .get('/:owner/:repo/compare/*', async (c) => {
    const b = await openBrowsePage(c);
    if (b instanceof Response) return b;
    const spec = decoded(c.req.path.split('/').slice(4).join('/'));
    const m = /^(.+?)\.\.\.?(.+)$/.exec(spec);
    if (!m?.[1] || !m[2])
      throw AppError.invalid('Compare two refs as base...head', 'compare_invalid');
    const [base, head] = [await resolve(b, m[1]), await resolve(b, m[2])];
    const headers = pageHeaders(
      c,
      b,
      `${base.commit}.${head.commit}`,
      isFullOid(m[1]) && isFullOid(m[2]),
    );
    const early = notModifiedPage(c, headers);
    if (early) return early;
    const view = await compareView(b.repo, b.cache, base.commit, head.commit);
    // A page pinned to two commit ids is cached without the refs: it suggests none.
    const pinned = isFullOid(m[1]) && isFullOid(m[2]);
    return c.html(
      <ComparePage
        r={b.ref}
        user={c.var.user}
        base={m[1]}
        head={m[2]}
        view={view}
        refs={pinned ? undefined : refNames(b)}
        now={b.now}
        mode={diffMode(c)}
      />,
      200,
      headers,
    );
  })
  .get('/:owner/:repo/:kind{branches|tags}', async (c) => {
    const kind = c.req.param('kind') === 'tags' ? 'tags' : 'branches';
    const b = await openBrowse(c);
    const refs = await refsView(b.repo, b.cache);
    const head = headBranch(b.repo.state);
    const headOid = refs.branches.find((e) => e.name === head)?.commit?.oid;
    // Ahead/behind for the most recent branches (the list is newest first).
    const divergence =
      kind === 'branches' && headOid
        ? await branchDivergence(b.repo, b.cache, headOid, refs.branches.slice(0, 100))
        : {};
    c.header(
      'Cache-Control',
      b.repo.shared ? 'public, max-age=0, must-revalidate' : 'private, no-store',
    );
    return c.html(
      <RefsPage
        r={b.ref}
        user={c.var.user}
        kind={kind}
        refs={refs[kind]}
        head={head}
        divergence={divergence}
        now={b.now}
      />,
    );
  })
  .get('/:owner/:repo/change/:id', async (c) => {
    const b = await openBrowse(c);
    const id = c.req.param('id');
    if (!/^[k-z]{32}$/.test(id)) throw AppError.notFound('Not a jj change id', 'change_not_found');
    const pick: { from?: string; to?: string } = {};
    const from = c.req.query('from');
    const to = c.req.query('to');
    if (from && isFullOid(from)) pick.from = from;
    if (to && isFullOid(to)) pick.to = to;
    const view = await changeView(b.repo, b.cache, id, pick);
    if (view.versions.length === 0)
      throw AppError.notFound(`No commit carries change ${id}`, 'change_not_found');
    c.header(
      'Cache-Control',
      b.repo.shared ? 'public, max-age=0, must-revalidate' : 'private, no-store',
    );
    const branches = b.repo.state.refs
      .filter((r) => r.name.startsWith('refs/heads/'))
      .map((r) => r.name.slice('refs/heads/'.length));
    return c.html(
      <ChangePage
        r={b.ref}
        user={c.var.user}
        view={view}
        now={b.now}
        openLanding={{ base: headBranch(b.repo.state), branches }}
      />,
    );
  });
