/**
 * RepoObject: one per repository (named by the repository's database id), the only writer of its
 * refs. Holds HEAD, refs, the pack catalog and a ref log in SQLite storage, and applies a push's
 * ref updates as one compare-and-swap transaction. Being single-threaded, it serialises pushes:
 * concurrent pushes of one branch from one old value see exactly one winner.
 *
 * Survives eviction: everything (SQLite storage). Nothing is kept only in memory.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../workers/env';
import {
  applyPush,
  ensureSchema,
  readState,
  replacePacks,
  setHead,
  type PackRecord,
  type PushOutcome,
  type PushRequest,
  type RepoState,
} from './repo-refs';

export type {
  PackRecord,
  PushOutcome,
  PushRequest,
  RepoState,
  RefCommand,
  RefResult,
} from './repo-refs';

export class RepoObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => ensureSchema(ctx.storage.sql));
  }

  /** HEAD, refs and pack catalog in one call. */
  async state(defaultBranch: string): Promise<RepoState> {
    return readState(this.ctx.storage.sql, defaultBranch);
  }

  /** Applies a push's ref commands atomically with respect to every other push. */
  async push(req: PushRequest): Promise<PushOutcome> {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => applyPush(sql, req, Date.now()));
  }

  /** Points HEAD at a branch (the repository's default branch changed). */
  async setDefaultBranch(branch: string): Promise<void> {
    setHead(this.ctx.storage.sql, branch);
  }

  /** Replaces compacted packs with their merged pack; false when the catalog moved meanwhile. */
  async replacePacks(remove: string[], add: PackRecord): Promise<boolean> {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => replacePacks(sql, remove, add, Date.now()));
  }

  /** Forgets everything (the repository was deleted). */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  async ping(): Promise<string> {
    return 'pong';
  }
}
