/**
 * Interdiffs: commit verdicts against `git range-diff` on seeded revision pairs (a moved target,
 * amended commits, commits whose change id was lost, dropped and added commits), the whole
 * interdiff of a rebased but unchanged revision being empty, hunks marked when they come from a
 * conflicting rebase, and the assignment solver against brute force.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { scratchRepo } from '../../../../test/helpers/git-model-fixtures';
import {
  changeIdOf,
  freshLines,
  MemoryRepo,
  seeded,
  type Snapshot,
} from '../../../../test/helpers/memory-history';
import { interdiffRevisions, onlyRebased } from './interdiff';
import { assignment } from './pairing';

const SYMBOL = { unchanged: '=', changed: '!', removed: '<', added: '>' } as const;

describe('interdiffRevisions against git range-diff', () => {
  const git = scratchRepo(true);
  afterAll(() => git.remove());

  it('gives range-diff’s verdict for every commit', async () => {
    let changed = 0;
    let unchanged = 0;
    let other = 0;
    for (let seed = 1; seed <= 24; seed++) {
      const rnd = seeded(seed);
      const mem = new MemoryRepo();
      const n = 2 + (seed % 3);
      const files: Snapshot = { 'other.txt': freshLines(rnd, 'other', 6).join('') };
      for (let k = 0; k < n; k++) files[`src/${k}.txt`] = freshLines(rnd, `f${k}`, 8).join('');
      const base = mem.commit({ tree: mem.tree(files), message: 'base\n' });
      const movedOther = freshLines(rnd, 'moved', 3).join('');
      const target = mem.commit({
        tree: mem.tree({ ...files, 'other.txt': movedOther }),
        parents: [base],
        message: 'target\n',
      });
      // Revision 1 on base; revision 2 on the moved target, each commit kept, amended,
      // stripped of its change id, or dropped; sometimes a new commit on top.
      let s1: Snapshot = files;
      let s2: Snapshot = { ...files, 'other.txt': movedOther };
      let h1 = base;
      let h2 = target;
      for (let k = 0; k < n; k++) {
        const id = changeIdOf(rnd);
        const path = `src/${k}.txt`;
        const lines = (s1[path] as string).split(/(?<=\n)/);
        lines.splice(1 + Math.floor(rnd() * 5), 1, ...freshLines(rnd, `e${k}`, 2));
        s1 = { ...s1, [path]: lines.join('') };
        h1 = mem.commit({
          tree: mem.tree(s1),
          parents: [h1],
          message: `commit ${k}\n`,
          changeId: id,
          time: k,
        });
        const fate = rnd();
        if (fate < 0.15) continue; // dropped
        const amended = fate < 0.5 ? lines.map((l, i) => (i === 0 ? `amended ${k}\n` : l)) : lines;
        s2 = { ...s2, [path]: amended.join('') };
        h2 = mem.commit({
          tree: mem.tree(s2),
          parents: [h2],
          message: `commit ${k}\n`,
          ...(fate > 0.85 ? {} : { changeId: id }),
          time: k,
        });
      }
      if (rnd() < 0.3 || h2 === target) {
        s2 = { ...s2, 'src/new.txt': freshLines(rnd, 'new', 5).join('') };
        h2 = mem.commit({ tree: mem.tree(s2), parents: [h2], message: 'a new commit\n', time: 50 });
      }
      mem.exportTo(git, { [`refs/heads/r1-${seed}`]: h1, [`refs/heads/r2-${seed}`]: h2 });
      const expected = rangeDiff(git, `${base}..${h1}`, `${target}..${h2}`);
      const list1 = git
        .text(['rev-list', '--reverse', `${base}..${h1}`])
        .split('\n')
        .filter(Boolean);
      const list2 = git
        .text(['rev-list', '--reverse', `${target}..${h2}`])
        .split('\n')
        .filter(Boolean);
      const got = await interdiffRevisions(mem, { head: h1, base }, { head: h2, base: target });
      const lines = got.commits
        .map((c) => {
          const i = c.old ? list1.indexOf(c.old) + 1 : '-';
          const j = c.new ? list2.indexOf(c.new) + 1 : '-';
          return `${i} ${SYMBOL[c.verdict]} ${j}`;
        })
        .sort();
      expect(lines, `seed ${seed}`).toEqual(expected);
      for (const c of got.commits) {
        if (c.verdict === 'changed') changed++;
        else if (c.verdict === 'unchanged') unchanged++;
        else other++;
      }
      // The moved target is factored out of the whole interdiff: only amended or new files show.
      expect(got.whole.rebased).toBe(true);
      expect(got.whole.files.map((f) => f.path)).not.toContain('other.txt');
    }
    expect(changed).toBeGreaterThan(5);
    expect(unchanged).toBeGreaterThan(5);
    expect(other).toBeGreaterThan(3);
  }, 180_000);
});

function rangeDiff(git: ReturnType<typeof scratchRepo>, a: string, b: string): string[] {
  const out = git.text(['range-diff', '--no-color', a, b]);
  const lines: string[] = [];
  for (const l of out.split('\n')) {
    const m = /^\s*(\d+|-):\s+(?:[0-9a-f]+|-+) ([=!<>]) (\d+|-):\s/.exec(l);
    if (m) lines.push(`${m[1]} ${m[2]} ${m[3]}`);
  }
  return lines.sort();
}

describe('interdiff of a conflicting rebase', () => {
  it('marks the hunks that meet a conflicting region and no others', async () => {
    const mem = new MemoryRepo();
    const f = (five: string) => `1\n2\n3\n4\n${five}\n6\n7\n8\n9\n10\n11\n12\n13\n14\n15\n`;
    const base = mem.commit({ tree: mem.tree({ f: f('5'), g: 'g\n' }) });
    const moved = mem.commit({ tree: mem.tree({ f: f('five'), g: 'g\n' }), parents: [base] });
    const id = changeIdOf(seeded(2));
    const r1 = mem.commit({
      tree: mem.tree({ f: f('FIVE'), g: 'g\n' }),
      parents: [base],
      changeId: id,
    });
    // Revision 2 resolves the conflict with the moved target and also edits line 14 and g.
    const r2 = mem.commit({
      tree: mem.tree({ f: f('FIVE!').replace('14\n', 'fourteen\n'), g: 'G\n' }),
      parents: [moved],
      changeId: id,
    });
    const got = await interdiffRevisions(mem, { head: r1, base }, { head: r2, base: moved });
    expect(got.whole.conflicts.map((c) => `${c.kind} ${c.path}`)).toEqual(['content f']);
    const file = got.whole.files.find((x) => x.path === 'f');
    expect(file?.rebaseConflict).toBe('content');
    expect(file?.hunks?.map((h) => Boolean(h.fromRebaseConflict))).toEqual([true, false]);
    expect(got.whole.files.find((x) => x.path === 'g')?.rebaseConflict).toBeUndefined();
    expect(got.commits).toMatchObject([{ old: r1, new: r2, changeId: id, verdict: 'changed' }]);
    // Same revision rebased cleanly elsewhere: nothing to show.
    const base2 = mem.commit({
      tree: mem.tree({ f: f('5'), g: 'g\n', h: 'h\n' }),
      parents: [base],
    });
    const r4 = mem.commit({
      tree: mem.tree({ f: f('FIVE'), g: 'g\n', h: 'h\n' }),
      parents: [base2],
      changeId: id,
    });
    const same = await interdiffRevisions(mem, { head: r1, base }, { head: r4, base: base2 });
    expect(same.whole.empty).toBe(true);
    expect(same.commits.map((c) => c.verdict)).toEqual(['unchanged']);
    expect(onlyRebased(same)).toBe(true);
    expect(onlyRebased(got)).toBe(false);
  });
});

describe('assignment', () => {
  it('finds the cheapest assignment on random matrices', () => {
    const rnd = seeded(5);
    const perms = (n: number): number[][] =>
      n === 0
        ? [[]]
        : perms(n - 1).flatMap((p) =>
            Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]),
          );
    for (let round = 0; round < 200; round++) {
      const n = 1 + Math.floor(rnd() * 5);
      const cost = Array.from({ length: n }, () =>
        Array.from({ length: n }, () => Math.floor(rnd() * 20)),
      );
      const total = (a: number[]) => a.reduce((s, j, i) => s + (cost[i]?.[j] ?? 0), 0);
      const best = Math.min(...perms(n).map(total));
      const got = assignment(cost);
      expect([...got].sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(total(got)).toBe(best);
    }
  });
});
