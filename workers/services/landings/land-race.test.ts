/**
 * land()'s compare-and-swap when the target moves between the read and the swap (another push
 * won the race): the land is refused as `target_moved`, which is safe to retry, and the pack it
 * wrote is deleted, so nothing is left behind. Also: refusals that come before any write leave
 * storage untouched. Objects live in the in-memory object store; RepoObject is a stand-in that
 * answers the swap as RepoObject does when the expected old value is stale.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../common/errors';
import type { PushRequest, RepoState } from '../../../durable-objects/formats';
import { MemoryRepo, changeIdOf, seeded } from '../../../test/helpers/memory-history';
import { memoryObjectStore } from '../../git/storage/object-store';
import { writeObjectsPack } from '../../git/storage/write-objects';
import type { GitRepoContext, RefsClient } from '../git/repo-context';
import { land } from './land';

async function setup() {
  const mem = new MemoryRepo();
  const base = mem.commit({ tree: mem.tree({ a: '1\n2\n3\n' }) });
  const moved = mem.commit({ tree: mem.tree({ a: '1\n2\n3\n', b: 'b\n' }), parents: [base] });
  const head = mem.commit({
    tree: mem.tree({ a: '1\nX\n3\n' }),
    parents: [base],
    changeId: changeIdOf(seeded(4)),
  });
  const store = memoryObjectStore();
  const limits = { maxPackBytes: 1 << 30, maxObjectBytes: 1 << 26 };
  const pack = await writeObjectsPack(store, 'r1', [...mem.objects.values()], limits);
  const state: RepoState = {
    head: 'refs/heads/main',
    refs: [{ name: 'refs/heads/main', oid: moved }],
    packs: [
      { key: pack.key, checksum: pack.checksum, objectCount: pack.objectCount, size: pack.size },
    ],
    exact: true,
    dirtyGen: 0,
    pushedPacks: 1,
  };
  const pushes: PushRequest[] = [];
  const refs: RefsClient = {
    state: async () => state,
    // Another push moved main after land() read it: the swap finds a stale old value.
    push: async (req) => {
      pushes.push(req);
      return {
        applied: false,
        head: 'refs/heads/main',
        results: req.commands.map((c, i) => ({
          ref: c.ref,
          ok: false,
          reason: i === 0 ? 'stale info' : 'atomic push failure',
        })),
      };
    },
    replacePacks: async () => true,
    claimCompaction: async () => true,
    releaseCompaction: async () => undefined,
    cruftPacks: async () => ({}),
  };
  const ctx: GitRepoContext = {
    repo: { id: 'r1', fullName: 'ada/race', defaultBranch: 'main' },
    store,
    refs,
    limits,
    unreachableGraceMs: 0,
  };
  return { ctx, store, base, moved, head, pushes };
}

const lander = { name: 'L', email: 'l@example.com' };

describe('land() racing another push', () => {
  it('refuses as target_moved and deletes the pack it wrote', async () => {
    const { ctx, store, base, moved, head, pushes } = await setup();
    const before = await store.list('');
    const err = await land(ctx, {
      targetRef: 'refs/heads/main',
      head,
      base,
      method: 'rebase',
      lander,
      now: 1_800_000_000_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('target_moved');
    // It tried exactly one swap, from the tip it planned on, with a pack of the new objects.
    expect(pushes).toHaveLength(1);
    expect(pushes[0]?.commands[0]).toMatchObject({ ref: 'refs/heads/main', oldOid: moved });
    // The rebased commit and its tree; the merged file equals the landing's, already stored.
    expect(pushes[0]?.pack?.objectCount).toBe(2);
    expect(pushes[0]?.atomic).toBe(true);
    expect(await store.list('')).toEqual(before);
  });

  it('writes nothing when refused before the swap', async () => {
    const { ctx, store, base, head, pushes } = await setup();
    const before = await store.list('');
    const codes = [];
    for (const req of [
      { expectedTarget: base, method: 'rebase' as const },
      { method: 'fast-forward' as const },
      { method: 'rebase' as const, targetRef: 'refs/heads/nope' },
    ]) {
      const e = await land(ctx, {
        targetRef: 'refs/heads/main',
        head,
        base,
        lander,
        now: 0,
        ...req,
      }).catch((x: unknown) => x);
      codes.push((e as AppError).code);
    }
    expect(codes).toEqual(['target_moved', 'not_fast_forward', 'no_target']);
    expect(pushes).toEqual([]);
    expect(await store.list('')).toEqual(before);
  });
});
