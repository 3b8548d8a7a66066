/**
 * Signing in against a running Plue, for end-to-end tests and benchmarks: a fresh wallet (viem
 * local account) signs a SIWE message, and the session cookie comes back. `token(scopes)` mints
 * a personal access token for git or API calls.
 *
 *   const alice = await signUp(baseUrl);
 *   await fetch(`${baseUrl}/api/v1/user`, { headers: { cookie: alice.cookie } });
 *   const pat = await alice.token(['repo:write']);  // Authorization: Bearer ${pat}
 *   await alice.createRepo('web', { private: true });
 */
import type { PrivateKeyAccount } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';

export interface SignedUpUser {
  id: number;
  login: string;
  wallet_address: string;
}

export interface SignUp {
  /** `plue_session=…`, ready for a `cookie` header. */
  cookie: string;
  user: SignedUpUser;
  account: PrivateKeyAccount;
  /** Headers for cookie-authenticated writes (cookie + same-origin `Origin`). */
  headers: Record<string, string>;
  /** Creates a personal access token with these scopes (default repo:read + repo:write). */
  token(scopes?: string[], name?: string): Promise<string>;
  /** Creates a repository owned by this user; throws unless the API answers 201. */
  createRepo(name: string, opts?: { private?: boolean; description?: string }): Promise<void>;
}

/** A random client IP, so tests do not share the per-IP auth rate limit. */
export function randomClientIp(): string {
  const b = () => Math.floor(Math.random() * 254) + 1;
  return `10.${b()}.${b()}.${b()}`;
}

export interface SiweOptions {
  account: PrivateKeyAccount;
  baseUrl: string;
  nonce: string;
  chainId?: number;
  domain?: string;
  uri?: string;
  issuedAt?: Date;
  expirationTime?: Date;
  notBefore?: Date;
}

/** Builds an EIP-4361 message for `baseUrl` (domain = its host, URI = its origin). */
export function siweMessage(o: SiweOptions): string {
  const url = new URL(o.baseUrl);
  return createSiweMessage({
    address: o.account.address,
    chainId: o.chainId ?? 1,
    domain: o.domain ?? url.host,
    uri: o.uri ?? url.origin,
    nonce: o.nonce,
    version: '1',
    statement: 'Sign in to Plue.',
    issuedAt: o.issuedAt ?? new Date(),
    ...(o.expirationTime ? { expirationTime: o.expirationTime } : {}),
    ...(o.notBefore ? { notBefore: o.notBefore } : {}),
  });
}

/**
 * Builds and signs a SIWE message for `baseUrl` with the given overrides; `signer` signs it
 * (default: the message's own account, a fresh wallet unless `over.account` is given).
 */
export async function siweAttempt(
  baseUrl: string,
  over: Partial<SiweOptions> = {},
  signer?: PrivateKeyAccount,
): Promise<{ account: PrivateKeyAccount; nonce: string; message: string; signature: string }> {
  const account = over.account ?? privateKeyToAccount(generatePrivateKey());
  const nonce = over.nonce ?? (await getNonce(baseUrl));
  const message = siweMessage({ baseUrl, ...over, account, nonce });
  const signature = await (signer ?? account).signMessage({ message });
  return { account, nonce, message, signature };
}

/** Gets a fresh nonce. */
export async function getNonce(baseUrl: string, ip = randomClientIp()): Promise<string> {
  const res = await fetch(`${baseUrl}/api/v1/auth/nonce`, { headers: { 'CF-Connecting-IP': ip } });
  if (res.status !== 200) throw new Error(`nonce: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { nonce: string }).nonce;
}

/** Posts a sign-in; returns the raw response. */
export function postVerify(
  baseUrl: string,
  body: unknown,
  ip = randomClientIp(),
): Promise<Response> {
  return fetch(`${baseUrl}/api/v1/auth/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'CF-Connecting-IP': ip },
    body: JSON.stringify(body),
  });
}

/** The `name=value` of the session cookie in a response, or undefined. */
export function sessionCookie(res: Response): string | undefined {
  for (const c of res.headers.getSetCookie()) {
    const m = /^(plue_session=[^;]*)/.exec(c);
    if (m?.[1] && m[1] !== 'plue_session=') return m[1];
  }
  return undefined;
}

/** Signs in with `account` (a new random wallet by default): the user is created if new. */
export async function signUp(
  baseUrl: string,
  account: PrivateKeyAccount = privateKeyToAccount(generatePrivateKey()),
): Promise<SignUp> {
  const ip = randomClientIp();
  const nonce = await getNonce(baseUrl, ip);
  const message = siweMessage({ account, baseUrl, nonce });
  const signature = await account.signMessage({ message });
  const res = await postVerify(baseUrl, { message, signature }, ip);
  if (res.status !== 200) throw new Error(`sign-in: HTTP ${res.status} ${await res.text()}`);
  const cookie = sessionCookie(res);
  if (!cookie) throw new Error('sign-in: no session cookie');
  const { user } = (await res.json()) as { user: SignedUpUser };
  const origin = new URL(baseUrl).origin;
  const headers = { cookie, origin, 'content-type': 'application/json' };
  return {
    cookie,
    user,
    account,
    headers,
    async token(scopes = ['repo:read', 'repo:write'], name = 'test') {
      const r = await fetch(`${baseUrl}/api/v1/user/tokens`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name, scopes }),
      });
      if (r.status !== 201) throw new Error(`token: HTTP ${r.status} ${await r.text()}`);
      return ((await r.json()) as { token: string }).token;
    },
    async createRepo(name, opts = {}) {
      const r = await fetch(`${baseUrl}/api/v1/user/repos`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ name, ...opts }),
      });
      if (r.status !== 201) throw new Error(`create ${name}: HTTP ${r.status} ${await r.text()}`);
    },
  };
}
