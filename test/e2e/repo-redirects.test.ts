/**
 * Renames and transfers redirect old URLs as on GitHub (#18): web pages and the API answer 301
 * (307 for other methods) to the new name, and `git clone` / `git push` of the old URL work over
 * HTTPS and over SSH (real git, real OpenSSH, the SSH bridge). A renamed owner's old username
 * redirects too. Private repositories stay invisible to strangers through old names, and a new
 * repository taking the old name ends the redirect.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Bridge } from '../../ssh-bridge/server';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { remoteUrl } from '../helpers/git';
import { SshKit, type SshKey, startTestBridge } from '../helpers/ssh';

const base = inject('baseUrl');
const uniq = (p: string) =>
  `${p}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

let kit: SshKit;
let bridge: Bridge;
let alice: SignUp;
let bob: SignUp;
let stranger: SignUp;
let aliceKey: SshKey;
let aliceToken: string;

const sshUrl = (owner: string, repo: string) =>
  `ssh://git@127.0.0.1:${bridge.port}/${owner}/${repo}.git`;

function call(user: SignUp | undefined, method: string, path: string, body?: unknown) {
  return fetch(`${base}${path}`, {
    method,
    redirect: 'manual',
    headers: user ? user.headers : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

beforeAll(async () => {
  kit = new SshKit();
  [alice, bob, stranger] = await Promise.all([signUp(base), signUp(base), signUp(base)]);
  aliceKey = await kit.keygen('alice');
  const res = await call(alice, 'POST', '/api/v1/user/keys', {
    title: 't',
    key: aliceKey.publicLine,
  });
  expect(res.status).toBe(201);
  aliceToken = await alice.token();
  bridge = await startTestBridge(kit, base);
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  kit?.cleanup();
});

/** Creates `name` for alice and pushes two commits to it; returns the local repository. */
async function pushed(name: string, opts: { private?: boolean } = {}): Promise<string> {
  await alice.createRepo(name, opts);
  const src = await kit.makeRepo(uniq('src'), 2);
  await kit.gitOk(src, ['push', remoteUrl(base, alice.user.login, name, aliceToken), 'main']);
  return src;
}

describe('rename', () => {
  it('redirects pages and the API, and serves git clone and push of the old URL over HTTPS and SSH', async () => {
    const a = alice.user.login;
    const name = uniq('old');
    const src = await pushed(name);
    const renamed = `${name}-new`;
    const patch = await call(alice, 'PATCH', `/api/v1/repos/${a}/${name}`, { name: renamed });
    expect(patch.status).toBe(200);

    const page = await call(undefined, 'GET', `/${a}/${name}/commits/main?x=1`);
    expect(page.status).toBe(301);
    expect(page.headers.get('location')).toBe(`/${a}/${renamed}/commits/main?x=1`);
    const apiGet = await call(undefined, 'GET', `/api/v1/repos/${a}/${name}`);
    expect(apiGet.status).toBe(301);
    expect(apiGet.headers.get('location')).toBe(`/api/v1/repos/${a}/${renamed}`);
    const apiPatch = await call(alice, 'PATCH', `/api/v1/repos/${a}/${name}`, { description: 'x' });
    expect(apiPatch.status).toBe(307);
    // fetch follows the redirect to the repository under its new name.
    const followed = await fetch(`${base}/api/v1/repos/${a}/${name}`);
    expect(((await followed.json()) as { name: string }).name).toBe(renamed);

    // git over HTTPS: clone and push the old URL.
    const head = (await kit.gitOk(src, ['rev-parse', 'HEAD'])).trim();
    const oldHttps = remoteUrl(base, a, name, aliceToken);
    await kit.gitOk(kit.root, ['clone', '-q', oldHttps, uniq('https-clone')]);
    const next = await kit.commit(src, 'third.txt', 'three\n', 'commit 3');
    await kit.gitOk(src, ['push', oldHttps, 'main']);
    expect(await kit.gitOk(src, ['ls-remote', remoteUrl(base, a, renamed), 'main'])).toContain(
      next,
    );
    expect(next).not.toBe(head);

    // git over SSH: clone and push the old URL.
    const sshDir = uniq('ssh-clone');
    await kit.gitOk(kit.root, ['clone', '-q', sshUrl(a, name), sshDir], {
      port: bridge.port,
      key: aliceKey,
    });
    const dst = join(kit.root, sshDir);
    expect((await kit.gitOk(dst, ['rev-parse', 'HEAD'])).trim()).toBe(next);
    const fourth = await kit.commit(dst, 'fourth.txt', 'four\n', 'commit 4');
    await kit.gitOk(dst, ['push', sshUrl(a, name), 'main'], { port: bridge.port, key: aliceKey });
    expect(await kit.gitOk(src, ['ls-remote', remoteUrl(base, a, renamed), 'main'])).toContain(
      fourth,
    );
  });

  it('keeps a private repository invisible to strangers through its old name', async () => {
    const a = alice.user.login;
    const name = uniq('hidden');
    await pushed(name, { private: true });
    const renamed = `${name}-2`;
    expect(
      (await call(alice, 'PATCH', `/api/v1/repos/${a}/${name}`, { name: renamed })).status,
    ).toBe(200);
    for (const who of [undefined, stranger]) {
      expect((await call(who, 'GET', `/${a}/${name}`)).status).toBe(404);
      const api = await call(who, 'GET', `/api/v1/repos/${a}/${name}`);
      expect(api.status).toBe(404);
      expect(api.headers.get('location')).toBeNull();
      expect(await api.text()).not.toContain(renamed);
    }
    const strangerToken = await stranger.token();
    const r = await kit.git(kit.root, ['ls-remote', remoteUrl(base, a, name, strangerToken)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).not.toContain(renamed);
    expect((await call(alice, 'GET', `/${a}/${name}`)).status).toBe(301);
  });

  it('ends the redirect when a new repository takes the old name', async () => {
    const a = alice.user.login;
    const name = uniq('taken');
    await pushed(name);
    expect(
      (await call(alice, 'PATCH', `/api/v1/repos/${a}/${name}`, { name: `${name}-moved` })).status,
    ).toBe(200);
    await alice.createRepo(name, { description: 'the new one' });
    const res = await call(undefined, 'GET', `/api/v1/repos/${a}/${name}`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { description: string }).description).toBe('the new one');
    // The new repository is empty: git sees no refs under the old name any more.
    expect(await kit.gitOk(kit.root, ['ls-remote', remoteUrl(base, a, name, aliceToken)])).toBe('');
    // Deleting the new one does not bring the redirect back.
    expect((await call(alice, 'DELETE', `/api/v1/repos/${a}/${name}`)).status).toBe(204);
    expect((await call(alice, 'GET', `/api/v1/repos/${a}/${name}`)).status).toBe(404);
  });
});

describe('transfer', () => {
  it('moves the repository to another user; old URLs lead there for web, API and git', async () => {
    const a = alice.user.login;
    const b = bob.user.login;
    const name = uniq('gift');
    const src = await pushed(name);
    const tr = await call(alice, 'POST', `/api/v1/repos/${a}/${name}/transfer`, {
      new_owner: b,
    });
    expect(tr.status).toBe(202);
    expect(((await tr.json()) as { full_name: string }).full_name).toBe(`${b}/${name}`);
    const page = await call(undefined, 'GET', `/${a}/${name}/tree/main`);
    expect(page.status).toBe(301);
    expect(page.headers.get('location')).toBe(`/${b}/${name}/tree/main`);
    // Alice no longer administers it.
    expect(
      (await call(alice, 'PATCH', `/api/v1/repos/${b}/${name}`, { description: 'x' })).status,
    ).toBe(403);
    // Bob pushes through the old URL.
    const bobToken = await bob.token();
    const next = await kit.commit(src, 'bob.txt', 'bob\n', 'from bob');
    await kit.gitOk(src, ['push', remoteUrl(base, a, name, bobToken), 'main']);
    expect(await kit.gitOk(src, ['ls-remote', remoteUrl(base, b, name), 'main'])).toContain(next);
    // Refusals: unknown user, the same owner, a name the recipient already has.
    const none = await call(bob, 'POST', `/api/v1/repos/${b}/${name}/transfer`, {
      new_owner: 'no-such-user-zz',
    });
    expect(none.status).toBe(404);
    const same = await call(bob, 'POST', `/api/v1/repos/${b}/${name}/transfer`, { new_owner: b });
    expect(same.status).toBe(400);
    await alice.createRepo(name);
    const clash = await call(bob, 'POST', `/api/v1/repos/${b}/${name}/transfer`, { new_owner: a });
    expect(clash.status).toBe(409);
  });
});

describe('owner rename', () => {
  it('redirects the old username for profiles, repositories, the API and git', async () => {
    const u = await signUp(base);
    const token = await u.token();
    const name = uniq('r');
    await u.createRepo(name);
    const src = await kit.makeRepo(uniq('src'), 1);
    await kit.gitOk(src, ['push', remoteUrl(base, u.user.login, name, token), 'main']);
    const old = u.user.login;
    const fresh = uniq('renamed').slice(0, 39);
    const res = await call(u, 'PATCH', '/api/v1/user', { login: fresh });
    expect(res.status).toBe(200);
    expect((await call(undefined, 'GET', `/${old}`)).headers.get('location')).toBe(`/${fresh}`);
    const repoPage = await call(undefined, 'GET', `/${old}/${name}`);
    expect(repoPage.status, await repoPage.clone().text()).toBe(301);
    expect(repoPage.headers.get('location')).toBe(`/${fresh}/${name}`);
    const api = await call(undefined, 'GET', `/api/v1/users/${old}`);
    expect(api.status).toBe(301);
    expect(api.headers.get('location')).toBe(`/api/v1/users/${fresh}`);
    expect((await call(undefined, 'GET', `/api/v1/users/${old}/repos`)).status).toBe(301);
    const user = (await (await fetch(`${base}/api/v1/users/${fresh}`)).json()) as {
      login: string;
      public_repos: number;
    };
    expect(user).toMatchObject({ login: fresh, public_repos: 1 });
    expect(await kit.gitOk(kit.root, ['ls-remote', remoteUrl(base, old, name)])).toContain(
      'refs/heads/main',
    );
    // A new user taking the old name ends the redirect.
    const again = await call(alice, 'PATCH', '/api/v1/user', { login: old });
    expect(again.status).toBe(200);
    expect((await call(undefined, 'GET', `/${old}`)).status).toBe(200);
    expect((await call(undefined, 'GET', `/${old}/${name}`)).status).toBe(404);
  });
});
