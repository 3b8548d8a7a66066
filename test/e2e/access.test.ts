/**
 * Personal access tokens, SSH keys (with the bridge's lookup and identity) and the same-origin
 * check for cookie-authenticated writes, against the running stack.
 */
import { bridgeTicket, DEV_BRIDGE_SECRET, SshKit } from '../helpers/ssh';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { signUp } from '../../scripts/clients/auth';

const base = inject('baseUrl');
const errorCode = async (res: Response) =>
  ((await res.json()) as { error: { code: string } }).error.code;

describe('personal access tokens', () => {
  it('shows a token once, accepts it as Bearer and as the Basic password, and revokes it', async () => {
    const u = await signUp(base);
    const created = await fetch(`${base}/api/v1/user/tokens`, {
      method: 'POST',
      headers: u.headers,
      body: JSON.stringify({ name: 'ci', scopes: ['repo:read'] }),
    });
    expect(created.status).toBe(201);
    const t = (await created.json()) as { id: number; token: string; scopes: string[] };
    expect(t.token).toMatch(/^plue_pat_[0-9A-Za-z]{43}$/);
    expect(t.scopes).toEqual(['repo:read']);

    const list = (await (
      await fetch(`${base}/api/v1/user/tokens`, { headers: { cookie: u.cookie } })
    ).json()) as Array<Record<string, unknown>>;
    expect(list.map((x) => x.name)).toEqual(['ci']);
    expect(JSON.stringify(list)).not.toContain(t.token);

    const bearer = await fetch(`${base}/api/v1/user`, {
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(bearer.status).toBe(200);
    expect(((await bearer.json()) as { login: string }).login).toBe(u.user.login);
    const basic = `Basic ${Buffer.from(`anyone:${t.token}`).toString('base64')}`;
    expect((await fetch(`${base}/api/v1/user`, { headers: { authorization: basic } })).status).toBe(
      200,
    );

    const del = await fetch(`${base}/api/v1/user/tokens/${t.id}`, {
      method: 'DELETE',
      headers: u.headers,
    });
    expect(del.status).toBe(204);
    const after = await fetch(`${base}/api/v1/user`, {
      headers: { authorization: `Bearer ${t.token}` },
    });
    expect(after.status).toBe(401);
    expect(await errorCode(after)).toBe('bad_credentials');
    const bogus = await fetch(`${base}/api/v1/user`, {
      headers: { authorization: 'Bearer plue_pat_nope' },
    });
    expect(bogus.status).toBe(401);
  });

  it('enforces scopes: account changes need admin, repository writes need repo:write', async () => {
    const u = await signUp(base);
    const read = await u.token(['repo:read']);
    const write = await u.token(['repo:write']);
    const admin = await u.token(['admin']);
    const mint = (tok: string) =>
      fetch(`${base}/api/v1/user/tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', scopes: ['repo:read'] }),
      });
    const r1 = await mint(read);
    expect(r1.status).toBe(403);
    expect(await errorCode(r1)).toBe('token_scope_missing');
    expect((await mint(write)).status).toBe(403);
    expect((await mint(admin)).status).toBe(201);

    const mkRepo = (tok: string, name: string) =>
      fetch(`${base}/api/v1/user/repos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
    expect((await mkRepo(read, 'scoped-r')).status).toBe(403);
    expect((await mkRepo(write, 'scoped-w')).status).toBe(201);
  });

  it('refuses bad scopes, names and expiry times', async () => {
    const u = await signUp(base);
    for (const [body, code] of [
      [{ name: 'x', scopes: ['root'] }, 'token_scopes_invalid'],
      [{ name: 'x', scopes: [] }, 'token_scopes_invalid'],
      [{ name: '', scopes: ['admin'] }, 'token_name_invalid'],
      [
        { name: 'x', scopes: ['admin'], expires_at: '2001-01-01T00:00:00Z' },
        'token_expiry_invalid',
      ],
    ] as const) {
      const res = await fetch(`${base}/api/v1/user/tokens`, {
        method: 'POST',
        headers: u.headers,
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe(code);
    }
  });
});

describe('SSH keys and the bridge lookup', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plue-e2e-keys-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const keygen = (type: string, bits?: number): { line: string; fp: string } => {
    const file = join(dir, `k${Math.random().toString(36).slice(2)}`);
    const args = [
      '-q',
      '-t',
      type,
      '-N',
      '',
      '-C',
      'test',
      '-f',
      file,
      ...(bits ? ['-b', String(bits)] : []),
    ];
    execFileSync('ssh-keygen', args, { stdio: 'ignore', timeout: 20_000 });
    const fp =
      execFileSync('ssh-keygen', ['-lf', `${file}.pub`])
        .toString()
        .split(' ')[1] ?? '';
    return { line: readFileSync(`${file}.pub`, 'utf8').trim(), fp };
  };
  const SECRET = DEV_BRIDGE_SECRET;
  const lookup = (key: string, secret?: string) =>
    fetch(`${base}/internal/ssh/lookup`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret ? { 'X-Plue-Bridge-Secret': secret } : {}),
      },
      body: JSON.stringify({ key }),
    });

  it('adds, lists, looks up and deletes keys; fingerprints are unique across users', async () => {
    const a = await signUp(base);
    const b = await signUp(base);
    const key = keygen('ed25519');
    const add = (u: typeof a, k: string) =>
      fetch(`${base}/api/v1/user/keys`, {
        method: 'POST',
        headers: u.headers,
        body: JSON.stringify({ title: 'laptop', key: k }),
      });
    const res = await add(a, key.line);
    expect(res.status).toBe(201);
    const added = (await res.json()) as { id: number; fingerprint: string; key_type: string };
    expect(added).toMatchObject({ fingerprint: key.fp, key_type: 'ssh-ed25519' });
    expect((await add(a, key.line)).status).toBe(409);
    expect(await errorCode(await add(b, key.line))).toBe('ssh_key_in_use');
    expect(await errorCode(await add(b, keygen('rsa', 1024).line))).toBe('ssh_key_too_weak');
    expect((await add(b, keygen('ecdsa', 384).line)).status).toBe(201);

    const list = await fetch(`${base}/api/v1/user/keys`, { headers: { cookie: a.cookie } });
    expect(((await list.json()) as unknown[]).length).toBe(1);

    expect((await lookup(key.line)).status).toBe(401);
    expect((await lookup(key.line, 'wrong-secret')).status).toBe(401);
    const found = await lookup(key.line, SECRET);
    expect(found.status).toBe(200);
    // Without the client's signature there is no ticket (credentials.test.ts has the rest).
    expect(await found.json()).toEqual({ user: { id: a.user.id, login: a.user.login } });

    const del = await fetch(`${base}/api/v1/user/keys/${added.id}`, {
      method: 'DELETE',
      headers: a.headers,
    });
    expect(del.status).toBe(204);
    expect((await lookup(key.line, SECRET)).status).toBe(404);
  });

  it('never lets the bridge act as a user on the API, even with a genuine ticket', async () => {
    const a = await signUp(base);
    const kit = new SshKit();
    let ticket: string;
    try {
      const key = await kit.keygen('laptop');
      await fetch(`${base}/api/v1/user/keys`, {
        method: 'POST',
        headers: a.headers,
        body: JSON.stringify({ title: 'laptop', key: key.publicLine }),
      });
      ticket = await bridgeTicket(base, key);
    } finally {
      kit.cleanup();
    }
    const headers = { 'X-Plue-Bridge-Secret': SECRET, 'X-Plue-Ssh-Ticket': ticket };
    const me = await fetch(`${base}/api/v1/user`, { headers });
    expect(me.status).toBe(403);
    expect(await errorCode(me)).toBe('credential_out_of_scope');
    // The old shared header and the user-id header it came with are refused outright.
    const old = await fetch(`${base}/api/v1/user`, {
      headers: {
        'X-Plue-Internal-Secret': 'dev-internal-secret-change-me',
        'X-Plue-User-Id': String(a.user.id),
      },
    });
    expect(old.status).toBe(401);
    expect(await errorCode(old)).toBe('internal_secret_retired');
    const bad = await fetch(`${base}/api/v1/user`, {
      headers: { ...headers, 'X-Plue-Bridge-Secret': 'nope' },
    });
    expect(bad.status).toBe(401);
  });
});

describe('CSRF', () => {
  it('refuses cookie-authenticated writes from another origin or with no origin at all', async () => {
    const u = await signUp(base);
    const body = JSON.stringify({ name: 'csrf', scopes: ['repo:read'] });
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/api/v1/user/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
    const foreign = await post({ cookie: u.cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await errorCode(foreign)).toBe('csrf_rejected');
    const none = await post({ cookie: u.cookie });
    expect(await errorCode(none)).toBe('csrf_rejected');
    const badReferer = await post({ cookie: u.cookie, referer: 'https://evil.example/page' });
    expect(badReferer.status).toBe(403);
    expect((await post({ cookie: u.cookie, referer: `${base}/settings` })).status).toBe(201);
    expect((await post({ cookie: u.cookie, origin: new URL(base).origin })).status).toBe(201);

    // Bearer requests need no origin check.
    const tok = await u.token(['admin']);
    expect(
      (await post({ authorization: `Bearer ${tok}`, origin: 'https://evil.example' })).status,
    ).toBe(201);

    // HTML form posts are covered too.
    const form = await fetch(`${base}/settings/tokens`, {
      method: 'POST',
      headers: {
        cookie: u.cookie,
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'name=evil&scopes=admin',
    });
    expect(form.status).toBe(403);
    expect(form.headers.get('content-type')).toMatch(/text\/html/);
    const sameSite = await fetch(`${base}/settings/tokens`, {
      method: 'POST',
      headers: {
        cookie: u.cookie,
        origin: new URL(base).origin,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'name=mine&scopes=repo%3Aread&expires_in_days=30',
      redirect: 'manual',
    });
    // POST/redirect/GET: the new token reaches the settings page once, in a sealed flash.
    expect(sameSite.status).toBe(303);
    expect(sameSite.headers.get('location')).toBe('/settings');
    const flash = /^(plue_flash=[^;]+)/.exec(sameSite.headers.getSetCookie().join('\n'))?.[1];
    expect(flash).toBeDefined();
    expect(await sameSite.text()).not.toMatch(/plue_pat_/);
    const shown = await fetch(`${base}/settings`, { headers: { cookie: `${u.cookie}; ${flash}` } });
    expect(await shown.text()).toMatch(/plue_pat_[0-9A-Za-z]{43}/);
    expect(shown.headers.getSetCookie().join('\n')).toMatch(/^plue_flash=;/m);
    // The flash opens only with the session that made it.
    const other = await signUp(base);
    const stolen = await fetch(`${base}/settings`, {
      headers: { cookie: `${other.cookie}; ${flash}` },
    });
    expect(await stolen.text()).not.toMatch(/plue_pat_/);
  });
});
