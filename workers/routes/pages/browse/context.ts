/**
 * Per-request plumbing shared by the code-browser pages and API: open the repository (authorise
 * first), the edge cache, ref resolution against the fresh ref state, and response headers.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../../env';
import { sha1 } from '../../../git/model/native';
import { toHex, utf8 } from '../../../git/model/bytes';
import {
  cacheKey,
  cachedJson,
  edgeCache,
  IMMUTABLE,
  notModified,
  objectHeaders,
  type EdgeCache,
} from '../../../services/cache';
import { openBrowseRepo, type BrowseRepo } from '../../../services/browse/repo';
import { resolveRef, type ResolvedRef } from '../../../services/browse/resolve-ref';
import { actorOf } from '../../api/request';
import { sshCloneUrl } from '../../../services/repos';
import type { RepoRef } from '../../../views/browse/common';
import type { CloneUrls, RefChoice } from '../../../views/browse/tree-page';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by browse pages whose rendered HTML should enter the edge cache. */
    pageCacheKey?: string;
  }
}

export interface Browse {
  repo: BrowseRepo;
  cache: EdgeCache;
  ref: RepoRef;
  now: number;
}

/** Authorises read access to `:owner/:repo` and opens it. */
export async function openBrowse(c: Context<AppEnv>): Promise<Browse> {
  let waitUntil: (p: Promise<unknown>) => void;
  try {
    const ctx = c.executionCtx;
    waitUntil = (p) => ctx.waitUntil(p);
  } catch {
    waitUntil = (p) => void p;
  }
  const cache = edgeCache(waitUntil);
  const repo = await openBrowseRepo(
    c.env,
    c.var.db,
    actorOf(c),
    c.req.param('owner') ?? '',
    c.req.param('repo') ?? '',
    cache,
  );
  return {
    repo,
    cache,
    ref: { owner: repo.owner, name: repo.name, private: repo.row.private },
    now: Date.now(),
  };
}

/**
 * Resolves a ref fresh from RepoObject's ref list. What a full object id peels to never changes,
 * so for public repositories that answer comes from the edge cache instead of opening the packs.
 */
export function resolve(b: Browse, ref: string): Promise<ResolvedRef> {
  const run = () => resolveRef(b.repo.reader, b.repo.state, ref, (p) => b.repo.findPrefix(p));
  if (!isFullOid(ref.toLowerCase())) return run();
  return cachedJson(
    b.cache,
    cacheKey(b.repo.row.id, 'peel', ref.toLowerCase()),
    b.repo.shared,
    run,
  );
}

export function cloneUrls(c: Context<AppEnv>, r: RepoRef): CloneUrls {
  const origin = new URL(c.req.url);
  return {
    https: `${origin.origin}/${r.owner}/${r.name}.git`,
    ssh: sshCloneUrl(`${r.owner}/${r.name}`, origin.origin, c.env.PLUE_SSH_URL),
  };
}

export function refChoice(b: Browse): RefChoice {
  const names = (prefix: string) =>
    b.repo.state.refs
      .filter((r) => r.name.startsWith(prefix))
      .map((r) => r.name.slice(prefix.length));
  return { branches: names('refs/heads/'), tags: names('refs/tags/') };
}

/**
 * Headers of a page about object `oid`. Pages carry the viewer's name and the ref list, so
 * their validator mixes those in; they are immutable in shared caches only when addressed by
 * the id itself and viewed anonymously, and never stored anywhere for private repositories.
 */
export function pageHeaders(
  c: Context<AppEnv>,
  b: Browse,
  oid: string,
  immutable: boolean,
): Record<string, string> {
  const refs = b.repo.state.refs.map((r) => `${r.name}=${r.oid}`).join(',');
  const who = c.var.user?.id ?? '';
  // The deployment's id makes a new release render pages afresh instead of serving old HTML.
  const release = c.env.CF_VERSION_METADATA?.id ?? '';
  const salt = toHex(sha1(utf8(`${release}|${who}|${refs}|${c.req.url}`))).slice(0, 12);
  const h = objectHeaders(`${oid}-${salt}`, { shared: b.repo.shared, immutable });
  if (b.repo.shared && who !== '') h['Cache-Control'] = 'private, max-age=0, must-revalidate';
  h.ETag = `W/${h.ETag}`;
  return h;
}

export const isFullOid = (s: string): boolean => /^[0-9a-f]{40}$/.test(s);

/**
 * The early answer for a page: 304 when the validator matches; for anonymous viewers of a public
 * repository, the rendered page from the edge cache (the key is the page's ETag, which covers the
 * object id, the URL and every ref, so it never goes stale). On a miss the page is marked to be
 * stored once rendered (see `storeRenderedPages`).
 */
export async function pageFromCache(
  c: Context<AppEnv>,
  b: Browse,
  headers: Record<string, string>,
): Promise<Response | undefined> {
  const early = notModified(c.req.header('If-None-Match'), headers);
  if (early) return early;
  const store = b.cache.store;
  const etag = headers.ETag;
  if (!b.repo.shared || c.var.user !== undefined || !store || !etag) return undefined;
  const key = cacheKey(b.repo.row.id, 'page', etag);
  const hit = await store.match(key).catch(() => undefined);
  if (hit) {
    return new Response(hit.body, {
      status: 200,
      headers: { 'Content-Type': 'text/html; charset=UTF-8', ...headers },
    });
  }
  c.set('pageCacheKey', key);
  return undefined;
}

/** Stores pages that `pageFromCache` marked, after they rendered successfully. */
export function storeRenderedPages(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const key = c.get('pageCacheKey');
    if (!key || c.res.status !== 200 || typeof caches === 'undefined') return;
    const store = (caches as unknown as { default: Cache }).default;
    const copy = new Response(c.res.clone().body, {
      headers: { 'Content-Type': 'text/html; charset=UTF-8', 'Cache-Control': IMMUTABLE },
    });
    c.executionCtx.waitUntil(store.put(key, copy).catch(() => undefined));
  };
}
