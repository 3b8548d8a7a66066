/**
 * Code pages: repository home, `/tree/{ref}/{path}`, `/blob/{ref}/{path}` and `/raw/{ref}/{path}`.
 * Each resolves the ref fresh, then builds everything from object-addressed cached data.
 * Raw files are never active content on our origin: HTML, SVG, XML and JS are served as plain
 * text under a sandboxing CSP with `nosniff`.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../../env';
import { AppError } from '../../../../common/errors';
import { cacheKey, cachedResponse, objectHeaders } from '../../../services/cache/cache';
import { contentTypeOf, isActiveType, isBinary } from '../../../services/browse/content';
import {
  blobView,
  fillRefBase,
  lastCommitsView,
  pathView,
} from '../../../services/browse/data-tree';
import { readBlob, splitPath } from '../../../services/browse/objects';
import { headBranch, splitRefPath } from '../../../services/browse/resolve-ref';
import { refUrl, repoBase } from '../../../views/browse/common';
import { BlobPage } from '../../../views/browse/blob-page';
import { EmptyRepoPage, LastCell, TreePage } from '../../../views/browse/tree-page';
import {
  cloneUrls,
  isFullOid,
  openBrowse,
  openBrowsePage,
  pageHeaders,
  refChoice,
  resolve,
  type Browse,
  notModifiedPage,
} from './context';

/** URL segments after `/{owner}/{repo}/{kind}/`, decoded. */
function restSegments(c: Context<AppEnv>, kind: string): string[] {
  const parts = c.req.path
    .split('/')
    .slice(4)
    .filter((s) => s !== '');
  if (c.req.path.split('/')[3] !== kind) return [];
  try {
    return parts.map(decodeURIComponent);
  } catch {
    throw AppError.invalid('Malformed URL', 'path_invalid');
  }
}

async function target(c: Context<AppEnv>, b: Browse, kind: string) {
  const seg = restSegments(c, kind);
  if (seg.length === 0) seg.push(headBranch(b.repo.state));
  const { ref, path } = splitRefPath(b.repo.state, seg);
  const resolved = await resolve(b, ref);
  return { ref, path: splitPath(path), commit: resolved.commit };
}

async function treeResponse(
  c: Context<AppEnv>,
  b: Browse,
  ref: string,
  commit: string,
  path: string[],
  home: boolean,
): Promise<Response> {
  const headers = pageHeaders(c, b, commit, !home && isFullOid(ref));
  const early = notModifiedPage(c, headers);
  if (early) return early;
  const view = await pathView(b.repo, b.cache, commit, path);
  if (!view)
    throw AppError.notFound(`${path.join('/')} does not exist at ${ref}`, 'path_not_found');
  if (view.entry.kind !== 'tree')
    return c.redirect(refUrl(b.ref, 'blob', ref, path.join('/')), 302);
  const readme = view.listing?.readme;
  return c.html(
    <TreePage
      r={b.ref}
      user={c.var.user}
      ref={ref}
      path={path}
      view={view}
      refs={refChoice(c, b)}
      clone={cloneUrls(c, b.ref)}
      now={b.now}
      home={home}
      {...(readme ? { readmeHtml: fillRefBase(readme.html, repoBase(b.ref), ref) } : {})}
    />,
    200,
    headers,
  );
}

const RAW_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox";

function rawResponse(name: string, bytes: Uint8Array<ArrayBuffer>, oid: string): Response {
  let type = contentTypeOf(name, bytes);
  if (isActiveType(type)) type = 'text/plain; charset=utf-8';
  const attachment =
    type === 'application/octet-stream' || (isBinary(bytes) && !type.startsWith('image/'));
  const safeName = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return new Response(bytes, {
    headers: {
      'Content-Type': type,
      'Content-Disposition': `${attachment ? 'attachment' : 'inline'}; filename="${safeName}"; filename*=UTF-8''${encodeURIComponent(name)}`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': RAW_CSP,
      ETag: `"${oid}"`,
      'Cache-Control': 'public, max-age=31536000, immutable',
    },
  });
}

export const codePageRoutes = new Hono<AppEnv>()
  .get('/:owner/:repo', async (c) => {
    const b = await openBrowsePage(c);
    if (b instanceof Response) return b;
    const state = b.repo.state;
    const branch = headBranch(state);
    if (!state.refs.some((r) => r.name === state.head)) {
      c.header('Cache-Control', 'no-store');
      return c.html(
        <EmptyRepoPage r={b.ref} user={c.var.user} clone={cloneUrls(c, b.ref)} branch={branch} />,
      );
    }
    const resolved = await resolve(b, branch);
    return treeResponse(c, b, branch, resolved.commit, [], true);
  })
  .get('/:owner/:repo/tree/*', async (c) => {
    const b = await openBrowsePage(c);
    if (b instanceof Response) return b;
    const t = await target(c, b, 'tree');
    return treeResponse(c, b, t.ref, t.commit, t.path, false);
  })
  .get('/:owner/:repo/blob/*', async (c) => {
    const b = await openBrowsePage(c);
    if (b instanceof Response) return b;
    const t = await target(c, b, 'blob');
    const headers = pageHeaders(c, b, t.commit, isFullOid(t.ref));
    const early = notModifiedPage(c, headers);
    if (early) return early;
    const pv = await pathView(b.repo, b.cache, t.commit, t.path);
    if (!pv || t.path.length === 0)
      throw AppError.notFound(`${t.path.join('/')} does not exist at ${t.ref}`, 'path_not_found');
    if (pv.entry.kind === 'tree')
      return c.redirect(refUrl(b.ref, 'tree', t.ref, t.path.join('/')), 302);
    if (pv.entry.kind === 'submodule')
      throw AppError.notFound('That path is a submodule', 'path_is_submodule');
    const view = await blobView(b.repo, b.cache, pv.entry.oid, t.path);
    const md =
      view.markdown === undefined
        ? {}
        : { markdownHtml: fillRefBase(view.markdown, repoBase(b.ref), t.ref) };
    return c.html(
      <BlobPage
        r={b.ref}
        user={c.var.user}
        ref={t.ref}
        path={t.path}
        commit={pv.commit}
        blobOid={pv.entry.oid}
        view={view}
        refs={refChoice(c, b)}
        plain={c.req.query('plain') === '1'}
        now={b.now}
        {...md}
      />,
      200,
      headers,
    );
  })
  .get('/:owner/:repo/last-commits/:commit', async (c) => {
    // The last-commit cells of a directory's older entries, for the tree page to fill in.
    const b = await openBrowse(c);
    const sha = c.req.param('commit');
    if (!isFullOid(sha)) throw AppError.notFound('Not a commit id', 'commit_not_found');
    const { commit } = await resolve(b, sha);
    const path = splitPath(c.req.query('path') ?? '');
    const last = await lastCommitsView(b.repo, b.cache, commit, path);
    const now = Date.now();
    const cells: Record<string, string> = {};
    for (const [name, oid] of Object.entries(last.entries)) {
      cells[name] = String(await (<LastCell r={b.ref} c={last.commits[oid]} now={now} />));
    }
    c.header('Cache-Control', b.repo.shared ? 'public, max-age=60' : 'private, no-store');
    return c.json({ complete: last.complete, cells });
  })
  .get('/:owner/:repo/raw/*', async (c) => {
    const b = await openBrowse(c);
    const t = await target(c, b, 'raw');
    const pv = await pathView(b.repo, b.cache, t.commit, t.path);
    if (!pv || pv.entry.kind === 'tree' || pv.entry.kind === 'submodule' || t.path.length === 0) {
      throw AppError.notFound(`${t.path.join('/')} is not a file at ${t.ref}`, 'path_not_found');
    }
    const oid = pv.entry.oid;
    const name = t.path[t.path.length - 1] ?? 'file';
    const key = cacheKey(b.repo.row.id, 'raw', oid, name);
    const res = await cachedResponse(
      b.cache,
      key,
      b.repo.shared,
      c.req.header('If-None-Match'),
      async () =>
        rawResponse(name, (await readBlob(b.repo.reader, oid)) as Uint8Array<ArrayBuffer>, oid),
    );
    // The stored copy is immutable; what this URL may be cached as depends on how it was addressed.
    const h = objectHeaders(oid, { shared: b.repo.shared, immutable: isFullOid(t.ref) });
    const out = new Response(res.body, res);
    out.headers.set('Cache-Control', h['Cache-Control'] ?? 'no-store');
    return out;
  });
