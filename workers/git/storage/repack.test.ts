import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchRepo } from '../../../test/helpers/git-model-fixtures';
import { toHex } from '../../../common/git/bytes';
import { PackIndex } from '../../../common/git/idx';
import { memoryObjectStore } from './object-store';
import { idxKeyOf, packKey } from './pack-keys';
import { repack } from './repack';
import { RepoObjects, type StoredPack } from './repo-objects';

/** Verifies a pack with git and returns the oids git finds in it. */
function gitVerify(pack: Uint8Array, ourIdx: Uint8Array, strict = true): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'plue-repack-check-'));
  try {
    writeFileSync(join(dir, 'p.pack'), pack);
    // --strict also checks that the pack is closed: everything it points at is in it.
    execFileSync('git', ['index-pack', ...(strict ? ['--strict'] : []), join(dir, 'p.pack')]);
    const gitIdx = new Uint8Array(execFileSync('cat', [join(dir, 'p.idx')]));
    // Our idx is byte for byte the one git builds from the same pack.
    expect(toHex(ourIdx)).toBe(toHex(gitIdx));
    return [...PackIndex.parse(gitIdx).oids()];
  } finally {
    rmSync(dir, { recursive: true });
  }
}

describe('exact repack', () => {
  const repo = scratchRepo();
  afterAll(() => repo.remove());

  it('writes exactly the reachable objects once, reusing deltas, and the rest to a cruft pack', async () => {
    const store = memoryObjectStore();
    const packs: StoredPack[] = [];
    const storePack = async (revs: string) => {
      const pack = repo.git(['pack-objects', '--stdout', '--revs', '--delta-base-offset'], revs);
      const dir = mkdtempSync(join(tmpdir(), 'plue-repack-'));
      writeFileSync(join(dir, 'p.pack'), pack);
      execFileSync('git', ['index-pack', join(dir, 'p.pack')]);
      const idx = new Uint8Array(execFileSync('cat', [join(dir, 'p.idx')]));
      rmSync(dir, { recursive: true });
      const key = packKey('r1', `${packs.length}`);
      await store.put(key, pack);
      await store.put(idxKeyOf(key), idx);
      packs.push({ key, size: pack.length, objectCount: PackIndex.parse(idx).count });
    };
    // main: three commits of a growing file (git stores deltas); a branch that is then deleted;
    // and a pack that repeats objects the first one already has.
    const big = (i: number) =>
      Array.from({ length: 300 }, (_, l) => `line ${l} ${l % 7 === i ? 'x' : ''}\n`).join('');
    let tip = '';
    for (let i = 0; i < 3; i++) {
      repo.write('big.txt', big(i));
      repo.write(`f${i}.txt`, `file ${i}\n`);
      tip = repo.commitAll(`main ${i}`, i);
    }
    await storePack(`${tip}\n`);
    repo.git(['checkout', '-q', '-b', 'gone']);
    repo.write('secret.txt', 'secret\n');
    repo.write('big.txt', big(5));
    const gone = repo.commitAll('gone', 9);
    await storePack(`${gone}\n^${tip}\n`);
    await storePack(`${tip}\n`); // every object of main again
    repo.git(['checkout', '-q', 'main']);

    const reachable = new Set(
      repo
        .text(['rev-list', '--objects', tip])
        .split('\n')
        .map((l) => l.slice(0, 40)),
    );
    const all = new Set(
      repo
        .text(['rev-list', '--objects', tip, gone])
        .split('\n')
        .map((l) => l.slice(0, 40)),
    );
    const unreachable = new Set([...all].filter((o) => !reachable.has(o)));
    const objects = await RepoObjects.open(store, packs);
    const result = await repack(store, {
      repoId: 'r1',
      packs,
      objects,
      reachable,
      unreachable,
      expiredCruft: new Set(),
      keepCruft: true,
    });
    expect(result.replaced).toEqual(packs.map((p) => p.key));
    const main = result.main as StoredPack;
    const mainBytes = (await store.get(main.key)) as Uint8Array;
    expect(mainBytes.length).toBe(main.size);
    const inMain = gitVerify(mainBytes, (await store.get(idxKeyOf(main.key))) as Uint8Array);
    expect(inMain.sort()).toEqual([...reachable].sort());
    // Deltas were copied, not inflated and stored whole: the pack is no bigger than git's own.
    const gitOwn = repo.git(
      ['pack-objects', '--stdout', '--revs', '--delta-base-offset'],
      `${tip}\n`,
    );
    expect(main.size).toBeLessThanOrEqual(gitOwn.length * 1.05);

    const cruft = result.cruft as StoredPack;
    expect(cruft.cruft).toBe(true);
    const cruftBytes = (await store.get(cruft.key)) as Uint8Array;
    const inCruft = gitVerify(
      cruftBytes,
      (await store.get(idxKeyOf(cruft.key))) as Uint8Array,
      false,
    );
    expect(inCruft.sort()).toEqual([...unreachable].sort());
    expect(inCruft).toContain(gone);
  });

  it('drops unreachable objects at once without a grace, and expired cruft packs', async () => {
    const store = memoryObjectStore();
    repo.write('one.txt', 'one\n');
    const tip = repo.commitAll('one', 20);
    const pack = repo.git(['pack-objects', '--stdout', '--revs'], `${tip}\n`);
    const dir = mkdtempSync(join(tmpdir(), 'plue-repack-'));
    writeFileSync(join(dir, 'p.pack'), pack);
    execFileSync('git', ['index-pack', join(dir, 'p.pack')]);
    const idx = new Uint8Array(execFileSync('cat', [join(dir, 'p.idx')]));
    rmSync(dir, { recursive: true });
    const live = { key: packKey('r2', 'a'), size: pack.length, objectCount: 0 };
    const old = { ...live, key: packKey('r2', 'b'), cruft: true };
    for (const p of [live, old]) {
      await store.put(p.key, pack);
      await store.put(idxKeyOf(p.key), idx);
    }
    const objects = await RepoObjects.open(store, [live, old]);
    const result = await repack(store, {
      repoId: 'r2',
      packs: [live, old],
      objects,
      reachable: new Set(),
      unreachable: new Set([...objects.liveOids()]),
      expiredCruft: new Set([old.key]),
      keepCruft: false,
    });
    expect(result).toEqual({ replaced: [live.key], expired: [old.key] });
  });
});
