/**
 * RepoObject: one per repository (named by the repository's database id), the only writer of its
 * refs. Holds HEAD, refs, the pack catalog and a ref log in SQLite storage, and applies a push's
 * ref updates as one compare-and-swap transaction. Being single-threaded, it serialises pushes:
 * concurrent pushes of one branch from one old value see exactly one winner.
 *
 * Packs that compaction replaces are retired in the swap's transaction and deleted from R2 by
 * this object's alarm once PACK_RETIRE_GRACE_MS has passed (retired-packs.ts), so a fetch that
 * read the old catalog can finish reading them.
 *
 * Survives eviction: everything (SQLite storage, including retired packs, and the alarm). Nothing
 * is kept only in memory.
 */
import { DurableObject } from 'cloudflare:workers';
import { r2ObjectStore } from '../../workers/git/storage/object-store';
import { idxKeyOf } from '../../workers/git/storage/pack-keys';
import type { Env } from '../../workers/env';
import {
  applyPush,
  claimCompaction,
  cruftWrittenAt,
  ensureSchema,
  readState,
  releaseCompaction,
  replacePacks,
  setHead,
  type PackRecord,
  type PushOutcome,
  type PushRequest,
  type RepoState,
} from './repo-refs';
import {
  duePacks,
  forgetRetired,
  listRetired,
  nextSweepAt,
  oldestRetiredAt,
  retireGraceMs,
  type RetiredPack,
} from './retired-packs';

/** The catalog and the retired packs awaiting deletion (operators and tests). */
export interface PackListing {
  packs: PackRecord[];
  /** Whether the live packs hold exactly the reachable objects, once each (RepoState.exact). */
  exact: boolean;
  retired: Array<RetiredPack & { deleteAfter: number }>;
  /** When the sweep alarm fires next (ms since the epoch), or null. */
  sweepAt: number | null;
  graceMs: number;
}

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
    ctx.blockConcurrencyWhile(async () => {
      ensureSchema(ctx.storage.sql);
      // The alarm is set just after the swap commits; re-arm here in case that write was lost.
      await this.armSweep(false);
    });
  }

  private get graceMs(): number {
    return retireGraceMs(this.env.PACK_RETIRE_GRACE_MS);
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

  /**
   * Replaces compacted packs with their merged pack and retires them (deleted by the alarm after
   * the grace period); false when the catalog moved meanwhile.
   */
  async replacePacks(
    remove: string[],
    add: PackRecord | PackRecord[],
    exactAtGen?: number,
    expired?: string[],
  ): Promise<boolean> {
    const sql = this.ctx.storage.sql;
    const swapped = this.ctx.storage.transactionSync(() =>
      replacePacks(sql, remove, Array.isArray(add) ? add : [add], Date.now(), exactAtGen, expired),
    );
    if (swapped) await this.armSweep(false);
    return swapped;
  }

  /** Takes the repository's compaction lease for `ttlMs`; false while another compaction runs. */
  async claimCompaction(ttlMs: number): Promise<boolean> {
    return claimCompaction(this.ctx.storage.sql, Date.now(), ttlMs);
  }

  async releaseCompaction(): Promise<void> {
    releaseCompaction(this.ctx.storage.sql);
  }

  /** When each cruft pack was written (ms since the epoch), by key. */
  async cruftPacks(): Promise<Record<string, number>> {
    return Object.fromEntries(cruftWrittenAt(this.ctx.storage.sql));
  }

  /** The pack catalog and the retired packs with when each may be deleted. */
  async listPacks(defaultBranch: string): Promise<PackListing> {
    const sql = this.ctx.storage.sql;
    const graceMs = this.graceMs;
    const state = readState(sql, defaultBranch);
    return {
      packs: state.packs,
      exact: state.exact,
      retired: listRetired(sql).map((r) => ({ ...r, deleteAfter: r.retiredAt + graceMs })),
      sweepAt: await this.ctx.storage.getAlarm(),
      graceMs,
    };
  }

  /**
   * Deletes retired packs (pack + idx) whose grace has passed. A row is dropped only after R2
   * confirmed the deletion; on failure the rows stay and the alarm comes back later.
   */
  async alarm(): Promise<void> {
    const sql = this.ctx.storage.sql;
    const keys = duePacks(sql, Date.now() - this.graceMs);
    let failed = false;
    if (keys.length > 0) {
      try {
        await r2ObjectStore(this.env.BLOBS).delete(keys.flatMap((k) => [k, idxKeyOf(k)]));
        forgetRetired(sql, keys);
      } catch (err) {
        failed = true;
        console.error(
          JSON.stringify({
            msg: 'retired pack sweep failed',
            packs: keys.length,
            error: String(err),
          }),
        );
      }
    }
    await this.armSweep(failed);
  }

  /** Sets the alarm for the next retired pack due (sooner than any alarm already set). */
  private async armSweep(failed: boolean): Promise<void> {
    const at = nextSweepAt(oldestRetiredAt(this.ctx.storage.sql), this.graceMs, Date.now(), failed);
    if (at === undefined) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > at) await this.ctx.storage.setAlarm(at);
  }

  /**
   * Forgets everything (the repository was deleted). The caller deletes every R2 object under
   * the repository's prefix, retired packs included, so the sweep alarm is cancelled too.
   */
  async destroy(): Promise<void> {
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
  }

  async ping(): Promise<string> {
    return 'pong';
  }
}
