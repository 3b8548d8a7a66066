/**
 * The repository record follows git: pushed_at moves with pushes, and a first push
 * that chose another branch than the recorded default makes that branch the default, so the API
 * and the pages agree with what a clone checks out.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { poll } from './workflows-client';

const base = inject('baseUrl');

interface RepoJson {
  default_branch: string;
  pushed_at: string | null;
  updated_at: string;
}

describe('the repository record follows pushes', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  const record = async (name: string): Promise<RepoJson> => {
    const res = await fetch(`${base}/api/v1/repos/${alice.user.login}/${name}`, {
      headers: alice.headers,
    });
    expect(res.status).toBe(200);
    return (await res.json()) as RepoJson;
  };
  // The record is written after git has its answer: wait until it shows what `ready` wants.
  const recordWhen = (name: string, ready: (r: RepoJson) => boolean): Promise<RepoJson> =>
    poll(async () => {
      const r = await record(name);
      return ready(r) ? r : undefined;
    }, 20_000);

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token();
  });
  afterAll(() => g.cleanup());

  it('sets pushed_at on every push', async () => {
    await alice.createRepo('pushed');
    const before = await record('pushed');
    expect(before.pushed_at).toBeNull();
    const src = await g.makeRepo('pushed-src', 2);
    await g.ok(src, ['push', remoteUrl(base, alice.user.login, 'pushed', token), 'main']);
    const after = await recordWhen('pushed', (r) => r.pushed_at !== null);
    // The record itself did not change (pages pinned to a commit are cached against it).
    expect(after.updated_at).toBe(before.updated_at);
    expect(Date.parse(String(after.pushed_at))).toBeGreaterThanOrEqual(
      Date.parse(before.updated_at),
    );
    // A second push moves it again.
    await g.commitFile(src, 'b.txt', 'b\n', 'b');
    await g.ok(src, ['push', remoteUrl(base, alice.user.login, 'pushed', token), 'main']);
    await recordWhen('pushed', (r) => r.pushed_at !== after.pushed_at);
  });

  it('takes the first pushed branch as the default when the default was not pushed', async () => {
    await alice.createRepo('trunk');
    expect((await record('trunk')).default_branch).toBe('main');
    const src = await g.makeRepo('trunk-src', 2);
    await g.ok(src, ['branch', '-m', 'main', 'trunk']);
    const url = remoteUrl(base, alice.user.login, 'trunk', token);
    await g.ok(src, ['push', url, 'trunk']);
    await recordWhen('trunk', (r) => r.default_branch === 'trunk');
    const dst = join(g.root, 'trunk-clone');
    await g.ok(g.root, ['clone', '-q', url, dst]);
    expect((await g.ok(dst, ['rev-parse', '--abbrev-ref', 'HEAD'])).trim()).toBe('trunk');
    // The repository page's tree is the pushed branch's, not an empty "main".
    const page = await fetch(`${base}/${alice.user.login}/trunk`, { headers: alice.headers });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('file1.txt');
  });
});
