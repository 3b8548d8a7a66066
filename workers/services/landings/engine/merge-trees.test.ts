/**
 * The tree merge against git's own: seeded random histories (edits, additions, removals, mode
 * flips, binary files, symlinks) merged by `git merge-tree --write-tree` and by mergeTrees on the
 * same objects must agree on clean or not, on the conflicted paths and, when clean, on the tree
 * id. Table tests pin each conflict kind, file/directory cases included.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { scratchRepo } from '../../../../test/helpers/git-model-fixtures';
import {
  MemoryRepo,
  mutateSnapshot,
  randomSnapshot,
  seeded,
  type Snapshot,
} from '../../../../test/helpers/memory-history';
import { mergeTrees } from './merge-trees';
import { NewObjects } from './objects';

describe('mergeTrees against git merge-tree --write-tree', () => {
  const git = scratchRepo(true);
  afterAll(() => git.remove());

  it('agrees with git on seeded random histories', async () => {
    let clean = 0;
    let conflicted = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const rnd = seeded(seed);
      const mem = new MemoryRepo();
      const base = randomSnapshot(rnd);
      const ours = mutateSnapshot(rnd, base, `o${seed}`);
      // Half the time theirs starts from ours' edits of some files: shared changes, same lines.
      const theirs = mutateSnapshot(
        rnd,
        rnd() < 0.3 ? { ...base, ...pickSome(rnd, ours) } : base,
        `t${seed}`,
      );
      const b = mem.commit({ tree: mem.tree(base), message: 'base\n' });
      const o = mem.commit({ tree: mem.tree(ours), parents: [b], message: 'ours\n' });
      const t = mem.commit({ tree: mem.tree(theirs), parents: [b], message: 'theirs\n' });
      mem.exportTo(git, { [`refs/heads/o${seed}`]: o, [`refs/heads/t${seed}`]: t });
      const expected = gitMerge(git, `o${seed}`, `t${seed}`);
      const objects = new NewObjects(mem);
      const got = await mergeTrees(objects, mem.tree(base), mem.tree(ours), mem.tree(theirs));
      const paths = [...new Set(got.conflicts.map((c) => c.path))].sort();
      expect({ clean: got.conflicts.length === 0, paths }, `seed ${seed}`).toEqual({
        clean: expected.clean,
        paths: expected.paths,
      });
      if (expected.clean) {
        expect(got.tree, `seed ${seed}`).toBe(expected.tree);
        clean++;
      } else conflicted++;
    }
    // The histories exercise both outcomes.
    expect(clean).toBeGreaterThan(20);
    expect(conflicted).toBeGreaterThan(20);
  }, 180_000);
});

describe('line merges of repetitive text against git merge-tree', () => {
  const git = scratchRepo(true);
  afterAll(() => git.remove());

  // Lines that repeat (braces, blank lines) make many alignments equally short: only diffing as
  // git does (histogram, change compaction) gives git's verdicts here.
  it('agrees with git when lines repeat', async () => {
    const pool = ['{\n', '}\n', 'return x;\n', '\n', 'a\n', 'b\n', 'foo();\n'];
    let conflicted = 0;
    for (let seed = 1; seed <= 120; seed++) {
      const rnd = seeded(1000 + seed);
      const text = (n: number) =>
        Array.from({ length: n }, () => pool[Math.floor(rnd() * pool.length)]).join('');
      const edit = (t: string) => {
        const lines = t.split(/(?<=\n)/);
        for (let k = 0; k < 1 + Math.floor(rnd() * 3); k++) {
          const at = Math.floor(rnd() * (lines.length + 1));
          const add = text(Math.floor(rnd() * 3))
            .split(/(?<=\n)/)
            .filter(Boolean);
          lines.splice(at, Math.floor(rnd() * 3), ...add);
        }
        return lines.join('');
      };
      const mem = new MemoryRepo();
      const base = { f: text(5 + (seed % 50)) };
      const ours = { f: edit(base.f) };
      const theirs = { f: edit(base.f) };
      const b = mem.commit({ tree: mem.tree(base) });
      const o = mem.commit({ tree: mem.tree(ours), parents: [b] });
      const t = mem.commit({ tree: mem.tree(theirs), parents: [b], message: 't\n' });
      mem.exportTo(git, { [`refs/heads/o${seed}`]: o, [`refs/heads/t${seed}`]: t });
      const expected = gitMerge(git, `o${seed}`, `t${seed}`);
      const got = await mergeTrees(
        new NewObjects(mem),
        mem.tree(base),
        mem.tree(ours),
        mem.tree(theirs),
      );
      expect(got.conflicts.length === 0, `seed ${seed}`).toBe(expected.clean);
      if (expected.clean) expect(got.tree, `seed ${seed}`).toBe(expected.tree);
      else conflicted++;
    }
    expect(conflicted).toBeGreaterThan(20);
    expect(conflicted).toBeLessThan(110);
  }, 180_000);
});

function pickSome(rnd: () => number, snap: Snapshot): Snapshot {
  const out: Snapshot = {};
  for (const [k, v] of Object.entries(snap)) if (rnd() < 0.5) out[k] = v;
  return out;
}

function gitMerge(
  git: ReturnType<typeof scratchRepo>,
  ours: string,
  theirs: string,
): { clean: boolean; tree: string; paths: string[] } {
  let out: string;
  let clean = true;
  try {
    out = git.text(['merge-tree', '--write-tree', '--name-only', '--no-messages', ours, theirs]);
  } catch (e) {
    const err = e as { status?: number; stdout?: Buffer };
    if (err.status !== 1 || !err.stdout) throw e;
    clean = false;
    out = err.stdout.toString().trim();
  }
  const [tree = '', ...rest] = out.split('\n');
  // Entries of distinct types are written as `path~branch`: the path is the one that conflicted.
  const named = rest.filter((l) => l !== '').map((l) => l.replace(/~[ot]\d+$/, ''));
  const paths = [...new Set(named)].sort();
  return { clean, tree, paths };
}

describe('mergeTrees conflict kinds', () => {
  const cases: Array<{
    name: string;
    base: Snapshot;
    ours: Snapshot;
    theirs: Snapshot;
    kinds: string[];
  }> = [
    {
      name: 'content',
      base: { f: '1\n2\n3\n' },
      ours: { f: 'x\n2\n3\n' },
      theirs: { f: 'y\n2\n3\n' },
      kinds: ['content f'],
    },
    {
      name: 'modify/delete',
      base: { f: '1\n', g: 'g\n' },
      ours: { g: 'g\n' },
      theirs: { f: '2\n', g: 'g\n' },
      kinds: ['modify/delete f'],
    },
    { name: 'add/add', base: {}, ours: { f: 'a\n' }, theirs: { f: 'b\n' }, kinds: ['add/add f'] },
    {
      name: 'mode',
      base: {},
      ours: { f: { mode: '100755', content: 'a\n' } },
      theirs: { f: 'a\n' },
      kinds: ['mode f'],
    },
    {
      name: 'distinct types',
      base: { f: 'a\n' },
      ours: { f: { mode: '120000', content: 'elsewhere' } },
      theirs: { f: 'b\n' },
      kinds: ['mode f'],
    },
    {
      name: 'binary',
      base: { f: new Uint8Array([0, 1]) as unknown as string },
      ours: { f: { mode: '100644', content: new Uint8Array([0, 2]) } },
      theirs: { f: { mode: '100644', content: new Uint8Array([0, 3]) } },
      kinds: ['binary f'],
    },
    {
      name: 'file/directory',
      base: { g: 'g\n' },
      ours: { g: 'g\n', d: 'file\n' },
      theirs: { g: 'g\n', 'd/inner': 'dir\n' },
      kinds: ['file/directory d'],
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const mem = new MemoryRepo();
      const fix = (s: Snapshot): Snapshot =>
        Object.fromEntries(
          Object.entries(s).map(([k, v]) => [
            k,
            v instanceof Uint8Array ? { mode: '100644', content: v } : v,
          ]),
        );
      const got = await mergeTrees(
        new NewObjects(mem),
        mem.tree(fix(c.base)),
        mem.tree(fix(c.ours)),
        mem.tree(fix(c.theirs)),
      );
      expect(got.conflicts.map((x) => `${x.kind} ${x.path}`)).toEqual(c.kinds);
    });
  }

  it('keeps clean merges of files and directories that replace each other', async () => {
    const mem = new MemoryRepo();
    const objects = new NewObjects(mem);
    // Ours turns file d into a directory; theirs edits another file.
    const got = await mergeTrees(
      objects,
      mem.tree({ d: 'file\n', g: 'g\n' }),
      mem.tree({ 'd/x': 'x\n', g: 'g\n' }),
      mem.tree({ d: 'file\n', g: 'g2\n' }),
    );
    expect(got.conflicts).toEqual([]);
    expect(got.tree).toBe(mem.tree({ 'd/x': 'x\n', g: 'g2\n' }));
    // Both delete everything: the empty tree.
    const empty = await mergeTrees(objects, mem.tree({ a: 'a\n' }), mem.tree({}), mem.tree({}));
    expect(empty).toEqual({ tree: mem.tree({}), conflicts: [] });
  });
});

describe('mergeTrees on broken input', () => {
  it('answers truncated, random and missing objects with a clean error', async () => {
    const rnd = seeded(21);
    const mem = new MemoryRepo();
    const good = mem.tree({ 'x/y.txt': 'one\n', z: 'z\n' });
    const body = (await mem.read(good))?.body as Uint8Array;
    const base = mem.tree({ z: 'base\n' });
    for (let round = 0; round < 200; round++) {
      const bad =
        round % 2 === 0
          ? body.subarray(0, Math.floor(rnd() * body.length))
          : new Uint8Array(Math.floor(rnd() * 80)).map(() => Math.floor(rnd() * 256));
      const oid = mem.put('tree', bad);
      const run = mergeTrees(new NewObjects(mem), base, oid, mem.tree({ z: 'theirs\n' }));
      // Either the bytes still parse as a tree (then the merge answers) or it is refused.
      await run.then(
        (r) => expect(Array.isArray(r.conflicts)).toBe(true),
        (e: unknown) => expect(String(e)).toMatch(/tree|not found|oid|mode|name|Object/i),
      );
    }
    const missing = '1'.repeat(40);
    await expect(mergeTrees(new NewObjects(mem), base, missing, good)).rejects.toThrow(/not found/);
  });

  it('gives the mergeability of a landing with its cache key', async () => {
    const { checkMergeability, mergeabilityKey } = await import('./mergeability');
    const mem = new MemoryRepo();
    const b = mem.commit({ tree: mem.tree({ f: '1\n2\n3\n' }) });
    const t = mem.commit({ tree: mem.tree({ f: 'x\n2\n3\n' }), parents: [b] });
    const clean = mem.commit({ tree: mem.tree({ f: '1\n2\nz\n' }), parents: [b] });
    const clash = mem.commit({ tree: mem.tree({ f: 'y\n2\n3\n' }), parents: [b] });
    expect(await checkMergeability(mem, { targetTip: t, base: b, head: clean })).toEqual({
      key: mergeabilityKey(t, clean),
      clean: true,
      conflicts: [],
    });
    const r = await checkMergeability(mem, { targetTip: t, base: b, head: clash });
    expect(r.clean).toBe(false);
    expect(r.conflicts.map((c) => `${c.kind} ${c.path}`)).toEqual(['content f']);
    expect(mergeabilityKey(t, clash)).toBe(`mergeability:${t}:${clash}`);
  });
});
