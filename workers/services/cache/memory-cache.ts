/**
 * The isolate memory tiers: an isolate's own memory in front of the edge cache. A Worker isolate
 * serves many requests one after another, and what it keeps in memory costs no lookup at all,
 * where an edge-cache `match` is a round trip to the location's cache. Each tier is an LRU
 * (common/lru.ts) bounded in bytes, per entry and by age; a miss simply falls through to the
 * edge cache, so nothing depends on an entry being here (any isolate may start cold). Only what
 * may enter the shared edge cache may enter a tier (public repositories' data, digest-checked
 * pages; callers decide).
 *
 * The tiers are made once, at the Worker entry (workers/index.ts), and handed down through the
 * app (`c.var.memory`) and the request's `EdgeCache`; tests make their own.
 */
import { Lru } from '../../../common/lru';

/** A rendered page as the page cache keeps it (routes/pages/browse/context.ts). */
export interface StoredPage {
  body: Uint8Array;
  digest: string;
  etag: string | null;
  cacheControl: string | null;
}

export interface MemoryTiers {
  /** Public repositories' records (cache.ts `repoMetaCache`), each for `REPO_META_TTL`. */
  meta: Lru<string, unknown>;
  /**
   * Pages recently served or rendered by this isolate. Entries carry the same digest as edge
   * entries and are checked the same way, so they are never served stale.
   */
  page: Lru<string, StoredPage>;
}

/** New, empty tiers; the bounds keep them well inside a Worker's 128 MB. */
export function createMemoryTiers(): MemoryTiers {
  return {
    meta: new Lru<string, unknown>(2 << 20, 64 << 10),
    page: new Lru<string, StoredPage>(8 << 20, 512 << 10),
  };
}
