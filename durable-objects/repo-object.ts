/**
 * RepoObject: one per repository, the only writer of its refs. Holds HEAD, refs and the pack
 * catalog in its SQLite storage and applies a push's ref updates as one transaction.
 *
 * Survives eviction: everything (SQLite storage). Nothing is kept only in memory.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../workers/env';

export class RepoObject extends DurableObject<Env> {
  /** Liveness probe used by tests and health checks. */
  async ping(): Promise<string> {
    return 'pong';
  }
}
