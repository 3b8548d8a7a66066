/**
 * Repository settings (#18): the authorisation matrix over every new route (the settings page,
 * each of its form posts, PATCH/transfer/DELETE in the API, the profile API) for the owner, an
 * admin, write and read collaborator, a stranger and an anonymous visitor, on a public and a
 * private repository; then the forms themselves (POST→redirect→GET, typed confirmations,
 * default branch must exist, secrets never shown again).
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { signUp, type SignUp } from '../../scripts/clients/auth';

const base = inject('baseUrl');
const origin = new URL(base).origin;
const uniq = (p: string) =>
  `${p}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

type Role = 'owner' | 'admin' | 'write' | 'read' | 'stranger' | 'anonymous';
const ROLES: Role[] = ['owner', 'admin', 'write', 'read', 'stranger', 'anonymous'];

let users: Record<Exclude<Role, 'anonymous'>, SignUp>;

function headersOf(role: Role, json = false): Record<string, string> {
  const h: Record<string, string> = { origin };
  if (role !== 'anonymous') h.cookie = users[role].cookie;
  h['content-type'] = json ? 'application/json' : 'application/x-www-form-urlencoded';
  return h;
}

function form(role: Role, path: string, body: string): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: headersOf(role),
    body,
  });
}

function api(role: Role, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}/api/v1${path}`, {
    method,
    redirect: 'manual',
    headers: headersOf(role, true),
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

/** What the rules answer a role that may not administer the repository. */
function denied(role: Role, priv: boolean): number {
  if (role === 'anonymous') return priv ? 404 : 401;
  if (role === 'stranger') return priv ? 404 : 403;
  return 403;
}

beforeAll(async () => {
  const [owner, admin, write, read, stranger] = await Promise.all(
    Array.from({ length: 5 }, () => signUp(base)),
  );
  users = { owner: owner!, admin: admin!, write: write!, read: read!, stranger: stranger! };
});

async function makeRepo(priv: boolean): Promise<string> {
  const name = uniq(priv ? 'priv' : 'pub');
  await users.owner.createRepo(name, { private: priv, description: 'matrix' });
  for (const r of ['admin', 'write', 'read'] as const) {
    const res = await fetch(
      `${base}/api/v1/repos/${users.owner.user.login}/${name}/collaborators/${users[r].user.login}`,
      { method: 'PUT', headers: users.owner.headers, body: JSON.stringify({ permission: r }) },
    );
    expect(res.status).toBe(204);
  }
  return `${users.owner.user.login}/${name}`;
}

describe('authorisation matrix', () => {
  for (const priv of [false, true]) {
    it(`every settings route on a ${priv ? 'private' : 'public'} repository`, async () => {
      const full = await makeRepo(priv);
      const s = `/${full}/settings`;
      // Each route with a request that, once authorised, cannot destroy anything: the typed
      // confirmation is wrong, the name or user does not exist, or the change is harmless.
      const routes: Array<{ name: string; send: (r: Role) => Promise<Response> }> = [
        {
          name: 'GET settings',
          send: (r) => fetch(`${base}${s}`, { headers: headersOf(r), redirect: 'manual' }),
        },
        { name: 'general', send: (r) => form(r, `${s}/general`, 'description=matrix') },
        {
          name: 'visibility',
          send: (r) => form(r, `${s}/visibility`, `visibility=${priv ? 'private' : 'public'}`),
        },
        {
          name: 'collaborators',
          send: (r) => form(r, `${s}/collaborators`, 'login=x&permission=bogus'),
        },
        {
          name: 'collaborator delete',
          send: (r) => form(r, `${s}/collaborators/nobody-here-zz/delete`, ''),
        },
        { name: 'secrets', send: (r) => form(r, `${s}/secrets`, 'name=1bad&value=v') },
        { name: 'secret delete', send: (r) => form(r, `${s}/secrets/NOPE_ZZ/delete`, '') },
        { name: 'rename', send: (r) => form(r, `${s}/rename`, 'new_name=x&confirm=wrong') },
        { name: 'transfer', send: (r) => form(r, `${s}/transfer`, 'new_owner=x&confirm=wrong') },
        { name: 'delete', send: (r) => form(r, `${s}/delete`, 'confirm=wrong') },
        {
          name: 'API PATCH',
          send: (r) => api(r, 'PATCH', `/repos/${full}`, { description: 'matrix' }),
        },
        {
          name: 'API transfer',
          send: (r) => api(r, 'POST', `/repos/${full}/transfer`, { new_owner: 'nobody-here-zz' }),
        },
        { name: 'API DELETE', send: (r) => api(r, 'DELETE', `/repos/${full}?dry`, undefined) },
      ];
      for (const route of routes) {
        for (const role of ROLES) {
          // Deleting for real is checked below; here only those who may not get to try.
          if (route.name === 'API DELETE' && (role === 'owner' || role === 'admin')) continue;
          const res = await route.send(role);
          const text = await res.text();
          const label = `${route.name} as ${role}: ${res.status} ${text.slice(0, 200)}`;
          if (role === 'owner' || role === 'admin') {
            // Past the authorisation: a redirect back to the page, or the page with the error,
            // or the API's own answer about the request.
            expect([200, 202, 303, 400, 404, 409], label).toContain(res.status);
            if (res.status === 404) expect(text, label).toMatch(/user_not_found|Danger zone/);
          } else {
            expect(res.status, label).toBe(denied(role, priv));
            expect(text, label).not.toContain('Danger zone');
          }
        }
      }
      // Deletion: a write collaborator may not, an admin collaborator may.
      expect((await api('write', 'DELETE', `/repos/${full}`)).status).toBe(403);
      expect((await api('admin', 'DELETE', `/repos/${full}`)).status).toBe(204);
    });
  }

  it('changes visibility only with the full name typed', async () => {
    const full = await makeRepo(false);
    const s = `/${full}/settings`;
    const visible = async () =>
      (await fetch(`${base}/${full}`, { headers: headersOf('stranger') })).status;
    for (const confirm of ['', 'wrong', full.split('/')[1] ?? '']) {
      const res = await form('owner', `${s}/visibility`, `visibility=private&confirm=${confirm}`);
      expect(res.status, confirm).toBe(400);
      expect(await visible(), confirm).toBe(200);
    }
    const ok = await form('owner', `${s}/visibility`, `visibility=private&confirm=${full}`);
    expect(ok.status).toBe(303);
    expect(await visible()).toBe(404);
  });

  it('shows the Settings tab only to those who may use it', async () => {
    const full = await makeRepo(false);
    for (const role of ROLES) {
      const page = await (await fetch(`${base}/${full}`, { headers: headersOf(role) })).text();
      expect(page.includes(`href="/${full}/settings"`), role).toBe(
        role === 'owner' || role === 'admin',
      );
      // The description shows, and the owner links to their profile.
      expect(page).toContain('matrix');
      expect(page).toContain(`href="/${users.owner.user.login}"`);
    }
  });
});

describe('settings forms', () => {
  it('saves general settings; the default branch must exist; POST→303→GET with a notice', async () => {
    const full = await makeRepo(false);
    const g = new GitSandbox();
    const token = await users.owner.token();
    const src = await g.makeRepo(uniq('src'), 1);
    await g.ok(src, [
      'push',
      remoteUrl(base, ...(full.split('/') as [string, string]), token),
      'main',
      'main:dev',
    ]);
    const s = `/${full}/settings`;
    const missing = await form('owner', `${s}/general`, 'description=d&default_branch=nope');
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('no branch named nope');
    const ok = await form('owner', `${s}/general`, 'description=New+words&default_branch=dev');
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(s);
    const flash = ok.headers
      .getSetCookie()
      .find((c) => c.startsWith('plue_flash='))
      ?.split(';')[0];
    const page = await fetch(`${base}${s}`, {
      headers: { cookie: `${users.owner.cookie}; ${flash}` },
    });
    const html = await page.text();
    expect(html).toContain('Settings saved.');
    expect(html).toContain('New words');
    expect(
      await g.ok(src, [
        'ls-remote',
        '--symref',
        remoteUrl(base, ...(full.split('/') as [string, string]), token),
        'HEAD',
      ]),
    ).toContain('ref: refs/heads/dev\tHEAD');
    g.cleanup();
  });

  it('adds and removes collaborators and secrets; secret values never come back', async () => {
    const full = await makeRepo(true);
    const s = `/${full}/settings`;
    const added = await form(
      'owner',
      `${s}/collaborators`,
      `login=${users.stranger.user.login}&permission=read`,
    );
    expect(added.status).toBe(303);
    expect(
      (await fetch(`${base}/api/v1/repos/${full}`, { headers: { cookie: users.stranger.cookie } }))
        .status,
    ).toBe(200);
    const removed = await form(
      'owner',
      `${s}/collaborators/${users.stranger.user.login}/delete`,
      '',
    );
    expect(removed.status).toBe(303);
    expect(
      (await fetch(`${base}/api/v1/repos/${full}`, { headers: { cookie: users.stranger.cookie } }))
        .status,
    ).toBe(404);

    const secret = 'hunter2-' + uniq('s');
    expect((await form('owner', `${s}/secrets`, `name=DEPLOY_KEY&value=${secret}`)).status).toBe(
      303,
    );
    const page = await (
      await fetch(`${base}${s}`, { headers: { cookie: users.owner.cookie } })
    ).text();
    expect(page).toContain('DEPLOY_KEY');
    expect(page).not.toContain(secret);
    expect((await form('owner', `${s}/secrets/DEPLOY_KEY/delete`, '')).status).toBe(303);
    const after = await (
      await fetch(`${base}${s}`, { headers: { cookie: users.owner.cookie } })
    ).text();
    expect(after).not.toContain('DEPLOY_KEY');
  });

  it('asks for the name typed out before rename, transfer and delete', async () => {
    const full = await makeRepo(false);
    const [owner, name] = full.split('/') as [string, string];
    const s = `/${full}/settings`;
    const wrong = await form('owner', `${s}/delete`, `confirm=${name}`);
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain(`Type ${full} exactly to confirm`);
    expect((await api('owner', 'GET', `/repos/${full}`)).status).toBe(200);

    const renamed = `${name}-r`;
    const rn = await form('owner', `${s}/rename`, `new_name=${renamed}&confirm=${name}`);
    expect(rn.status).toBe(303);
    expect(rn.headers.get('location')).toBe(`/${owner}/${renamed}/settings`);

    const tr = await form(
      'owner',
      `/${owner}/${renamed}/settings/transfer`,
      `new_owner=${users.read.user.login}&confirm=${owner}/${renamed}`,
    );
    expect(tr.status).toBe(303);
    expect(tr.headers.get('location')).toBe(`/${owner}`);
    const moved = (await (
      await api('read', 'GET', `/repos/${users.read.user.login}/${renamed}`)
    ).json()) as { owner: { login: string } };
    expect(moved.owner.login).toBe(users.read.user.login);
    // The new owner is no longer a collaborator; the old owner has no access to change it.
    expect(
      (
        await api('owner', 'PATCH', `/repos/${users.read.user.login}/${renamed}`, {
          description: 'x',
        })
      ).status,
    ).toBe(403);

    const del = await fetch(`${base}/${users.read.user.login}/${renamed}/settings/delete`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        cookie: users.read.cookie,
        origin,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `confirm=${users.read.user.login}/${renamed}`,
    });
    expect(del.status).toBe(303);
    expect((await api('read', 'GET', `/repos/${users.read.user.login}/${renamed}`)).status).toBe(
      404,
    );
    expect((await api('read', 'GET', `/repos/${full}`)).status).toBe(404);
  });
});
