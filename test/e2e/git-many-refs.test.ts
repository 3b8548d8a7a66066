/**
 * One push creating many branches (issue #21): 2,000 refs (MANY_REFS) at commits the server
 * already has, pushed over HTTPS with the real git client. Every ref must be reported ok to git
 * and be there afterwards; and since the push's events are recorded in bulk, the repository's
 * next push (one branch) still works at once. `npm run bench -- many-refs` times 10,000 refs
 * against `git http-backend`.
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { remoteUrl } from '../helpers/git';
import { gitSuite } from './git-suite';
import { pushRepo } from './workflows-client';

const base = inject('baseUrl');
const REFS = Number(process.env.MANY_REFS ?? 2000);

describe('a push of many refs', () => {
  const suite = gitSuite(base);
  const { g } = suite;

  it(`lands ${REFS} new branches in one push and reports each ok`, async () => {
    const repo = await pushRepo(base, g, suite.alice, suite.token, 'many-refs', {
      'a.txt': 'one\n',
      'b.txt': 'two\n',
    });
    const first = (await g.ok(repo.dir, ['rev-parse', 'HEAD~1'])).trim();
    const oids = [first, repo.sha];
    const names = Array.from({ length: REFS }, (_, i) => `many/${String(i).padStart(5, '0')}`);
    const input = names.map((n, i) => `create refs/heads/${n} ${oids[i % 2]}\n`).join('');
    execFileSync('git', ['update-ref', '--stdin'], { cwd: repo.dir, input });
    const url = remoteUrl(base, suite.alice.user.login, 'many-refs', suite.token);
    const pushed = await g.git(
      repo.dir,
      ['push', '--porcelain', url, 'refs/heads/many/*:refs/heads/many/*'],
      { timeoutMs: 180_000 },
    );
    expect(pushed.code, pushed.stderr).toBe(0);
    // `*` marks a new ref git saw accepted; one line per ref, and none refused.
    const lines = pushed.stdout.split('\n');
    const created = lines.filter((l) => l.startsWith('*\t')).map((l) => l.split('\t')[1]);
    expect(created).toHaveLength(REFS);
    expect(lines.filter((l) => l.startsWith('!'))).toEqual([]);
    expect(new Set(created)).toEqual(new Set(names.map((n) => `refs/heads/${n}:refs/heads/${n}`)));

    const remote = await g.ok(repo.dir, ['ls-remote', '--heads', url]);
    const have = new Map(
      remote
        .trim()
        .split('\n')
        .map((l) => {
          const [oid = '', ref = ''] = l.split('\t');
          return [ref, oid] as const;
        }),
    );
    expect(have.size).toBe(REFS + 1);
    names.forEach((n, i) => expect(have.get(`refs/heads/${n}`)).toBe(oids[i % 2]));

    // The repository takes the next push as usual.
    const next = await g.commitFile(repo.dir, 'c.txt', 'three\n', 'three');
    await g.ok(repo.dir, ['push', url, 'main']);
    const main = await g.ok(repo.dir, ['ls-remote', url, 'refs/heads/main']);
    expect(main.split('\t')[0]).toBe(next);
  }, 300_000);
});
