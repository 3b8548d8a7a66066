import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchRepo } from '../../../test/helpers/git-model-fixtures';
import { PackIndex } from '../../../common/git/idx';
import { hashObject } from '../../../common/git/object';
import { readPackedObject } from '../../../common/git/pack-reader';
import { toHex } from '../../../common/git/bytes';
import { choosePacksToMerge, mergePacks, type CatalogPack } from './compact';
import { memoryObjectStore } from './object-store';
import { idxKeyOf, packKey } from './pack-keys';

describe('pack compaction', () => {
  const repo = scratchRepo();
  afterAll(() => repo.remove());

  it('merges packs verbatim into one that git verifies and that reads back every object', async () => {
    const store = memoryObjectStore();
    const packs: CatalogPack[] = [];
    let prev = '';
    for (let i = 0; i < 4; i++) {
      for (let f = 0; f < 3; f++)
        repo.write(`f${f}.txt`, `line ${i} of file ${f}\n`.repeat(40 + i * 7));
      const tip = repo.commitAll(`commit ${i}`, i);
      const input = prev ? `${tip}\n^${prev}\n` : `${tip}\n`;
      const pack = repo.git(['pack-objects', '--stdout', '--revs'], input);
      prev = tip;
      const dir = mkdtempSync(join(tmpdir(), 'plue-compact-'));
      writeFileSync(join(dir, 'p.pack'), pack);
      execFileSync('git', ['index-pack', join(dir, 'p.pack')]);
      const idx = new Uint8Array(execFileSync('cat', [join(dir, 'p.idx')]));
      rmSync(dir, { recursive: true });
      const checksum = toHex(pack.subarray(pack.length - 20));
      const key = packKey('r1', checksum);
      await store.put(key, pack);
      await store.put(idxKeyOf(key), idx);
      packs.push({ key, size: pack.length, objectCount: PackIndex.parse(idx).count, checksum });
    }
    const merged = await mergePacks(store, 'r1', packs);
    expect(merged.objectCount).toBe(packs.reduce((n, p) => n + p.objectCount, 0));
    const bytes = (await store.get(merged.key)) as Uint8Array;
    expect(bytes.length).toBe(merged.size);
    // git accepts the merged pack, and our idx matches the one git builds from it.
    const dir = mkdtempSync(join(tmpdir(), 'plue-compact-check-'));
    writeFileSync(join(dir, 'm.pack'), bytes);
    execFileSync('git', ['index-pack', join(dir, 'm.pack')]);
    const gitIdx = new Uint8Array(execFileSync('cat', [join(dir, 'm.idx')]));
    rmSync(dir, { recursive: true });
    const ours = (await store.get(idxKeyOf(merged.key))) as Uint8Array;
    expect(toHex(ours)).toBe(toHex(gitIdx));
    const index = PackIndex.parse(ours);
    for (const e of index.entries()) {
      const obj = await readPackedObject(
        { readRange: async (o, l) => bytes.subarray(o, o + l) },
        e.offset,
      );
      expect(hashObject(obj.type, obj.body)).toBe(e.oid);
    }
  });

  it('leaves a big pack alone until the small ones add up', () => {
    const p = (key: string, size: number): CatalogPack => ({
      key,
      size,
      objectCount: 1,
      checksum: key,
    });
    expect(choosePacksToMerge([p('a', 100), p('b', 1)])).toBeUndefined();
    const small = Array.from({ length: 8 }, (_, i) => p(`s${i}`, 10));
    expect(choosePacksToMerge([p('big', 1000), ...small])?.map((x) => x.key)).toEqual(
      small.map((x) => x.key),
    );
    expect(choosePacksToMerge([p('big', 100), ...small])?.length).toBe(9);
  });
});
