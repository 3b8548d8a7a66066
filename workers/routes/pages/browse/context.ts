/**
 * Per-request plumbing shared by the code-browser pages and API: open the repository (authorise
 * first), the edge cache, ref resolution against the fresh ref state, and response headers.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv } from '../../../env';
import { sha1 } from '../../../../common/git/native';
import { toHex, utf8 } from '../../../../common/git/bytes';
import {
  cacheKey,
  cachedJson,
  edgeCache,
  IMMUTABLE,
  notModified,
  objectHeaders,
  type EdgeCache,
} from '../../../services/cache/cache';
import { openBrowseRepo, type BrowseRepo } from '../../../services/browse/repo';
import { administers, loadRepoForAction } from '../../../services/repos/authz';
import type { RepoRow } from '../../../services/repos/repo-lookup';
import type { RepoState } from '../../../../durable-objects/formats';
import type { MemoryTiers, StoredPage } from '../../../services/cache/memory-cache';
import { resolveRef, type ResolvedRef } from '../../../services/browse/resolve-ref';
import { actorOf } from '../../api/request';
import { publicOrigin } from '../../../services/platform/public-url';
import { sshCloneUrl } from '../../../services/repos/repos';
import type { RepoRef } from '../../../views/browse/common';
import type { CloneUrls, RefChoice } from '../../../views/browse/tree-page';

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by browse pages whose rendered HTML should enter the edge cache, and its digest. */
    pageCache?: { key: string; digest: string };
  }
}

export interface Browse {
  repo: BrowseRepo;
  cache: EdgeCache;
  ref: RepoRef;
  now: number;
}

function requestCache(c: Context<AppEnv>): EdgeCache {
  let waitUntil: (p: Promise<unknown>) => void;
  try {
    const ctx = c.executionCtx;
    waitUntil = (p) => ctx.waitUntil(p);
  } catch {
    waitUntil = (p) => void p;
  }
  return edgeCache(waitUntil, c.var.memory);
}

/** Authorises read access to `:owner/:repo` (private ones are `not_found` to strangers). */
function authorise(c: Context<AppEnv>, cache: EdgeCache): Promise<RepoRow> {
  const name = (c.req.param('repo') ?? '').replace(/\.git$/, '');
  return loadRepoForAction(c.var.db, actorOf(c), c.req.param('owner') ?? '', name, 'read', cache);
}

async function browseOf(c: Context<AppEnv>, repo: BrowseRepo, cache: EdgeCache): Promise<Browse> {
  const ref = {
    owner: repo.owner,
    name: repo.name,
    private: repo.row.private,
    description: repo.row.description,
    admin: await administers(c.var.db, actorOf(c), repo.row),
  };
  return { repo, cache, ref, now: Date.now() };
}

/** Authorises read access to `:owner/:repo` and opens it (its refs read fresh). */
export async function openBrowse(c: Context<AppEnv>): Promise<Browse> {
  const cache = requestCache(c);
  return browseOf(c, await openBrowseRepo(c.env, await authorise(c, cache)), cache);
}

/**
 * `openBrowse` for a page: an anonymous viewer of a public repository gets the rendered page
 * from the cache (the answer, a 200 or 304) when there is a current one. A pinned page (see
 * `pinnedPage`) is checked against the repository record alone, so a hit needs no read of the
 * refs: nothing but the authorisation and the lookup, which is free when this isolate holds the
 * page. Other pages are checked against the refs, read while the edge cache is asked.
 */
export async function openBrowsePage(c: Context<AppEnv>): Promise<Browse | Response> {
  const cache = requestCache(c);
  const row = await authorise(c, cache);
  const key = pageCacheable(c, row, cache) ? pageKey(c, row.id) : undefined;
  if (key === undefined) return browseOf(c, await openBrowseRepo(c.env, row), cache);
  const pinned = pinnedPage(c);
  const remembered = cache.memory.page.get(key);
  const pinnedDigest = pinned ? await pageDigest(row, undefined) : undefined;
  if (remembered && remembered.digest === pinnedDigest) return cachedPage(c, remembered);
  const lookup = remembered
    ? Promise.resolve({ page: remembered, remembered: true })
    : edgeLookup(cache, key);
  const opening = openBrowseRepo(c.env, row);
  // Marked handled now: on a pinned hit nobody waits for it.
  opening.catch(() => undefined);
  if (pinnedDigest !== undefined) {
    const hit = await lookup;
    if (hit && hit.page.digest === pinnedDigest) {
      rememberPage(cache.memory, key, hit.page);
      return cachedPage(c, hit.page);
    }
  }
  const repo = await opening;
  const [digest, hit] = await Promise.all([pinnedDigest ?? pageDigest(row, repo.state), lookup]);
  if (hit && hit.page.digest === digest) {
    if (!hit.remembered) rememberPage(cache.memory, key, hit.page);
    return cachedPage(c, hit.page);
  }
  if (hit?.remembered) cache.memory.page.delete(key);
  c.set('pageCache', { key, digest });
  c.header(CACHE_STATUS, 'miss');
  return browseOf(c, repo, cache);
}

/**
 * Whether the page is addressed by a full commit id (`tree/{oid}/…`, `blob/{oid}/…`,
 * `commit/{oid}`): its content never changes, and it shows nothing that depends on the refs
 * (the ref switcher lists branches and tags when opened, from the API), so it stays current
 * across pushes and is served without reading them.
 */
export function pinnedPage(c: Context<AppEnv>): boolean {
  const [, , , kind, first] = c.req.path.split('/');
  return (kind === 'tree' || kind === 'blob' || kind === 'commit') && isFullOid(first ?? '');
}

/*
 * The rendered-page cache, for anonymous viewers of public repositories. A page is a function of
 * its URL, the repository's refs (unless pinned) and record, and the release that rendered it: an
 * entry is keyed by release and URL and carries a digest of the refs and record it was rendered
 * from. A hit costs one lookup, made while the refs are read; after a push or an edit the digest
 * differs, so the page is rendered again (and its entry overwritten) instead of served stale.
 */
const DIGEST = 'X-Plue-Page-Digest';
/** Says whether a page came from the edge cache (`hit`) or was rendered to enter it (`miss`). */
const CACHE_STATUS = 'X-Plue-Cache';
const STORED_ETAG = 'X-Plue-ETag';
const STORED_CACHE_CONTROL = 'X-Plue-Cache-Control';

/** The page's path and query: what the page is a function of (never the Host it was asked on). */
function pathAndQuery(c: Context<AppEnv>): string {
  const u = new URL(c.req.url);
  return `${u.pathname}${u.search}`;
}

function pageKey(c: Context<AppEnv>, repoId: string): string {
  const release = c.env.CF_VERSION_METADATA?.id ?? '';
  return cacheKey(repoId, 'page', release, pathAndQuery(c));
}

/** SHA-1 (native, off the JS heap) of what the page was rendered from; no refs when pinned. */
async function pageDigest(r: RepoRow, state: RepoState | undefined): Promise<string> {
  const refs = state
    ? `${state.head}|${state.refs.map((x) => `${x.name}=${x.oid}`).join(',')}`
    : 'pinned';
  const updated = new Date(r.updated_at).getTime();
  const record = [r.name, r.description, r.default_branch, r.private, updated].join('|');
  const bytes = new TextEncoder().encode(`${refs}|${record}`);
  return toHex(new Uint8Array(await crypto.subtle.digest('SHA-1', bytes)));
}

interface PageLookup {
  page: StoredPage;
  /** Found in this isolate's memory rather than the edge cache. */
  remembered: boolean;
}

/**
 * How long this isolate keeps a page it served or rendered (`c.var.memory.page`, in front of the
 * edge cache: a hit there costs no lookup).
 */
const PAGE_MEMORY_MS = 10 * 60_000;

function rememberPage(memory: MemoryTiers, key: string, page: StoredPage): void {
  memory.page.set(key, page, page.body.byteLength + 256, Date.now() + PAGE_MEMORY_MS);
}

/** Whether the shared page cache applies: anonymous GET/HEAD of a public repository. */
function pageCacheable(c: Context<AppEnv>, row: RepoRow, cache: EdgeCache): boolean {
  const method = c.req.method;
  return (
    !row.private &&
    c.var.user === undefined &&
    cache.store !== undefined &&
    (method === 'GET' || method === 'HEAD')
  );
}

function edgeLookup(cache: EdgeCache, key: string): Promise<PageLookup | undefined> {
  if (!cache.store) return Promise.resolve(undefined);
  return cache.store
    .match(key)
    .then(async (hit) => {
      if (!hit) return undefined;
      const page: StoredPage = {
        body: new Uint8Array(await hit.arrayBuffer()),
        digest: hit.headers.get(DIGEST) ?? '',
        etag: hit.headers.get(STORED_ETAG),
        cacheControl: hit.headers.get(STORED_CACHE_CONTROL),
      };
      return { page, remembered: false };
    })
    .catch(() => undefined);
}

/** The cached page as the answer: a 304 when the viewer already has it, else the page. */
function cachedPage(c: Context<AppEnv>, page: StoredPage): Response {
  const headers: Record<string, string> = {
    'Content-Type': 'text/html; charset=UTF-8',
    'Cache-Control': page.cacheControl ?? 'public, max-age=0, must-revalidate',
    [CACHE_STATUS]: 'hit',
  };
  if (page.etag) headers.ETag = page.etag;
  const early = notModified(c.req.header('If-None-Match'), headers);
  if (!early) return new Response(page.body, { status: 200, headers });
  return early;
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
  const origin = publicOrigin(c.env);
  return {
    https: `${origin}/${r.owner}/${r.name}.git`,
    ssh: sshCloneUrl(`${r.owner}/${r.name}`, origin, c.env.PLUE_SSH_URL),
  };
}

/** The branches and tags for the ref switcher; none on a pinned page (the switcher loads them). */
export function refChoice(c: Context<AppEnv>, b: Browse): RefChoice | undefined {
  if (pinnedPage(c)) return undefined;
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
  const refs = pinnedPage(c) ? '' : b.repo.state.refs.map((r) => `${r.name}=${r.oid}`).join(',');
  // The header shows the viewer's unread count: a page differs when it changes.
  const who = c.var.user ? `${c.var.user.id}:${c.var.user.unread ?? ''}` : '';
  // The deployment's id makes a new release render pages afresh instead of serving old HTML.
  const release = c.env.CF_VERSION_METADATA?.id ?? '';
  const salt = toHex(sha1(utf8(`${release}|${who}|${refs}|${pathAndQuery(c)}`))).slice(0, 12);
  const h = objectHeaders(`${oid}-${salt}`, { shared: b.repo.shared, immutable });
  if (b.repo.shared && who !== '') h['Cache-Control'] = 'private, max-age=0, must-revalidate';
  h.ETag = `W/${h.ETag}`;
  return h;
}

export const isFullOid = (s: string): boolean => /^[0-9a-f]{40}$/.test(s);

/** The early answer for a page that was not in the edge cache: 304 when the validator matches. */
export function notModifiedPage(
  c: Context<AppEnv>,
  headers: Record<string, string>,
): Response | undefined {
  return notModified(c.req.header('If-None-Match'), headers);
}

/** Stores pages that `openBrowse` marked, after they rendered successfully. */
export function storeRenderedPages(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    const mark = c.get('pageCache');
    if (!mark || c.res.status !== 200 || typeof caches === 'undefined') return;
    const store = (caches as unknown as { default: Cache }).default;
    const copy = c.res.clone();
    const keep = async () => {
      const page: StoredPage = {
        body: new Uint8Array(await copy.arrayBuffer()),
        digest: mark.digest,
        etag: c.res.headers.get('ETag'),
        cacheControl: c.res.headers.get('Cache-Control'),
      };
      rememberPage(c.var.memory, mark.key, page);
      const headers: Record<string, string> = {
        'Content-Type': 'text/html; charset=UTF-8',
        'Cache-Control': IMMUTABLE,
        [DIGEST]: mark.digest,
      };
      if (page.etag) headers[STORED_ETAG] = page.etag;
      if (page.cacheControl) headers[STORED_CACHE_CONTROL] = page.cacheControl;
      await store.put(mark.key, new Response(page.body, { headers }));
    };
    c.executionCtx.waitUntil(keep().catch(() => undefined));
  };
}
