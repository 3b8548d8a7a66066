/**
 * Repository records and the authorisation rules over the API: creation and names, listing
 * with pagination, private repositories invisible (404) to strangers on every route,
 * collaborators' permissions, token scopes, deletion.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';

const base = inject('baseUrl');
const errorCode = async (res: Response) =>
  ((await res.json()) as { error: { code: string } }).error.code;
const uniq = (p: string) =>
  `${p}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

function api(
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: unknown } = {},
) {
  return fetch(`${base}/api/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
}

async function createRepo(u: SignUp, body: Record<string, unknown>) {
  return api('/user/repos', { method: 'POST', headers: u.headers, body });
}

describe('repositories', () => {
  let owner: SignUp;
  let stranger: SignUp;
  beforeAll(async () => {
    owner = await signUp(base);
    stranger = await signUp(base);
  });

  it('creates a repository with the GitHub-like shape and refuses duplicates in any case', async () => {
    const name = uniq('Hello.World_1');
    const res = await createRepo(owner, { name, description: 'first', private: false });
    expect(res.status).toBe(201);
    const repo = (await res.json()) as Record<string, unknown>;
    expect(repo).toMatchObject({
      name,
      full_name: `${owner.user.login}/${name}`,
      owner: { login: owner.user.login, id: owner.user.id },
      private: false,
      description: 'first',
      default_branch: 'main',
      clone_url: `${base}/${owner.user.login}/${name}.git`,
    });
    expect(typeof repo.id).toBe('number');
    expect(repo.ssh_url).toMatch(new RegExp(`${name}\\.git$`));
    expect(Date.parse(String(repo.created_at))).not.toBeNaN();
    const dup = await createRepo(owner, { name: name.toUpperCase() });
    expect(dup.status).toBe(409);
    expect(await errorCode(dup)).toBe('repo_exists');
    // Another user may use the same name.
    expect((await createRepo(stranger, { name })).status).toBe(201);
  });

  it('refuses invalid and reserved names', async () => {
    for (const name of ['', '.', '..', 'x.git', 'X.GIT', 'a/b', 'a b', 'é', 'x'.repeat(101), 42]) {
      const res = await createRepo(owner, { name });
      expect(res.status, String(name)).toBe(400);
      expect(await errorCode(res)).toBe('repo_name_invalid');
    }
    for (const name of ['api', 'settings', 'Login', 'new', 'internal', 'static', 'explore']) {
      expect(await errorCode(await createRepo(owner, { name }))).toBe('repo_name_reserved');
    }
    expect((await createRepo(owner, { name: uniq('ok'), default_branch: 'a..b' })).status).toBe(
      400,
    );
    expect((await createRepo(owner, { name: uniq('ok'), private: 'yes' })).status).toBe(400);
    expect((await api('/user/repos', { method: 'POST', body: { name: 'anon' } })).status).toBe(401);
  });

  it('lists repositories with pagination and a Link header, hiding private ones from others', async () => {
    const u = await signUp(base);
    for (const [name, priv] of [
      ['a-pub', false],
      ['b-priv', true],
      ['c-pub', false],
    ] as const) {
      expect((await createRepo(u, { name, private: priv })).status).toBe(201);
    }
    const mine = await api('/user/repos?per_page=2', { headers: { cookie: u.cookie } });
    expect(((await mine.json()) as Array<{ name: string }>).map((r) => r.name)).toEqual([
      'a-pub',
      'b-priv',
    ]);
    const link = mine.headers.get('link') ?? '';
    expect(link).toContain('rel="next"');
    expect(link).toMatch(/[?&]page=2[^>]*>; rel="next"/);
    const page2 = await api('/user/repos?per_page=2&page=2', { headers: { cookie: u.cookie } });
    expect(((await page2.json()) as Array<{ name: string }>).map((r) => r.name)).toEqual(['c-pub']);
    expect(page2.headers.get('link')).toContain('rel="prev"');

    const seenBy = async (headers: Record<string, string>) =>
      (
        (await (await api(`/users/${u.user.login}/repos`, { headers })).json()) as Array<{
          name: string;
        }>
      ).map((r) => r.name);
    expect(await seenBy({})).toEqual(['a-pub', 'c-pub']);
    expect(await seenBy({ cookie: stranger.cookie })).toEqual(['a-pub', 'c-pub']);
    expect(await seenBy({ cookie: u.cookie })).toEqual(['a-pub', 'b-priv', 'c-pub']);
    expect((await api('/users/no-such-user-xyz/repos')).status).toBe(404);
  });

  it('hides a private repository (404, never 403) from strangers and anonymous users on every route', async () => {
    const name = uniq('secret');
    expect((await createRepo(owner, { name, private: true })).status).toBe(201);
    const p = `/repos/${owner.user.login}/${name}`;
    const strangerToken = await stranger.token(['admin']);
    const actors: Array<Record<string, string>> = [
      {},
      stranger.headers,
      { authorization: `Bearer ${strangerToken}` },
    ];
    for (const headers of actors) {
      for (const [method, path, body] of [
        ['GET', p, undefined],
        ['PATCH', p, { description: 'pwned' }],
        ['DELETE', p, undefined],
        ['GET', `${p}/collaborators`, undefined],
        ['PUT', `${p}/collaborators/${stranger.user.login}`, { permission: 'admin' }],
        ['DELETE', `${p}/collaborators/${stranger.user.login}`, undefined],
      ] as const) {
        const res = await api(path, { method, headers, body });
        expect(
          res.status,
          `${method} ${path} as ${Object.keys(headers).join(',') || 'anonymous'}`,
        ).toBe(404);
        expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
          'Repository not found',
        );
      }
    }
    // Git smart HTTP: a stranger's token gets "not found"; anonymous clients get the Basic
    // challenge (so owners are prompted), never the refs.
    const basic = `Basic ${Buffer.from(`x:${strangerToken}`).toString('base64')}`;
    const refs = `${base}/${owner.user.login}/${name}.git/info/refs?service=git-upload-pack`;
    const asStranger = await fetch(refs, { headers: { authorization: basic } });
    expect(asStranger.status).toBe(404);
    const asAnonymous = await fetch(refs);
    expect(asAnonymous.status).toBe(401);
    expect(asAnonymous.headers.get('www-authenticate')).toMatch(/^Basic/);
    for (const svc of ['git-upload-pack', 'git-receive-pack']) {
      const post = await fetch(`${base}/${owner.user.login}/${name}.git/${svc}`, {
        method: 'POST',
        headers: { authorization: basic, 'content-type': `application/x-${svc}-request` },
        body: '0000',
      });
      expect(post.status, svc).toBe(404);
    }
    // The same 404 as a repository that does not exist at all.
    expect((await api(`/repos/${owner.user.login}/${uniq('nothing')}`)).status).toBe(404);
    // Still there for its owner.
    expect((await api(p, { headers: { cookie: owner.cookie } })).status).toBe(200);
  });

  it('answers 401 to anonymous writes and 403 to signed-in strangers on a public repository', async () => {
    const name = uniq('public');
    await createRepo(owner, { name });
    const p = `/repos/${owner.user.login}/${name}`;
    expect((await api(p)).status).toBe(200);
    expect((await api(p, { method: 'PATCH', body: { description: 'x' } })).status).toBe(401);
    const res = await api(p, {
      method: 'PATCH',
      headers: stranger.headers,
      body: { description: 'x' },
    });
    expect(res.status).toBe(403);
    expect(await errorCode(res)).toBe('repo_permission_denied');
    expect((await api(p, { method: 'DELETE', headers: stranger.headers })).status).toBe(403);
  });

  it('gives collaborators exactly their permission', async () => {
    const name = uniq('team');
    await createRepo(owner, { name, private: true });
    const c = await signUp(base);
    const p = `/repos/${owner.user.login}/${name}`;
    const put = (permission: string) =>
      api(`${p}/collaborators/${c.user.login}`, {
        method: 'PUT',
        headers: owner.headers,
        body: { permission },
      });

    expect((await put('read')).status).toBe(204);
    expect((await api(p, { headers: c.headers })).status).toBe(200);
    expect(
      (await api(p, { method: 'PATCH', headers: c.headers, body: { description: 'x' } })).status,
    ).toBe(403);
    expect((await api(`${p}/collaborators`, { headers: c.headers })).status).toBe(403);

    expect((await put('write')).status).toBe(204);
    const list = await api(`${p}/collaborators`, { headers: c.headers });
    expect(await list.json()).toEqual([
      { login: c.user.login, id: c.user.id, permissions: { write: true }, role_name: 'write' },
    ]);
    expect((await api(p, { method: 'DELETE', headers: c.headers })).status).toBe(403);

    expect((await put('admin')).status).toBe(204);
    const patched = await api(p, {
      method: 'PATCH',
      headers: c.headers,
      body: { description: 'by admin' },
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ description: 'by admin', private: true });

    expect(await errorCode(await put('owner'))).toBe('permission_invalid');
    const gone = await api(`${p}/collaborators/${c.user.login}`, {
      method: 'DELETE',
      headers: owner.headers,
    });
    expect(gone.status).toBe(204);
    expect((await api(p, { headers: c.headers })).status).toBe(404);
  });

  it('enforces token scopes on repository actions', async () => {
    const name = uniq('scoped');
    await createRepo(owner, { name, private: true });
    const p = `/repos/${owner.user.login}/${name}`;
    const as = (tok: string) => ({ authorization: `Bearer ${tok}` });
    const read = await owner.token(['repo:read']);
    const write = await owner.token(['repo:write']);
    const admin = await owner.token(['admin']);
    expect((await api(p, { headers: as(read) })).status).toBe(200);
    const denied = await api(p, {
      method: 'PATCH',
      headers: as(write),
      body: { description: 'w' },
    });
    expect(denied.status).toBe(403);
    expect(await errorCode(denied)).toBe('token_scope_missing');
    expect(
      (await api(p, { method: 'PATCH', headers: as(admin), body: { description: 'a' } })).status,
    ).toBe(200);
    expect((await api(`${p}/collaborators`, { headers: as(read) })).status).toBe(403);
    expect((await api(`${p}/collaborators`, { headers: as(write) })).status).toBe(200);
  });

  it('updates name, visibility and default branch, and deletes (owner only)', async () => {
    const name = uniq('change');
    await createRepo(owner, { name });
    const renamed = `${name}-2`;
    const res = await api(`/repos/${owner.user.login}/${name}`, {
      method: 'PATCH',
      headers: owner.headers,
      body: { name: renamed, private: true, default_branch: 'trunk' },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      name: renamed,
      private: true,
      default_branch: 'trunk',
    });
    // The old name redirects those who may read it (repo-redirects.test.ts has the rest).
    const old = await fetch(`${base}/api/v1/repos/${owner.user.login}/${name}`, {
      headers: owner.headers,
      redirect: 'manual',
    });
    expect(old.status).toBe(301);
    expect(old.headers.get('location')).toBe(`/api/v1/repos/${owner.user.login}/${renamed}`);
    expect((await api(`/repos/${owner.user.login}/${name}`)).status).toBe(404);
    expect((await api(`/repos/${owner.user.login}/${renamed}`)).status).toBe(404);
    const del = await api(`/repos/${owner.user.login}/${renamed}`, {
      method: 'DELETE',
      headers: owner.headers,
    });
    expect(del.status).toBe(204);
    expect(
      (await api(`/repos/${owner.user.login}/${renamed}`, { headers: owner.headers })).status,
    ).toBe(404);
  });

  it('creates a repository through the /new form', async () => {
    const u = await signUp(base);
    const name = uniq('from-form');
    const form = (body: string) =>
      fetch(`${base}/new`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          cookie: u.cookie,
          origin: new URL(base).origin,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body,
      });
    const res = await form(`name=${name}&description=d&visibility=private&default_branch=main`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/${u.user.login}/${name}`);
    const repo = await api(`/repos/${u.user.login}/${name}`, { headers: { cookie: u.cookie } });
    expect(await repo.json()).toMatchObject({ private: true, description: 'd' });
    const dup = await form(`name=${name}&visibility=public`);
    expect(dup.status).toBe(409);
    expect(await dup.text()).toContain('already have a repository');
    const page = await fetch(`${base}/new`, { headers: { cookie: u.cookie } });
    expect(await page.text()).toContain(u.user.login);
  });
});
