/**
 * Nothing the client says about where it sent the request (Host, X-Forwarded-Host,
 * X-Forwarded-Proto) decides who a sign-in is for, or enters an answer a shared cache keeps:
 * - a SIWE message signed for `evil.example` and posted with `Host: evil.example` is refused;
 * - every cached route answered first to a spoofed Host, then normally, carries the configured
 *   public URL in both answers and no trace of the spoofed one.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { privateKeyToAccount, generatePrivateKey } from 'viem/accounts';
import {
  getNonce,
  randomClientIp,
  sessionCookie,
  siweMessage,
  signUp,
  type SignUp,
} from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { rawRequest } from '../helpers/raw-http';

const base = inject('baseUrl');
const EVIL = 'evil.example';
const SPOOF = {
  Host: EVIL,
  'X-Forwarded-Host': EVIL,
  'X-Forwarded-Proto': 'https',
  'X-Forwarded-For': '203.0.113.9',
};

describe('Host and X-Forwarded-* spoofing', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let repo = '';
  let commit = '';
  let tree = '';
  let blob = '';

  beforeAll(async () => {
    alice = await signUp(base);
    repo = `spoof-${Math.random().toString(36).slice(2, 8)}`;
    await alice.createRepo(repo);
    const token = await alice.token();
    const dir = await g.makeRepo(repo, 0);
    commit = await g.commitFile(dir, 'docs/readme.md', '# Hello\n\n[link](other.md)\n', 'first');
    tree = (await g.ok(dir, ['rev-parse', 'HEAD^{tree}'])).trim();
    blob = (await g.ok(dir, ['rev-parse', 'HEAD:docs/readme.md'])).trim();
    await g.ok(dir, ['push', remoteUrl(base, alice.user.login, repo, token), 'main']);
  });
  afterAll(() => g.cleanup());

  it('refuses a sign-in message signed for another site, whatever Host it is posted with', async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const ip = randomClientIp();
    const nonce = await getNonce(base, ip);
    const message = siweMessage({
      account,
      baseUrl: `http://${EVIL}`,
      nonce,
    });
    const signature = await account.signMessage({ message });
    const res = await rawRequest(base, '/api/v1/auth/verify', {
      method: 'POST',
      headers: { ...SPOOF, 'content-type': 'application/json', 'CF-Connecting-IP': ip },
      body: JSON.stringify({ message, signature }),
    });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'siwe_domain_mismatch' } });
    expect(res.headers['set-cookie'] ?? []).not.toContainEqual(
      expect.stringMatching(/plue_session=[0-9a-f]/),
    );
  });

  it('signs in with a message for the configured address, even posted with a spoofed Host', async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const ip = randomClientIp();
    const nonce = await getNonce(base, ip);
    const message = siweMessage({ account, baseUrl: base, nonce });
    const signature = await account.signMessage({ message });
    const res = await rawRequest(base, '/api/v1/auth/verify', {
      method: 'POST',
      headers: { ...SPOOF, 'content-type': 'application/json', 'CF-Connecting-IP': ip },
      body: JSON.stringify({ message, signature }),
    });
    expect(res.status).toBe(200);
    const cookie = sessionCookie(
      new Response(null, {
        headers: (res.headers['set-cookie'] ?? []).map(
          (c) => ['set-cookie', c] as [string, string],
        ),
      }),
    );
    expect(cookie).toBeDefined();
  });

  it('the login page builds the message for the configured address', async () => {
    const res = await rawRequest(base, '/login', { headers: SPOOF });
    expect(res.status).toBe(200);
    expect(res.text).toContain(`data-domain="${new URL(base).host}"`);
    expect(res.text).toContain(`data-uri="${new URL(base).origin}"`);
    expect(res.text).not.toContain(EVIL);
  });

  it('keeps spoofed hosts out of every cached answer (API and pages)', async () => {
    const owner = alice.user.login;
    const api = `/api/v1/repos/${owner}/${repo}`;
    const routes = [
      `${api}/git/trees/${tree}`,
      `${api}/git/trees/${tree}?recursive=1`,
      `${api}/git/blobs/${blob}`,
      `${api}/git/commits/${commit}`,
      `${api}/commits/${commit}`,
      `${api}/commits?sha=main&per_page=1`,
      `${api}/contents/docs?ref=${commit}`,
      `${api}/contents/docs/readme.md?ref=main`,
      `${api}`,
      `/${owner}/${repo}`,
      `/${owner}/${repo}/tree/${commit}/docs`,
      `/${owner}/${repo}/tree/main/docs`,
      `/${owner}/${repo}/blob/${commit}/docs/readme.md`,
      `/${owner}/${repo}/blob/main/docs/readme.md`,
      `/${owner}/${repo}/commit/${commit}`,
      `/${owner}/${repo}/commits/main`,
      `/${owner}/${repo}/raw/${commit}/docs/readme.md`,
      `/${owner}/${repo}/branches`,
      `/${owner}/${repo}/tags`,
      `/${owner}/${repo}/last-commits/${commit}`,
      `/${owner}/${repo}/compare/${commit}...main`,
      `/${owner}/${repo}/actions`,
      `/${owner}/${repo}/actions/workflows`,
      `${api}/branches`,
      `${api}/tags`,
      `${api}/compare/${commit}...main`,
      `${api}/commits/${commit}/status`,
      `${api}/actions/runs`,
      `${api}/actions/workflows`,
      `/api/v1/users/${owner}/repos`,
      `/`,
      `/explore`,
    ];
    const origin = new URL(base).origin;
    for (const path of routes) {
      const spoofed = await rawRequest(base, path, { headers: SPOOF });
      expect(spoofed.status, `${path} (spoofed)`).toBeLessThan(400);
      expect(spoofed.text, `${path} (spoofed)`).not.toContain(EVIL);
      expect(JSON.stringify(spoofed.headers), `${path} (spoofed headers)`).not.toContain(EVIL);
      // Twice: the second normal request is served from the edge cache where the route has one.
      for (let i = 0; i < 2; i++) {
        const normal = await rawRequest(base, path);
        expect(normal.status, path).toBe(spoofed.status);
        expect(normal.text, path).not.toContain(EVIL);
        expect(JSON.stringify(normal.headers), `${path} (headers)`).not.toContain(EVIL);
      }
    }
    const trees = await rawRequest(base, `${api}/git/trees/${tree}`);
    expect(JSON.parse(trees.text)).toMatchObject({ url: `${origin}${api}/git/trees/${tree}` });
  });

  it('builds pagination links on the configured origin', async () => {
    const res = await rawRequest(
      base,
      `/api/v1/repos/${alice.user.login}/${repo}/commits?per_page=1&page=2`,
      {
        headers: SPOOF,
      },
    );
    expect(res.status).toBe(200);
    const link = String(res.headers.link ?? '');
    expect(link).toContain(new URL(base).origin);
    expect(link).not.toContain(EVIL);
  });
});
