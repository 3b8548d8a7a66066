/**
 * The in-memory rebase against `git rebase` on the same objects: seeded random stacks rebased
 * onto a moved target must give git's tree for every commit, or conflict at the commit where git
 * stops. Rebased commits read back by `git cat-file -p` keep their change-id and other headers,
 * lose their signature, keep their author and carry the lander as committer.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommit } from '../../../../common/git/object';
import { scratchRepo } from '../../../../test/helpers/git-model-fixtures';
import {
  changeIdOf,
  MemoryRepo,
  mutateSnapshot,
  randomSnapshot,
  seeded,
  type Snapshot,
} from '../../../../test/helpers/memory-history';
import { readRange } from './commits';
import { NewObjects } from './objects';
import { rebase } from './rebase';

const LANDER = { name: 'Lander', email: 'lander@example.com', timestamp: 1800000000, tz: '+0000' };

/** A base, a target moved by `targetCommits`, and a stack of `stackCommits` with change ids. */
function history(seed: number, targetCommits: number, stackCommits: number) {
  const rnd = seeded(seed);
  const mem = new MemoryRepo();
  const snap = randomSnapshot(rnd);
  const base = mem.commit({ tree: mem.tree(snap), message: 'base\n' });
  let target = base;
  let t: Snapshot = snap;
  for (let i = 0; i < targetCommits; i++) {
    t = mutateSnapshot(rnd, t, `t${seed}.${i}`);
    target = mem.commit({
      tree: mem.tree(t),
      parents: [target],
      message: `target ${i}\n`,
      time: i,
    });
  }
  let head = base;
  let s: Snapshot = snap;
  const changeIds: string[] = [];
  for (let i = 0; i < stackCommits; i++) {
    s = mutateSnapshot(rnd, s, `s${seed}.${i}`);
    changeIds.push(changeIdOf(rnd));
    head = mem.commit({
      tree: mem.tree(s),
      parents: [head],
      message: `stack ${i}\n\nbody\n`,
      changeId: changeIds[i],
      time: 100 + i,
    });
  }
  return { mem, base, target, head, changeIds };
}

describe('rebase against git rebase', () => {
  const git = scratchRepo();
  afterAll(() => git.remove());

  it('gives git’s trees or stops where git stops', async () => {
    let applied = 0;
    let stopped = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const h = history(seed, 1 + (seed % 3), 1 + (seed % 4));
      h.mem.exportTo(git, {
        [`refs/heads/stack${seed}`]: h.head,
        [`refs/heads/target${seed}`]: h.target,
      });
      const expected = gitRebase(git, h.base, `target${seed}`, `stack${seed}`);
      const objects = new NewObjects(h.mem);
      const got = await rebase(objects, await readRange(objects, h.head, h.base), h.target, LANDER);
      if (expected.stoppedAt) {
        expect(got.ok ? 'applied' : got.at, `seed ${seed}`).toBe(expected.stoppedAt);
        stopped++;
      } else {
        expect(got.ok, `seed ${seed}`).toBe(true);
        if (!got.ok) continue;
        expect(
          got.commits.map((c) => c.tree),
          `seed ${seed}`,
        ).toEqual(expected.trees);
        applied++;
      }
    }
    expect(applied).toBeGreaterThan(8);
    expect(stopped).toBeGreaterThan(8);
  }, 180_000);

  it('agrees with git rebase on text whose lines repeat', async () => {
    const pool = ['{\n', '}\n', 'return x;\n', '\n', 'a\n', 'b\n'];
    let stopped = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const rnd = seeded(500 + seed);
      const text = (n: number) =>
        Array.from({ length: n }, () => pool[Math.floor(rnd() * pool.length)]).join('');
      const edit = (t: string) => {
        const lines = t.split(/(?<=\n)/);
        const at = Math.floor(rnd() * (lines.length + 1));
        lines.splice(
          at,
          Math.floor(rnd() * 3),
          ...text(Math.floor(rnd() * 3))
            .split(/(?<=\n)/)
            .filter(Boolean),
        );
        return lines.join('');
      };
      const mem = new MemoryRepo();
      let f = text(10 + (seed % 30));
      const base = mem.commit({ tree: mem.tree({ f }), message: 'base\n' });
      const target = mem.commit({
        tree: mem.tree({ f: edit(f) }),
        parents: [base],
        message: 't\n',
      });
      let head = base;
      for (let i = 0; i < 3; i++) {
        f = edit(f);
        head = mem.commit({
          tree: mem.tree({ f }),
          parents: [head],
          message: `s${i}\n`,
          time: i + 1,
        });
      }
      mem.exportTo(git, { [`refs/heads/rs${seed}`]: head, [`refs/heads/rt${seed}`]: target });
      const expected = gitRebase(git, base, `rt${seed}`, `rs${seed}`);
      const objects = new NewObjects(mem);
      const got = await rebase(objects, await readRange(objects, head, base), target, LANDER);
      if (expected.stoppedAt) {
        expect(got.ok ? 'applied' : got.at, `seed ${seed}`).toBe(expected.stoppedAt);
        stopped++;
      } else {
        expect(got.ok && got.commits.map((c) => c.tree), `seed ${seed}`).toEqual(expected.trees);
      }
    }
    // Both outcomes occur: some stacks stop on a conflict, most apply.
    expect(stopped).toBeGreaterThan(0);
    expect(stopped).toBeLessThan(30);
  }, 180_000);

  it('keeps change ids and extra headers, drops signatures, sets the committer', async () => {
    const mem = new MemoryRepo();
    const base = mem.commit({ tree: mem.tree({ a: '1\n2\n3\n' }) });
    const target = mem.commit({ tree: mem.tree({ a: '1\n2\n3\n', b: 'b\n' }), parents: [base] });
    const id = changeIdOf(seeded(1));
    const signed = new TextEncoder().encode(
      `tree ${mem.tree({ a: '1\nx\n3\n' })}\nparent ${base}\n` +
        'author Ada Lovelace <ada@example.com> 1700000000 +0100\n' +
        'committer Ada Lovelace <ada@example.com> 1700000000 +0100\n' +
        `change-id ${id}\nx-custom one\n two\n` +
        'gpgsig -----BEGIN PGP SIGNATURE-----\n \n abc\n -----END PGP SIGNATURE-----\n\nsigned change\n',
    );
    const head = mem.put('commit', signed);
    const objects = new NewObjects(mem);
    const got = await rebase(objects, await readRange(objects, head, base), target, LANDER);
    if (!got.ok) throw new Error('conflict');
    const landed = got.head;
    const repo = scratchRepo(true);
    try {
      const all = new MemoryRepo();
      for (const [oid, o] of mem.objects) all.objects.set(oid, o);
      for (const o of objects.list()) all.objects.set(o.oid, o);
      all.exportTo(repo, { 'refs/heads/main': landed });
      const text = repo.text(['cat-file', '-p', landed]);
      expect(text).toContain(`change-id ${id}\nx-custom one\n two\n`);
      expect(text).not.toContain('gpgsig');
      expect(text).toContain('author Ada Lovelace <ada@example.com> 1700000000 +0100');
      expect(text).toContain('committer Lander <lander@example.com> 1800000000 +0000');
      expect(text).toContain(`parent ${target}`);
      expect(parseCommit(new TextEncoder().encode(text + '\n')).changeId).toBe(id);
      expect(repo.text(['fsck', '--strict', '--no-dangling'])).toBe('');
      expect(repo.text(['show', `${landed}:a`])).toBe('1\nx\n3');
    } finally {
      repo.remove();
    }
  });

  it('copies headers and messages in other encodings byte for byte', async () => {
    const mem = new MemoryRepo();
    const base = mem.commit({ tree: mem.tree({ a: 'a\n' }) });
    const target = mem.commit({ tree: mem.tree({ a: 'a\n', t: 't\n' }), parents: [base] });
    const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
    const raw = latin1(
      `tree ${mem.tree({ a: 'b\n' })}\nparent ${base}\n` +
        'author Ren\xe9 <r@example.com> 1700000000 +0100\n' +
        'committer Ren\xe9 <r@example.com> 1700000000 +0100\nencoding ISO-8859-1\n\ncaf\xe9\n',
    );
    const head = mem.put('commit', raw);
    const objects = new NewObjects(mem);
    const lander = { ...LANDER, name: 'Zoë' };
    const got = await rebase(objects, await readRange(objects, head, base), target, lander);
    if (!got.ok) throw new Error('conflict');
    const body = (await objects.read(got.head))?.body as Uint8Array;
    const text = Buffer.from(body).toString('latin1');
    expect(text).toContain('author Ren\xe9 <r@example.com> 1700000000 +0100\n');
    expect(text).toContain(`committer ${Buffer.from('Zoë', 'utf8').toString('latin1')} <lander`);
    expect(text).toContain('encoding ISO-8859-1\n\ncaf\xe9\n');
    expect(text.startsWith(`tree ${got.commits[0]?.tree}\nparent ${target}\nauthor`)).toBe(true);
  });

  it('fast-forwards a range already on the target and refuses merges and strangers', async () => {
    const mem = new MemoryRepo();
    const base = mem.commit({ tree: mem.tree({ a: 'a\n' }) });
    const c1 = mem.commit({ tree: mem.tree({ a: 'b\n' }), parents: [base] });
    const objects = new NewObjects(mem);
    const ff = await rebase(objects, await readRange(objects, c1, base), base, LANDER);
    expect(ff).toEqual({
      ok: true,
      head: c1,
      fastForward: true,
      commits: [{ original: c1, rebased: c1, tree: mem.tree({ a: 'b\n' }) }],
    });
    expect(objects.list()).toEqual([]);
    const side = mem.commit({ tree: mem.tree({ a: 'c\n' }), parents: [base] });
    const merge = mem.commit({ tree: mem.tree({ a: 'd\n' }), parents: [c1, side] });
    await expect(readRange(objects, merge, base)).rejects.toThrow(/is a merge/);
    const other = mem.commit({ tree: mem.tree({ z: 'z\n' }) });
    await expect(readRange(objects, c1, other)).rejects.toThrow(/not an ancestor/);
  });
});

function gitRebase(
  git: ReturnType<typeof scratchRepo>,
  base: string,
  target: string,
  stack: string,
): { trees: string[]; stoppedAt?: string } {
  git.git(['checkout', '-q', '-f', stack]);
  try {
    git.git(['rebase', '-q', '--reapply-cherry-picks', '--empty=keep', '--onto', target, base]);
  } catch {
    const stoppedAt = git.text(['rev-parse', 'REBASE_HEAD']);
    git.git(['rebase', '--abort']);
    return { trees: [], stoppedAt };
  }
  const trees = git
    .text(['log', '--reverse', '--format=%T', `${target}..HEAD`])
    .split('\n')
    .filter((l) => l !== '');
  return { trees };
}
