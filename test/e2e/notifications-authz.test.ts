/**
 * The authorisation matrix of the notification routes, API and pages: owner, collaborator
 * (read), stranger and anonymous. Repository subscriptions are open to whoever can read the
 * repository (a private one is 404 to the others; anonymous callers get 401 on either); a
 * notification thread is its user's alone (404 to every other user, 401 or a sign-in redirect
 * to anonymous).
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';

const base = inject('baseUrl');
const origin = new URL(base).origin;
const uniq = (p: string) =>
  `${p}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

type Role = 'owner' | 'reader' | 'stranger' | 'anonymous';
const ROLES: Role[] = ['owner', 'reader', 'stranger', 'anonymous'];

describe('notification routes: who may do what', () => {
  const users = {} as Record<Exclude<Role, 'anonymous'>, SignUp>;
  const repos = { public: '', private: '' };
  let thread = '';
  beforeAll(async () => {
    [users.owner, users.reader, users.stranger] = await Promise.all([
      signUp(base),
      signUp(base),
      signUp(base),
    ]);
    for (const vis of ['public', 'private'] as const) {
      const name = uniq(`nz-${vis}`);
      await users.owner.createRepo(name, { private: vis === 'private' });
      repos[vis] = `${users.owner.user.login}/${name}`;
      const r = await fetch(
        `${base}/api/v1/repos/${repos[vis]}/collaborators/${users.reader.user.login}`,
        { method: 'PUT', headers: users.owner.headers, body: '{"permission":"read"}' },
      );
      expect(r.status).toBe(204);
    }
    // The reader mentions the owner in the private repository: the owner's thread.
    const r = await fetch(`${base}/api/v1/repos/${repos.private}/issues`, {
      method: 'POST',
      headers: users.reader.headers,
      body: JSON.stringify({ title: 'x', body: `@${users.owner.user.login}` }),
    });
    expect(r.status).toBe(201);
    const list = await fetch(`${base}/api/v1/notifications`, { headers: users.owner.headers });
    const mine = (await list.json()) as Array<{ id: string; repository: { full_name: string } }>;
    thread = mine.find((n) => n.repository.full_name === repos.private)?.id ?? '';
    expect(thread).not.toBe('');
  });

  const send = (role: Role, method: string, path: string, body?: string, form = false) =>
    fetch(`${base}${path}`, {
      method,
      redirect: 'manual',
      headers:
        role === 'anonymous'
          ? {
              origin,
              'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
            }
          : {
              ...users[role].headers,
              ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
            },
      body,
    });

  it('repository subscriptions: readers may watch, others cannot see a private repository', async () => {
    const results: string[] = [];
    for (const vis of ['public', 'private'] as const) {
      const api = `/api/v1/repos/${repos[vis]}/subscription`;
      for (const role of ROLES) {
        const reads = role === 'owner' || role === 'reader' || vis === 'public';
        // Anonymous callers are refused before any repository is looked at (401 for all).
        const hidden = role === 'anonymous' ? 401 : !reads ? 404 : undefined;
        const form = `/${repos[vis]}/subscription`;
        const cases: Array<[string, () => Promise<Response>, number]> = [
          ['PUT', () => send(role, 'PUT', api, '{"subscribed":true}'), hidden ?? 200],
          ['GET', () => send(role, 'GET', api), hidden ?? 200],
          ['DELETE', () => send(role, 'DELETE', api), hidden ?? 204],
          ['form', () => send(role, 'POST', form, 'level=ignoring', true), !reads ? 404 : 303],
          ['reset', () => send(role, 'DELETE', api), hidden ?? 204],
        ];
        for (const [what, run, want] of cases) {
          const got = (await run()).status;
          if (got !== want) results.push(`${vis} ${role} ${what}: ${got}, want ${want}`);
        }
      }
    }
    expect(results).toEqual([]);
  });

  it('threads: only their user', async () => {
    const results: string[] = [];
    const api = `/api/v1/notifications/threads/${thread}`;
    for (const role of ROLES) {
      const own = role === 'owner';
      const other = role === 'anonymous' ? 401 : 404;
      const cases: Array<[string, () => Promise<Response>, number]> = [
        ['GET thread', () => send(role, 'GET', api), own ? 200 : other],
        ['GET subscription', () => send(role, 'GET', `${api}/subscription`), own ? 200 : other],
        [
          'PUT subscription',
          () => send(role, 'PUT', `${api}/subscription`, '{}'),
          own ? 200 : other,
        ],
        [
          'DELETE subscription',
          () => send(role, 'DELETE', `${api}/subscription`),
          own ? 204 : other,
        ],
        ['PATCH thread', () => send(role, 'PATCH', api), own ? 205 : other],
        [
          'GET list',
          () => send(role, 'GET', '/api/v1/notifications'),
          role === 'anonymous' ? 401 : 200,
        ],
        [
          'PUT all read',
          () => send(role, 'PUT', '/api/v1/notifications', '{}'),
          role === 'anonymous' ? 401 : 205,
        ],
        [
          'form read',
          () => send(role, 'POST', `/notifications/threads/${thread}/read`, '', true),
          own || role === 'anonymous' ? 303 : 404,
        ],
        [
          'form unsubscribe',
          () => send(role, 'POST', `/notifications/threads/${thread}/unsubscribe`, '', true),
          own || role === 'anonymous' ? 303 : 404,
        ],
        ['inbox page', () => send(role, 'GET', '/notifications'), role === 'anonymous' ? 303 : 200],
      ];
      for (const [what, run, want] of cases) {
        const got = (await run()).status;
        if (got !== want) results.push(`${role} ${what}: ${got}, want ${want}`);
      }
    }
    expect(results).toEqual([]);
  });

  it('a collaborator removed later no longer sees the thread they had', async () => {
    // The owner mentions the reader, then removes them from the private repository.
    const post = await fetch(`${base}/api/v1/repos/${repos.private}/issues/1/comments`, {
      method: 'POST',
      headers: users.owner.headers,
      body: JSON.stringify({ body: `@${users.reader.user.login}` }),
    });
    expect(post.status).toBe(201);
    const before = await fetch(`${base}/notifications`, { headers: users.reader.headers });
    expect(await before.text()).toContain(repos.private);
    const del = await fetch(
      `${base}/api/v1/repos/${repos.private}/collaborators/${users.reader.user.login}`,
      { method: 'DELETE', headers: users.owner.headers },
    );
    expect(del.status).toBe(204);
    const after = await fetch(`${base}/notifications`, { headers: users.reader.headers });
    const html = await after.text();
    expect(html).not.toContain(repos.private);
    expect(html).not.toContain('unread-count');
  });
});
