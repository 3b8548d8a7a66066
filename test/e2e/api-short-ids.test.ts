/**
 * The API takes abbreviated commit ids wherever the web pages do: commits, contents, compare,
 * commit statuses and the git data reads (full ids stay immutable; short ones revalidate).
 * Annotated tags name their commit for statuses.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');

describe('abbreviated ids in the API', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let head: string;
  let tree: string;
  let blob: string;
  const get = (path: string) => fetch(`${base}/api/v1/repos/${alice.user.login}/short/${path}`);

  beforeAll(async () => {
    alice = await signUp(base);
    await alice.createRepo('short');
    const src = await g.makeRepo('short', 3);
    await g.ok(src, ['tag', '-a', 'v1', '-m', 'one']);
    await g.ok(src, [
      'push',
      remoteUrl(base, alice.user.login, 'short', await alice.token()),
      'main',
      'v1',
    ]);
    head = (await g.ok(src, ['rev-parse', 'HEAD'])).trim();
    tree = (await g.ok(src, ['rev-parse', 'HEAD^{tree}'])).trim();
    blob = (await g.ok(src, ['rev-parse', 'HEAD:file1.txt'])).trim();
    const post = await fetch(`${base}/api/v1/repos/${alice.user.login}/short/statuses/${head}`, {
      method: 'POST',
      headers: { ...alice.headers, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'success', context: 'ci' }),
    });
    expect(post.status).toBe(201);
  });
  afterAll(() => g.cleanup());

  it('resolves them in commits, contents and compare', async () => {
    const s = head.slice(0, 7);
    for (const path of [`commits/${s}`, `contents?ref=${s}`, `compare/${s}...${s}`]) {
      const res = await get(path);
      expect(res.status, path).toBe(200);
    }
  });

  it('resolves them, and tags, for commit statuses', async () => {
    for (const ref of [head.slice(0, 7), head.slice(0, 12), 'main', 'v1', head]) {
      const res = await get(`commits/${ref}/status`);
      expect(res.status, ref).toBe(200);
      const body = (await res.json()) as { sha: string; state: string };
      expect(body, ref).toMatchObject({ sha: head, state: 'success' });
      expect((await get(`commits/${ref}/statuses`)).status, ref).toBe(200);
    }
    expect((await get('commits/0000000/status')).status).toBe(404);
  });

  it('resolves them for git data reads of the right type', async () => {
    const commit = await get(`git/commits/${head.slice(0, 8)}`);
    expect(commit.status).toBe(200);
    expect(((await commit.json()) as { sha: string }).sha).toBe(head);
    expect(commit.headers.get('cache-control')).toBe('no-cache');
    const t = await get(`git/trees/${tree.slice(0, 7)}`);
    expect(((await t.json()) as { sha: string }).sha).toBe(tree);
    const b = await get(`git/blobs/${blob.slice(0, 7)}`);
    expect(((await b.json()) as { sha: string }).sha).toBe(blob);
    // A full id stays immutable; a short id of another type, or too short, is not found.
    expect((await get(`git/commits/${head}`)).headers.get('cache-control')).toContain('immutable');
    expect((await get(`git/trees/${head.slice(0, 7)}`)).status).toBe(404);
    expect((await get(`git/commits/${head.slice(0, 5)}`)).status).toBe(404);
  });
});
