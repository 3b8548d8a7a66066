/**
 * Object-addressed API reads: `git/trees/{sha}` (`?recursive=1`; blob entries carry their size,
 * read from object headers, not by inflating the blobs), `git/blobs/{sha}` and
 * `git/commits/{sha}`. The whole response is immutable: ETag = the object id, stored in the edge
 * cache for public repositories (after authorisation), `private, no-store` for private ones.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { treeEntryKind } from '../../../common/git/object';
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
import { openBrowse, type Browse } from '../pages/browse/context';
import { gitCommitJson, type Urls } from './git-shapes';

const BASE = '/repos/:owner/:repo';
const MAX_RECURSIVE = 100_000;

export function urlsOf(c: Context<AppEnv>, b: Browse): Urls {
  const o = publicOrigin(c.env);
  const path = `${encodeURIComponent(b.ref.owner)}/${encodeURIComponent(b.ref.name)}`;
  return { api: `${o}/api/v1/repos/${path}`, html: `${o}/${path}` };
}

function sha(c: Context<AppEnv>): string {
  const s = (c.req.param('sha') ?? '').toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(s))
    throw AppError.notFound('Not a full object id', 'object_not_found');
  return s;
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
  .get(`${BASE}/git/trees/:sha`, async (c) => {
    const b = await openBrowse(c);
    const oid = sha(c);
    const recursive = ['1', 'true'].includes(c.req.query('recursive') ?? '');
    // 'tree-v2': entries gained `size`; responses cached under the old kind lack it.
    return immutableJson(c, b, 'tree-v2', oid, async () => {
      const u = urlsOf(c, b);
      const { items, truncated } = await treeItems(b.repo.reader, oid, recursive, u);
      return { sha: oid, url: `${u.api}/git/trees/${oid}`, tree: items, truncated };
    });
  })
  .get(`${BASE}/git/blobs/:sha`, async (c) => {
    const b = await openBrowse(c);
    const oid = sha(c);
    return immutableJson(c, b, 'blob', oid, async () => {
      const bytes = await readBlob(b.repo.reader, oid);
      return {
        sha: oid,
        size: bytes.length,
        url: `${urlsOf(c, b).api}/git/blobs/${oid}`,
        content: base64(bytes),
        encoding: 'base64',
      };
    });
  })
  .get(`${BASE}/git/commits/:sha`, async (c) => {
    const b = await openBrowse(c);
    const oid = sha(c);
    return immutableJson(c, b, 'commit', oid, async () =>
      gitCommitJson(commitInfo(oid, await readCommit(b.repo.reader, oid)), urlsOf(c, b)),
    );
  });

/** Base64 with line breaks every 60 characters, as GitHub's contents API returns it. */
export function base64(bytes: Uint8Array): string {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin).replace(/.{60}/g, '$&\n');
}
