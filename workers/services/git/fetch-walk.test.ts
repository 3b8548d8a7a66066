import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchRepo } from '../../../test/helpers/git-model-fixtures';
import { memoryObjectStore } from '../../git/storage/object-store';
import { idxKeyOf, packKey } from '../../git/storage/pack-keys';
import { RepoObjects } from '../../git/storage/repo-objects';
import { enumerateObjects, parentsFirst } from './fetch-walk';

/** A seeded generator (mulberry32): the same history on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('enumerateObjects against git rev-list --objects', () => {
  const repo = scratchRepo();
  afterAll(() => repo.remove());

  const objectsOf = async (tip: string) => {
    const pack = repo.git(['pack-objects', '--stdout', '--revs'], `${tip}\n`);
    const dir = mkdtempSync(join(tmpdir(), 'plue-walk-'));
    writeFileSync(join(dir, 'p.pack'), pack);
    execFileSync('git', ['index-pack', join(dir, 'p.pack')]);
    const store = memoryObjectStore();
    const key = packKey('w', tip);
    await store.put(key, pack);
    await store.put(idxKeyOf(key), new Uint8Array(readFileSync(join(dir, 'p.idx'))));
    rmSync(dir, { recursive: true });
    return RepoObjects.open(store, [{ key, size: pack.length, objectCount: 0 }]);
  };
  const gitObjects = (revs: string[]) =>
    repo
      .text(['rev-list', '--objects', ...revs])
      .split('\n')
      .map((l) => l.slice(0, 40))
      .sort();

  // Paths in nested folders whose contents are written, written back to an earlier version
  // ("again": a revert), copied from another path, or removed — with merges of side branches.
  it('finds every reachable object of histories with reverts, copies and merges', async () => {
    const paths = ['a.txt', 'src/b.txt', 'src/deep/c.txt', 'docs/d.md', 'src/deep/e/f.txt'];
    for (let seed = 1; seed <= 6; seed++) {
      const rnd = random(seed);
      const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)] as T;
      const versions = new Map<string, string[]>();
      repo.git(['checkout', '-q', '--orphan', `s${seed}`]);
      repo.git(['rm', '-rfq', '--ignore-unmatch', '.']);
      let tip = '';
      for (let c = 0; c < 30; c++) {
        for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
          const path = pick(paths);
          const seen = versions.get(path) ?? [];
          const r = rnd();
          const content =
            r < 0.35 && seen.length
              ? pick(seen)
              : r < 0.5
                ? ((versions.get(pick(paths)) ?? ['copied\n']).at(-1) ?? 'copied\n')
                : `${path} v${c} ${seed}\n`;
          repo.write(path, content);
          versions.set(path, [...seen, content]);
        }
        tip = repo.commitAll(`c${c}`, c);
        if (rnd() < 0.1 && c > 2) {
          // A side branch of two commits merged back.
          const here = repo.text(['rev-parse', 'HEAD']);
          repo.git(['checkout', '-q', '-b', `side${seed}-${c}`, 'HEAD~1']);
          repo.write('side.txt', `side ${c}\n`);
          repo.commitAll(`side ${c}`, c);
          repo.git(['checkout', '-q', here]);
          repo.git(['merge', '-q', '--no-ff', '-m', `merge ${c}`, `side${seed}-${c}`]);
          tip = repo.text(['rev-parse', 'HEAD']);
        }
      }
      const objects = await objectsOf(tip);
      const walk = await enumerateObjects(objects, {
        wants: [tip],
        common: [],
        clientShallow: new Set(),
        deepenNot: [],
      });
      expect([...new Set(walk.objects.map((o) => o.oid))].sort(), `seed ${seed}`).toEqual(
        gitObjects([tip]),
      );
      // An incremental fetch from ten commits back gets at least what git would send.
      const have = repo.text(['rev-parse', `${tip}~10`]);
      const incr = await enumerateObjects(objects, {
        wants: [tip],
        common: [have],
        clientShallow: new Set(),
        deepenNot: [],
      });
      const sent = new Set(incr.objects.map((o) => o.oid));
      const missing = gitObjects([tip, `^${have}`]).filter((o) => !sent.has(o));
      expect(missing, `seed ${seed}`).toEqual([]);
    }
  });

  it('orders commits parents first', () => {
    const parents: Record<string, string[]> = { d: ['b', 'c'], c: ['a'], b: ['a'], a: [] };
    const order = parentsFirst(['d', 'c', 'b', 'a'], (o) => parents[o] ?? []);
    for (const [child, ps] of Object.entries(parents))
      for (const p of ps) expect(order.indexOf(p)).toBeLessThan(order.indexOf(child));
    expect(parentsFirst(['x'], () => ['y'])).toEqual(['x']);
  });
});
