/**
 * Object-addressed API reads: `git/trees/{sha}` (`?recursive=1`; blob entries carry their size,
 * read from object headers, not by inflating the blobs), `git/blobs/{sha}` and
 * `git/commits/{sha}`, under full or abbreviated ids. The whole response is immutable: ETag = the object id, stored in the edge
 * cache for public repositories (after authorisation), `private, no-store` for private ones.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { treeEntryKind, type ObjectType } from '../../../common/git/object';
import { cacheKey, cachedResponse, objectHeaders } from '../../services/cache/cache';
import { publicOrigin } from '../../services/platform/public-url';
import { commitInfo } from '../../services/browse/data-tree';
import {
  objectSize,
  readBlob,
  readCommit,
  readTree,
  type ObjectReader,
} from '../../services/browse/objects';
import { objectsWithPrefix } from '../../services/browse/resolve-ref';
import { openBrowse, type Browse } from '../pages/browse/context';
import { gitCommitJson, type Urls } from './git-shapes';

const BASE = '/repos/:owner/:repo';
const MAX_RECURSIVE = 100_000;

export function urlsOf(c: Context<AppEnv>, b: Browse): Urls {
  const o = publicOrigin(c.env);
  const path = `${encodeURIComponent(b.ref.owner)}/${encodeURIComponent(b.ref.name)}`;
  return { api: `${o}/api/v1/repos/${path}`, html: `${o}/${path}` };
}

/**
 * The object `:sha` names, of `type`: a full id as is, or an abbreviated one (7–39 hex digits)
 * that names exactly one object of that type, as on the browse pages.
 */
async function objectIdOf(c: Context<AppEnv>, b: Browse, type: ObjectType): Promise<string> {
  const s = (c.req.param('sha') ?? '').toLowerCase();
  if (/^[0-9a-f]{40}$/.test(s)) return s;
  if (!/^[0-9a-f]{7,39}$/.test(s)) {
    throw AppError.notFound('Not an object id (7 to 40 hex digits)', 'object_not_found');
  }
  const hits = await objectsWithPrefix(b.repo.reader, (p) => b.repo.findPrefix(p), s, type);
  if (hits.length > 1) {
    throw AppError.invalid(`The short id ${s} is ambiguous; use more characters`, 'ref_ambiguous');
  }
  const [oid] = hits;
  if (oid === undefined) throw AppError.notFound(`No ${type} ${s}`, 'object_not_found');
  return oid;
}

/**
 * An object-addressed answer for `:sha`: immutable under a full id; under an abbreviated one it
 * is revalidated, since a later push can make the short id ambiguous.
 */
async function objectJson(
  c: Context<AppEnv>,
  kind: string,
  type: ObjectType,
  build: (b: Browse, oid: string) => Promise<unknown>,
): Promise<Response> {
  const b = await openBrowse(c);
  const oid = await objectIdOf(c, b, type);
  const res = await immutableJson(c, b, kind, oid, () => build(b, oid));
  if (oid === c.req.param('sha')?.toLowerCase() || !b.repo.shared) return res;
  const out = new Response(res.body, res);
  out.headers.set('Cache-Control', 'no-cache');
  return out;
}

/** Serves an object-addressed JSON body through the edge cache. */
export function immutableJson(
  c: Context<AppEnv>,
  b: Browse,
  kind: string,
  oid: string,
  build: () => Promise<unknown>,
): Promise<Response> {
  const key = cacheKey(b.repo.row.id, `api-${kind}`, oid, new URL(c.req.url).search);
  return cachedResponse(b.cache, key, b.repo.shared, c.req.header('If-None-Match'), async () => {
    const body = JSON.stringify(await build());
    return new Response(body, {
      headers: {
        'Content-Type': 'application/json; charset=utf-8',
        ...objectHeaders(oid, { shared: b.repo.shared, immutable: true }),
      },
    });
  });
}

async function treeItems(r: ObjectReader, oid: string, recursive: boolean, u: Urls) {
  const items: Array<Record<string, unknown>> = [];
  let truncated = false;
  const walk = async (tree: string, prefix: string) => {
    for (const e of await readTree(r, tree)) {
      if (items.length >= MAX_RECURSIVE) {
        truncated = true;
        return;
      }
      const kind = treeEntryKind(e.mode);
      const type = kind === 'tree' ? 'tree' : kind === 'submodule' ? 'commit' : 'blob';
      const path = prefix + e.name;
      const item: Record<string, unknown> = {
        path,
        mode: e.mode.padStart(6, '0'),
        type,
        sha: e.oid,
      };
      if (type === 'blob') item.size = await objectSize(r, e.oid);
      if (type !== 'commit') item.url = `${u.api}/git/${type}s/${e.oid}`;
      items.push(item);
      if (recursive && type === 'tree') await walk(e.oid, `${path}/`);
    }
  };
  await walk(oid, '');
  return { items, truncated };
}

export const gitDataRoutes = new Hono<AppEnv>()
  .get(`${BASE}/git/trees/:sha`, (c) => {
    const recursive = ['1', 'true'].includes(c.req.query('recursive') ?? '');
    // 'tree-v2': entries gained `size`; responses cached under the old kind lack it.
    return objectJson(c, 'tree-v2', 'tree', async (b, oid) => {
      const u = urlsOf(c, b);
      const { items, truncated } = await treeItems(b.repo.reader, oid, recursive, u);
      return { sha: oid, url: `${u.api}/git/trees/${oid}`, tree: items, truncated };
    });
  })
  .get(`${BASE}/git/blobs/:sha`, (c) =>
    objectJson(c, 'blob', 'blob', async (b, oid) => {
      const bytes = await readBlob(b.repo.reader, oid);
      return {
        sha: oid,
        size: bytes.length,
        url: `${urlsOf(c, b).api}/git/blobs/${oid}`,
        content: base64(bytes),
        encoding: 'base64',
      };
    }),
  )
  .get(`${BASE}/git/commits/:sha`, (c) =>
    objectJson(c, 'commit', 'commit', async (b, oid) =>
      gitCommitJson(commitInfo(oid, await readCommit(b.repo.reader, oid)), urlsOf(c, b)),
    ),
  );

/** Base64 with line breaks every 60 characters, as GitHub's contents API returns it. */
export function base64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/.{60}/g, '$&\n');
}
