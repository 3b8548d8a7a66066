/**
 * Sign-in with Ethereum, sessions, tokens, SSH keys, CSRF and rate limits against the running
 * stack, with real wallets (viem local accounts) and real keys (ssh-keygen).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, describe, expect, inject, it } from 'vitest';
import {
  getNonce,
  postVerify,
  randomClientIp,
  sessionCookie,
  signUp,
  siweMessage,
  type SiweOptions,
} from '../helpers/auth';

const base = inject('baseUrl');
const newAccount = () => privateKeyToAccount(generatePrivateKey());
const errorCode = async (res: Response) =>
  ((await res.json()) as { error: { code: string } }).error.code;

/** Signs a message built from `over` with `signer` (default: the message's own account). */
async function attempt(over: Partial<SiweOptions> = {}, signer = over.account) {
  const account = over.account ?? newAccount();
  const nonce = over.nonce ?? (await getNonce(base));
  const message = siweMessage({ baseUrl: base, ...over, account, nonce });
  const signature = await (signer ?? account).signMessage({ message });
  return { account, nonce, message, signature };
}

describe('sign-in with Ethereum', () => {
  it('signs in with a fresh wallet, creates the user and sets a safe session cookie', async () => {
    const { account, message, signature } = await attempt();
    const res = await postVerify(base, { message, signature });
    expect(res.status).toBe(200);
    const { user } = (await res.json()) as { user: { login: string; id: number } };
    const hex = account.address.slice(2, 10).toLowerCase();
    expect(user.login).toBe(`u-${hex}`);
    const setCookie = res.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/plue_session=[0-9a-f]{64}/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    expect(setCookie).toMatch(/Path=\//);
    expect(setCookie).not.toMatch(/Secure/i); // 127.0.0.1 is local

    const me = await fetch(`${base}/api/v1/user`, {
      headers: { cookie: sessionCookie(res) ?? '' },
    });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({
      login: user.login,
      id: user.id,
      wallet_address: account.address.toLowerCase(),
    });

    // Signing in again with the same wallet is the same user.
    const again = await signUp(base, account);
    expect(again.user.id).toBe(user.id);
  });

  it('issues distinct nonces of at least 96 bits', async () => {
    const a = await getNonce(base);
    const b = await getNonce(base);
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });

  it('refuses a replayed nonce', async () => {
    const a = await attempt();
    expect((await postVerify(base, a)).status).toBe(200);
    const replay = await postVerify(base, a);
    expect(replay.status).toBe(401);
    expect(await errorCode(replay)).toBe('siwe_nonce_used');
  });

  it('lets exactly one of several concurrent verifies of one nonce succeed', async () => {
    const a = await attempt();
    const results = await Promise.all(Array.from({ length: 6 }, () => postVerify(base, a)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const codes = await Promise.all(results.filter((r) => r.status !== 200).map(errorCode));
    expect(codes).toEqual(Array(5).fill('siwe_nonce_used'));
  });

  it('refuses a nonce not issued here', async () => {
    const res = await postVerify(
      base,
      await attempt({ nonce: 'a1b2c3d4e5f60718293a4b5c6d7e8f90' }),
    );
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe('siwe_nonce_unknown');
  });

  it.each([
    ['an expired message', { expirationTime: new Date(Date.now() - 60_000) }, 'siwe_expired'],
    [
      'a message not valid yet',
      { notBefore: new Date(Date.now() + 600_000) },
      'siwe_not_yet_valid',
    ],
    [
      'a message issued in the future',
      { issuedAt: new Date(Date.now() + 600_000) },
      'siwe_issued_in_future',
    ],
    ['the wrong domain', { domain: 'evil.example' }, 'siwe_domain_mismatch'],
    ['the wrong URI', { uri: 'https://evil.example/login' }, 'siwe_uri_mismatch'],
    ['a disallowed chain', { chainId: 137 }, 'siwe_chain_not_allowed'],
  ] as const)('refuses %s', async (_what, over, code) => {
    const res = await postVerify(base, await attempt(over));
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe(code);
  });

  it('refuses a tampered message without burning its nonce', async () => {
    const a = await attempt();
    const tampered = a.message.replace('Sign in to Plue.', 'Sign in to Plue and give away.');
    const res = await postVerify(base, { message: tampered, signature: a.signature });
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe('siwe_bad_signature');
    // The genuine message with that nonce still works.
    expect((await postVerify(base, a)).status).toBe(200);
  });

  it('refuses a signature from another address', async () => {
    const res = await postVerify(base, await attempt({}, newAccount()));
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe('siwe_bad_signature');
  });

  it('refuses contract-wallet signatures clearly when no RPC is configured', async () => {
    const a = await attempt();
    const res = await postVerify(base, { message: a.message, signature: `0x${'ab'.repeat(150)}` });
    expect(res.status).toBe(401);
    expect(await errorCode(res)).toBe('siwe_contract_wallet_unsupported');
  });

  it('answers malformed input with siwe_malformed / body_invalid', async () => {
    const a = await attempt();
    for (const body of [
      { message: 'hello', signature: a.signature },
      { message: a.message, signature: 'not hex' },
      { message: 42, signature: a.signature },
      { signature: a.signature },
      { message: a.message.replace('Version: 1', 'Version: 9'), signature: a.signature },
    ]) {
      const res = await postVerify(base, body);
      expect(res.status).toBe(400);
      expect(await errorCode(res)).toBe('siwe_malformed');
    }
    const notJson = await fetch(`${base}/api/v1/auth/verify`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'CF-Connecting-IP': randomClientIp() },
      body: '{',
    });
    expect(notJson.status).toBe(400);
    expect(await errorCode(notJson)).toBe('body_invalid');
  });

  it('revokes the session on logout: the old cookie is then anonymous', async () => {
    const u = await signUp(base);
    const out = await fetch(`${base}/api/v1/auth/logout`, { method: 'POST', headers: u.headers });
    expect(out.status).toBe(204);
    const me = await fetch(`${base}/api/v1/user`, { headers: { cookie: u.cookie } });
    expect(me.status).toBe(401);
    const page = await fetch(`${base}/settings`, {
      headers: { cookie: u.cookie },
      redirect: 'manual',
    });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/login?next=/settings');
  });

  it('changes the username, refusing taken, reserved and invalid ones', async () => {
    const a = await signUp(base);
    const b = await signUp(base);
    const patch = (login: string) =>
      fetch(`${base}/api/v1/user`, {
        method: 'PATCH',
        headers: a.headers,
        body: JSON.stringify({ login }),
      });
    const name = `alice-${Date.now().toString(36)}`;
    const ok = await patch(name);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ login: name, id: a.user.id });
    expect((await patch(b.user.login.toUpperCase())).status).toBe(409);
    expect(await errorCode(await patch('settings'))).toBe('login_reserved');
    expect(await errorCode(await patch('-bad-'))).toBe('login_invalid');
  });
});

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
  const SECRET = 'dev-internal-secret-change-me';
  const lookup = (key: string, secret?: string) =>
    fetch(`${base}/internal/ssh/lookup`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(secret ? { 'X-Plue-Internal-Secret': secret } : {}),
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
    expect(await found.json()).toEqual({ user: { id: a.user.id, login: a.user.login } });

    const del = await fetch(`${base}/api/v1/user/keys/${added.id}`, {
      method: 'DELETE',
      headers: a.headers,
    });
    expect(del.status).toBe(204);
    expect((await lookup(key.line, SECRET)).status).toBe(404);
  });

  it('accepts the bridge identity (internal secret + user id) as an ssh actor', async () => {
    const a = await signUp(base);
    const headers = { 'X-Plue-Internal-Secret': SECRET, 'X-Plue-User-Id': String(a.user.id) };
    const me = await fetch(`${base}/api/v1/user`, { headers });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { login: string }).login).toBe(a.user.login);
    const bad = await fetch(`${base}/api/v1/user`, {
      headers: { ...headers, 'X-Plue-Internal-Secret': 'nope' },
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
    });
    expect(sameSite.status).toBe(200);
    expect(await sameSite.text()).toMatch(/plue_pat_[0-9A-Za-z]{43}/);
  });

  it('refuses a sign-in posted from another origin', async () => {
    const a = await attempt();
    const res = await fetch(`${base}/api/v1/auth/verify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: 'https://evil.example',
        'CF-Connecting-IP': randomClientIp(),
      },
      body: JSON.stringify(a),
    });
    expect(res.status).toBe(403);
  });
});

describe('rate limits', () => {
  it('limits /api/v1/auth/* to 60 per minute per client IP, answering 429 with Retry-After', async () => {
    const ip = randomClientIp();
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 61; i++) {
      const res = await fetch(`${base}/api/v1/auth/nonce`, { headers: { 'CF-Connecting-IP': ip } });
      statuses.push(res.status);
      if (res.status === 429) {
        retryAfter = res.headers.get('retry-after');
        expect(await errorCode(res)).toBe('rate_limited');
      } else await res.body?.cancel();
    }
    expect(statuses.slice(0, 60).every((s) => s === 200)).toBe(true);
    expect(statuses[60]).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    // Another client is unaffected.
    expect(
      (
        await fetch(`${base}/api/v1/auth/nonce`, {
          headers: { 'CF-Connecting-IP': randomClientIp() },
        })
      ).status,
    ).toBe(200);
  });
});

// A sign-in through the session cookie that another test set must not leak anything else.
it('never sends Set-Cookie on anonymous pages', async () => {
  const res = await fetch(`${base}/`);
  expect(res.headers.getSetCookie()).toEqual([]);
  expect(sessionCookie(res)).toBeUndefined();
});
