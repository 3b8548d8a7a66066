import { execFileSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchRepo } from '../../../test/helpers/git-model-fixtures';
import { aheadBehind } from './ahead-behind';
import type { ObjectReader } from './objects';
import type { ObjectType } from '../../../common/git/object';

/** A seeded generator (mulberry32): the same histories on every run. */
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

describe('aheadBehind against git rev-list --left-right --count', () => {
  const repo = scratchRepo(true);
  afterAll(() => repo.remove());
  const emptyTree = repo.text(['hash-object', '-t', 'tree', '-w', '--stdin'], '');

  /** Every object of the repository, read once through `git cat-file --batch-all-objects`. */
  const readerOfRepo = (): ObjectReader => {
    const out = execFileSync('git', ['cat-file', '--batch-all-objects', '--batch'], {
      cwd: repo.dir,
      maxBuffer: 64 << 20,
    });
    const objects = new Map<string, { type: ObjectType; body: Uint8Array }>();
    let at = 0;
    while (at < out.length) {
      const nl = out.indexOf(10, at);
      const [oid = '', type, size] = out.subarray(at, nl).toString().split(' ');
      const body = new Uint8Array(out.subarray(nl + 1, nl + 1 + Number(size)));
      objects.set(oid, { type: type as ObjectType, body });
      at = nl + 2 + Number(size);
    }
    return { read: (oid) => Promise.resolve(objects.get(oid)) };
  };

  /** A commit with these parents at this committer time (seconds). */
  const commit = (parents: string[], time: number, n: number): string => {
    const date = `${1_700_000_000 + time} +0000`;
    return execFileSync(
      'git',
      ['commit-tree', emptyTree, ...parents.flatMap((p) => ['-p', p]), '-m', `c${n}`],
      {
        cwd: repo.dir,
        env: { ...process.env, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
      },
    )
      .toString()
      .trim();
  };

  it('counts the same as git on random histories with merges and equal times', async () => {
    for (let seed = 1; seed <= 6; seed++) {
      const rnd = random(seed);
      const commits: string[] = [];
      let time = 0;
      for (let n = 0; n < 80; n++) {
        // Times never go backwards; a third of them repeat the previous one.
        if (rnd() > 0.33) time += 1 + Math.floor(rnd() * 100);
        const recent = (k: number) =>
          commits[Math.max(0, commits.length - 1 - Math.floor(rnd() * k))] as string;
        const parents =
          commits.length === 0 ? [] : rnd() < 0.2 ? [recent(30), recent(30)] : [recent(8)];
        commits.push(commit([...new Set(parents)], time, n));
      }
      const reader = readerOfRepo();
      for (let pair = 0; pair < 25; pair++) {
        const base = commits[Math.floor(rnd() * commits.length)] as string;
        const head = commits[Math.floor(rnd() * commits.length)] as string;
        const [behind, ahead] = repo
          .text(['rev-list', '--left-right', '--count', `${base}...${head}`])
          .split('\t')
          .map(Number);
        const got = await aheadBehind(reader, base, head);
        expect(got, `seed ${seed}, ${base}...${head}`).toEqual({ ahead, behind, capped: false });
      }
    }
  });

  it('stops at its limit and says so', async () => {
    const line: string[] = [];
    for (let n = 0; n < 30; n++) line.push(commit(line.slice(-1), n, 1000 + n));
    const side = commit([line[0] as string], 5, 2000);
    const got = await aheadBehind(readerOfRepo(), side, line[29] as string, 10);
    expect(got.capped).toBe(true);
    expect(got.ahead).toBeLessThan(29);
    expect(await aheadBehind(readerOfRepo(), side, line[29] as string)).toEqual({
      ahead: 29,
      behind: 1,
      capped: false,
    });
  });
});
