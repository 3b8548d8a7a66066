/**
 * `contents/{path}?ref=` (GitHub's shape: a file with base64 content, sha and size, or a
 * directory's entries), the `branches` and `tags` lists with `Link` pagination, and the
 * `tarball`/`zipball` archives (archive.ts). The ref resolves fresh; the ETag is the object the
 * answer is about.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { cacheKey, cachedJson, notModified, objectHeaders } from '../../services/cache/cache';
import { refsView } from '../../services/browse/data-history';
import { pathView } from '../../services/browse/data-tree';
import { objectSize, readBlob, splitPath } from '../../services/browse/objects';
import { headBranch } from '../../services/browse/resolve-ref';
import { ruleFor } from '../../services/repos/branch-protection';
import { protectionRules } from '../../services/repos/branch-protection-store';
import { archiveResponse } from '../pages/browse/archive';
import { isFullOid, openBrowse, resolve, type Browse } from '../pages/browse/context';
import { base64, urlsOf } from './git-data';
import { pageOf, setLinkHeader } from './request';

const BASE = '/repos/:owner/:repo';

function typeOf(kind: string): string {
  return kind === 'tree' ? 'dir' : kind === 'blob' ? 'file' : kind;
}

async function contents(c: Context<AppEnv>, b: Browse, rawPath: string): Promise<Response> {
  const ref = c.req.query('ref') || headBranch(b.repo.state);
  const resolved = await resolve(b, ref);
  const path = splitPath(rawPath);
  const pv = await pathView(b.repo, b.cache, resolved.commit, path);
  if (!pv) throw AppError.notFound(`${path.join('/')} does not exist at ${ref}`, 'path_not_found');
  const headers = objectHeaders(pv.entry.oid, { shared: b.repo.shared, immutable: isFullOid(ref) });
  const early = notModified(c.req.header('If-None-Match'), headers);
  if (early) return early;
  const u = urlsOf(c, b);
  const pathStr = path.join('/');
  const entryJson = (name: string, p: string, kind: string, oid: string, size: number) => ({
    type: typeOf(kind),
    name,
    path: p,
    sha: oid,
    size,
    url: `${u.api}/contents/${p}?ref=${encodeURIComponent(ref)}`,
    html_url: `${u.html}/${kind === 'tree' ? 'tree' : 'blob'}/${ref}/${p}`,
    git_url: kind === 'tree' ? `${u.api}/git/trees/${oid}` : `${u.api}/git/blobs/${oid}`,
    download_url: kind === 'blob' ? `${u.html}/raw/${ref}/${p}` : null,
  });
  if (pv.entry.kind === 'tree') {
    // Sizes come from the objects' headers (no blob is inflated); cached by the tree id.
    const key = cacheKey(b.repo.row.id, 'sizes', pv.entry.oid);
    const entries = pv.listing?.entries ?? [];
    const sizes = await cachedJson(b.cache, key, b.repo.shared, async () => {
      const out: Record<string, number> = {};
      for (const e of entries) {
        if (e.kind === 'blob' || e.kind === 'symlink')
          out[e.name] = await objectSize(b.repo.reader, e.oid);
      }
      return out;
    });
    const body = entries.map((e) =>
      entryJson(
        e.name,
        pathStr ? `${pathStr}/${e.name}` : e.name,
        e.kind,
        e.oid,
        sizes[e.name] ?? 0,
      ),
    );
    return c.json(body, 200, headers);
  }
  if (pv.entry.kind === 'submodule') {
    return c.json(
      entryJson(path[path.length - 1] ?? '', pathStr, 'submodule', pv.entry.oid, 0),
      200,
      headers,
    );
  }
  const bytes = await readBlob(b.repo.reader, pv.entry.oid);
  return c.json(
    {
      ...entryJson(path[path.length - 1] ?? '', pathStr, pv.entry.kind, pv.entry.oid, bytes.length),
      encoding: 'base64',
      content: base64(bytes),
    },
    200,
    headers,
  );
}

async function refList(c: Context<AppEnv>, kind: 'branches' | 'tags'): Promise<Response> {
  const b = await openBrowse(c);
  const refs = (await refsView(b.repo, b.cache))[kind];
  const page = pageOf(c);
  setLinkHeader(c, page, refs.length);
  c.header(
    'Cache-Control',
    b.repo.shared ? 'public, max-age=0, must-revalidate' : 'private, no-store',
  );
  const u = urlsOf(c, b);
  const slice = refs.slice((page.page - 1) * page.perPage, page.page * page.perPage);
  const rules = kind === 'branches' ? await protectionRules(c.var.db, b.repo.row.id) : [];
  return c.json(
    slice.map((r) => {
      const sha = r.commit?.oid ?? r.oid;
      const commit = { sha, url: `${u.api}/commits/${sha}` };
      return kind === 'branches'
        ? { name: r.name, commit, protected: ruleFor(rules, r.name) !== undefined }
        : { name: r.name, commit, node_id: r.oid };
    }),
  );
}

export const contentRoutes = new Hono<AppEnv>()
  .get(`${BASE}/contents`, async (c) => contents(c, await openBrowse(c), ''))
  .get(`${BASE}/contents/:path{.+}`, async (c) =>
    contents(c, await openBrowse(c), c.req.param('path')),
  )
  .get(`${BASE}/branches`, (c) => refList(c, 'branches'))
  // GitHub answers these with a redirect to its archive host; Plue serves the archive itself.
  .get(`${BASE}/tarball`, (c) => archiveResponse(c, undefined, 'tar.gz'))
  .get(`${BASE}/tarball/:ref{.+}`, (c) => archiveResponse(c, c.req.param('ref'), 'tar.gz'))
  .get(`${BASE}/zipball`, (c) => archiveResponse(c, undefined, 'zip'))
  .get(`${BASE}/zipball/:ref{.+}`, (c) => archiveResponse(c, c.req.param('ref'), 'zip'))
  .get(`${BASE}/tags`, (c) => refList(c, 'tags'));
