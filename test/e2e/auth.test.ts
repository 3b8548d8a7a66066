/**
 * Sign-In with Ethereum and sessions against the running stack, with real wallets (viem local
 * accounts): the full sign-in, every rejection, logout, username changes, the default auth
 * rate limit.
 */
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { describe, expect, inject, it } from 'vitest';
import {
  getNonce,
  postVerify,
  randomClientIp,
  sessionCookie,
  signUp,
  siweAttempt,
  type SiweOptions,
} from '../../scripts/clients/auth';

const base = inject('baseUrl');
const newAccount = () => privateKeyToAccount(generatePrivateKey());
const errorCode = async (res: Response) =>
  ((await res.json()) as { error: { code: string } }).error.code;
const attempt = (over: Partial<SiweOptions> = {}, signer?: ReturnType<typeof newAccount>) =>
  siweAttempt(base, over, signer);

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
    expect(await errorCode(await patch('Plue-Agent'))).toBe('login_reserved');
    expect(await errorCode(await patch('-bad-'))).toBe('login_invalid');
  });
});

describe('sign-in CSRF', () => {
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
