/**
 * What the issue, notification and page tests send: API calls as a signed-in user (or nobody),
 * JSON answers checked against the status expected, plain form posts with the session cookie
 * and same-origin `Origin` (as a browser without JavaScript sends them), and pages as text. And
 * the cast most of them start from: an owner with a public and a private repository, a read
 * collaborator on both, and a stranger.
 */
import { expect } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';

export type Json = Record<string, unknown> & { [k: string]: unknown };

export const uniq = (p: string): string =>
  `${p}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export function forgeClient(base: string) {
  const origin = new URL(base).origin;
  /** `path` under /api/v1, as `u` (or anonymously). */
  const call = (u: SignUp | undefined, method: string, path: string, body?: unknown) =>
    fetch(`${base}/api/v1${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(u?.headers ?? {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** `call`, expecting `status`; the JSON answer ({} when empty). */
  const json = async (
    u: SignUp | undefined,
    method: string,
    path: string,
    body?: unknown,
    status = 200,
  ): Promise<Json & Json[]> => {
    const res = await call(u, method, path, body);
    const text = await res.text();
    expect(res.status, `${method} ${path}: ${text}`).toBe(status);
    return (text === '' ? {} : JSON.parse(text)) as Json & Json[];
  };
  /** A form post as a browser sends it; redirects are not followed. */
  const post = (u: SignUp | undefined, path: string, form: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { origin, ...(u ? { cookie: u.cookie } : {}) },
      body: new URLSearchParams(form),
      redirect: 'manual',
    });
  /** A page's status and text. */
  const page = async (u: SignUp | undefined, path: string): Promise<[number, string]> => {
    const res = await fetch(`${base}${path}`, { headers: u ? { cookie: u.cookie } : {} });
    return [res.status, await res.text()];
  };
  return { call, json, post, page };
}

export interface Cast {
  owner: SignUp;
  reader: SignUp;
  stranger: SignUp;
  /** `/owner/name` of the public and the private repository. */
  repo: string;
  priv: string;
}

/** An owner with a public and a private repository, `reader` collaborating on both (read). */
export async function castWithRepos(base: string, prefix: string): Promise<Cast> {
  const { call } = forgeClient(base);
  const [owner, reader, stranger] = await Promise.all([signUp(base), signUp(base), signUp(base)]);
  const [a, b] = [uniq(prefix), uniq(`${prefix}p`)];
  await owner.createRepo(a);
  await owner.createRepo(b, { private: true });
  const repo = `/${owner.user.login}/${a}`;
  const priv = `/${owner.user.login}/${b}`;
  for (const r of [repo, priv]) {
    const res = await call(owner, 'PUT', `/repos${r}/collaborators/${reader.user.login}`, {
      permission: 'read',
    });
    expect(res.status).toBe(204);
  }
  return { owner, reader, stranger, repo, priv };
}
