/**
 * People (#18): the username a new user chooses at first sign-in (the verify answer asks for it,
 * /welcome takes it with a plain form and goes on; a returning user is not asked again), renames
 * in account settings, and the profile page and API: the repositories and recent pushes the
 * viewer may see, and nothing of a private repository for strangers.
 */
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import { describe, expect, inject, it } from 'vitest';
import {
  getNonce,
  postVerify,
  randomClientIp,
  sessionCookie,
  siweMessage,
  signUp,
} from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');
const origin = new URL(base).origin;
const uniq = (p: string) =>
  `${p}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

async function verify(account: ReturnType<typeof privateKeyToAccount>) {
  const ip = randomClientIp();
  const message = siweMessage({ account, baseUrl: base, nonce: await getNonce(base, ip) });
  const res = await postVerify(
    base,
    { message, signature: await account.signMessage({ message }) },
    ip,
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as { user: { login: string }; choose_username: boolean };
  return { ...body, cookie: sessionCookie(res) ?? '' };
}

function post(path: string, cookie: string, body: string) {
  return fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, origin, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}

describe('choosing a username at first sign-in', () => {
  it('asks a new user once, takes the choice through /welcome, and goes on', async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const first = await verify(account);
    expect(first.choose_username).toBe(true);
    expect(first.user.login).toMatch(/^u-[0-9a-f]{8}/);

    const form = await fetch(`${base}/welcome?next=/explore`, {
      headers: { cookie: first.cookie },
    });
    expect(form.status).toBe(200);
    const html = await form.text();
    expect(html).toContain(`value="${first.user.login}"`);
    expect(html).toContain('name="next" value="/explore"');

    // Refusals re-render the form with the message: a bad name, a reserved one, a taken one.
    const other = await signUp(base);
    for (const [login, says] of [
      ['-bad-', '1–39 letters'],
      ['settings', 'reserved'],
      [other.user.login.toUpperCase(), 'taken'],
    ] as const) {
      const res = await post(
        '/welcome',
        first.cookie,
        `login=${encodeURIComponent(login)}&next=/explore`,
      );
      expect(res.status, login).toBe(400);
      expect(await res.text(), login).toContain(says);
    }
    // An outside address as `next` is not followed.
    const chosen = uniq('ada');
    const ok = await post('/welcome', first.cookie, `login=${chosen}&next=//evil.example/`);
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/');
    const me = await fetch(`${base}/api/v1/user`, { headers: { cookie: first.cookie } });
    expect(((await me.json()) as { login: string }).login).toBe(chosen);

    // Signing in again: not asked, and /welcome just goes on.
    const again = await verify(account);
    expect(again.choose_username).toBe(false);
    expect(again.user.login).toBe(chosen);
    const skip = await fetch(`${base}/welcome?next=/explore`, {
      headers: { cookie: again.cookie },
      redirect: 'manual',
    });
    expect(skip.status).toBe(303);
    expect(skip.headers.get('location')).toBe('/explore');
    // The generated name is free again, and leads to the user until someone takes it.
    const was = await fetch(`${base}/${first.user.login}`, { redirect: 'manual' });
    expect(was.headers.get('location')).toBe(`/${chosen}`);
  });

  it('renames from account settings with a redirect from the old name', async () => {
    const u = await signUp(base);
    const name = uniq('renamed');
    const res = await post('/settings/profile', u.cookie, `login=${name}`);
    expect(res.status).toBe(303);
    expect(
      (await fetch(`${base}/${u.user.login}`, { redirect: 'manual' })).headers.get('location'),
    ).toBe(`/${name}`);
    const profile = await (await fetch(`${base}/${name}`)).text();
    expect(profile).toContain(`<h1>${name}</h1>`);
  });
});

describe('profiles', () => {
  it('lists the repositories and pushes the viewer may see', async () => {
    const [owner, collab, stranger] = await Promise.all([signUp(base), signUp(base), signUp(base)]);
    const pub = uniq('pub');
    const priv = uniq('priv');
    await owner.createRepo(pub, { description: 'out in the open' });
    await owner.createRepo(priv, { private: true });
    const put = await fetch(
      `${base}/api/v1/repos/${owner.user.login}/${priv}/collaborators/${collab.user.login}`,
      {
        method: 'PUT',
        headers: owner.headers,
        body: JSON.stringify({ permission: 'read' }),
      },
    );
    expect(put.status).toBe(204);
    const g = new GitSandbox();
    const token = await owner.token();
    const src = await g.makeRepo('src', 1);
    await g.ok(src, ['push', remoteUrl(base, owner.user.login, pub, token), 'main']);
    await g.ok(src, ['push', remoteUrl(base, owner.user.login, priv, token), 'main:secret-branch']);
    g.cleanup();

    const page = async (cookie?: string) =>
      (await fetch(`${base}/${owner.user.login}`, { headers: cookie ? { cookie } : {} })).text();
    for (const [who, html] of [
      ['anonymous', await page()],
      ['stranger', await page(stranger.cookie)],
    ] as const) {
      expect(html, who).toContain(pub);
      expect(html, who).toContain('out in the open');
      expect(html, who).not.toContain(priv);
      expect(html, who).not.toContain('secret-branch');
    }
    // Pushes are recorded as the push finishes: wait for them to show.
    await expect
      .poll(async () => page(collab.cookie), { timeout: 20_000 })
      .toContain('secret-branch');
    const seen = await page(collab.cookie);
    expect(seen).toContain(priv);
    expect(seen).toMatch(/Pushed <code>main<\/code>/);

    const api = await fetch(`${base}/api/v1/users/${owner.user.login.toUpperCase()}`);
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({
      login: owner.user.login,
      type: 'User',
      public_repos: 1,
      html_url: `${base}/${owner.user.login}`,
    });
    expect((await fetch(`${base}/api/v1/users/no-such-user-zz`)).status).toBe(404);
    expect((await fetch(`${base}/no-such-user-zz`)).status).toBe(404);
  });
});
