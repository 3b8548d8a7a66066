/**
 * The authorisation matrix of every issue route, API and pages: owner, write collaborator,
 * read collaborator, stranger and anonymous, on a public and a private repository. Reads are
 * open to whoever can read the repository; opening, commenting and reacting to any signed-in
 * reader; editing others' text, closing others' issues, labels, assignees, milestones, lock
 * and pin need write; deleting needs admin; a private repository is 404 to outsiders everywhere.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';

const base = inject('baseUrl');
const origin = new URL(base).origin;
const uniq = (p: string) =>
  `${p}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

type Role = 'owner' | 'writer' | 'reader' | 'stranger' | 'anonymous';
type Need = 'read' | 'participate' | 'write' | 'admin';
const ROLES: Role[] = ['owner', 'writer', 'reader', 'stranger', 'anonymous'];

interface Case {
  name: string;
  need: Need;
  method: string;
  /** Path under /api/v1/repos/{o}/{r} (api) or /{o}/{r} (page), given a fresh issue and comment. */
  path: (t: { n: number; comment: number }) => string;
  body?: () => unknown;
  page?: boolean;
  ok: number;
}

const CASES: Case[] = [
  { name: 'list issues', need: 'read', method: 'GET', path: () => '/issues', ok: 200 },
  { name: 'get issue', need: 'read', method: 'GET', path: (t) => `/issues/${t.n}`, ok: 200 },
  {
    name: 'timeline',
    need: 'read',
    method: 'GET',
    path: (t) => `/issues/${t.n}/timeline`,
    ok: 200,
  },
  { name: 'events', need: 'read', method: 'GET', path: (t) => `/issues/${t.n}/events`, ok: 200 },
  {
    name: 'comments',
    need: 'read',
    method: 'GET',
    path: (t) => `/issues/${t.n}/comments`,
    ok: 200,
  },
  {
    name: 'comment',
    need: 'read',
    method: 'GET',
    path: (t) => `/issues/comments/${t.comment}`,
    ok: 200,
  },
  {
    name: 'comment history',
    need: 'read',
    method: 'GET',
    path: (t) => `/issues/comments/${t.comment}/history`,
    ok: 200,
  },
  {
    name: 'issue labels',
    need: 'read',
    method: 'GET',
    path: (t) => `/issues/${t.n}/labels`,
    ok: 200,
  },
  {
    name: 'reactions',
    need: 'read',
    method: 'GET',
    path: (t) => `/issues/${t.n}/reactions`,
    ok: 200,
  },
  { name: 'labels', need: 'read', method: 'GET', path: () => '/labels', ok: 200 },
  { name: 'label', need: 'read', method: 'GET', path: () => '/labels/bug', ok: 200 },
  { name: 'milestones', need: 'read', method: 'GET', path: () => '/milestones', ok: 200 },
  { name: 'milestone', need: 'read', method: 'GET', path: () => '/milestones/1', ok: 200 },
  { name: 'assignable', need: 'read', method: 'GET', path: () => '/assignees', ok: 200 },
  {
    name: 'open issue',
    need: 'participate',
    method: 'POST',
    path: () => '/issues',
    body: () => ({ title: 't' }),
    ok: 201,
  },
  {
    name: 'add comment',
    need: 'participate',
    method: 'POST',
    path: (t) => `/issues/${t.n}/comments`,
    body: () => ({ body: 'b' }),
    ok: 201,
  },
  {
    name: 'react',
    need: 'participate',
    method: 'POST',
    path: (t) => `/issues/${t.n}/reactions`,
    body: () => ({ content: '+1' }),
    ok: 201,
  },
  {
    name: 'react to comment',
    need: 'participate',
    method: 'POST',
    path: (t) => `/issues/comments/${t.comment}/reactions`,
    body: () => ({ content: 'eyes' }),
    ok: 201,
  },
  {
    name: "edit another's issue",
    need: 'write',
    method: 'PATCH',
    path: (t) => `/issues/${t.n}`,
    body: () => ({ title: 'x' }),
    ok: 200,
  },
  {
    name: "close another's issue",
    need: 'write',
    method: 'PATCH',
    path: (t) => `/issues/${t.n}`,
    body: () => ({ state: 'closed' }),
    ok: 200,
  },
  {
    name: 'set milestone',
    need: 'write',
    method: 'PATCH',
    path: (t) => `/issues/${t.n}`,
    body: () => ({ milestone: 1 }),
    ok: 200,
  },
  {
    name: 'add labels',
    need: 'write',
    method: 'POST',
    path: (t) => `/issues/${t.n}/labels`,
    body: () => ({ labels: ['bug'] }),
    ok: 200,
  },
  {
    name: 'set labels',
    need: 'write',
    method: 'PUT',
    path: (t) => `/issues/${t.n}/labels`,
    body: () => ({ labels: ['bug'] }),
    ok: 200,
  },
  {
    name: 'remove labels',
    need: 'write',
    method: 'DELETE',
    path: (t) => `/issues/${t.n}/labels`,
    ok: 204,
  },
  {
    name: 'assign',
    need: 'write',
    method: 'POST',
    path: (t) => `/issues/${t.n}/assignees`,
    body: () => ({ assignees: [] }),
    ok: 201,
  },
  { name: 'lock', need: 'write', method: 'PUT', path: (t) => `/issues/${t.n}/lock`, ok: 204 },
  { name: 'unlock', need: 'write', method: 'DELETE', path: (t) => `/issues/${t.n}/lock`, ok: 204 },
  { name: 'pin', need: 'write', method: 'PUT', path: (t) => `/issues/${t.n}/pin`, ok: 204 },
  {
    name: "edit another's comment",
    need: 'write',
    method: 'PATCH',
    path: (t) => `/issues/comments/${t.comment}`,
    body: () => ({ body: 'x' }),
    ok: 200,
  },
  {
    name: "delete another's comment",
    need: 'write',
    method: 'DELETE',
    path: (t) => `/issues/comments/${t.comment}`,
    ok: 204,
  },
  {
    name: 'create label',
    need: 'write',
    method: 'POST',
    path: () => '/labels',
    body: () => ({ name: uniq('l'), color: 'abcdef' }),
    ok: 201,
  },
  {
    name: 'edit label',
    need: 'write',
    method: 'PATCH',
    path: () => '/labels/question',
    body: () => ({ description: 'q' }),
    ok: 200,
  },
  {
    name: 'create milestone',
    need: 'write',
    method: 'POST',
    path: () => '/milestones',
    body: () => ({ title: uniq('m') }),
    ok: 201,
  },
  {
    name: 'edit milestone',
    need: 'write',
    method: 'PATCH',
    path: () => '/milestones/1',
    body: () => ({ description: 'd' }),
    ok: 200,
  },
  { name: 'delete issue', need: 'admin', method: 'DELETE', path: (t) => `/issues/${t.n}`, ok: 204 },
  { name: 'list page', need: 'read', method: 'GET', path: () => '/issues', page: true, ok: 200 },
  {
    name: 'issue history page',
    need: 'read',
    method: 'GET',
    path: (t) => `/issues/${t.n}/history`,
    page: true,
    ok: 200,
  },
  {
    name: 'milestone page',
    need: 'read',
    method: 'GET',
    path: () => '/milestones/1',
    page: true,
    ok: 200,
  },
  {
    name: 'issue page',
    need: 'read',
    method: 'GET',
    path: (t) => `/issues/${t.n}`,
    page: true,
    ok: 200,
  },
  {
    name: 'new issue page',
    need: 'participate',
    method: 'GET',
    path: () => '/issues/new',
    page: true,
    ok: 200,
  },
  {
    name: 'open issue form',
    need: 'participate',
    method: 'POST',
    path: () => '/issues/new',
    body: () => ({ title: 't' }),
    page: true,
    ok: 303,
  },
  {
    name: 'comment form',
    need: 'participate',
    method: 'POST',
    path: (t) => `/issues/${t.n}/comments`,
    body: () => ({ body: 'b' }),
    page: true,
    ok: 303,
  },
  {
    name: 'close form',
    need: 'write',
    method: 'POST',
    path: (t) => `/issues/${t.n}/state`,
    body: () => ({ state_reason: 'completed' }),
    page: true,
    ok: 303,
  },
  {
    name: 'labels form',
    need: 'write',
    method: 'POST',
    path: (t) => `/issues/${t.n}/labels`,
    body: () => ({ labels: 'bug' }),
    page: true,
    ok: 303,
  },
  {
    name: 'assignees form',
    need: 'write',
    method: 'POST',
    path: (t) => `/issues/${t.n}/assignees`,
    body: () => ({}),
    page: true,
    ok: 303,
  },
  {
    name: 'milestone form',
    need: 'write',
    method: 'POST',
    path: (t) => `/issues/${t.n}/milestone`,
    body: () => ({ milestone: '1' }),
    page: true,
    ok: 303,
  },
  {
    name: 'lock form',
    need: 'write',
    method: 'POST',
    path: (t) => `/issues/${t.n}/lock`,
    body: () => ({ locked: 'true' }),
    page: true,
    ok: 303,
  },
  {
    name: 'pin form',
    need: 'write',
    method: 'POST',
    path: (t) => `/issues/${t.n}/pin`,
    body: () => ({ pinned: 'false' }),
    page: true,
    ok: 303,
  },
  {
    name: 'edit form',
    need: 'write',
    method: 'POST',
    path: (t) => `/issues/${t.n}/edit`,
    body: () => ({ title: 'x', body: 'y' }),
    page: true,
    ok: 303,
  },
  {
    name: 'comment edit form',
    need: 'write',
    method: 'POST',
    path: (t) => `/issues/${t.n}/comments/${t.comment}/edit`,
    body: () => ({ body: 'x' }),
    page: true,
    ok: 303,
  },
  {
    name: 'comment delete form',
    need: 'write',
    method: 'POST',
    path: (t) => `/issues/${t.n}/comments/${t.comment}/delete`,
    body: () => ({}),
    page: true,
    ok: 303,
  },
  {
    name: 'delete form',
    need: 'admin',
    method: 'POST',
    path: (t) => `/issues/${t.n}/delete`,
    body: () => ({ confirm: '' }),
    page: true,
    ok: 303,
  },
];

const LEVEL: Record<Role, number> = { owner: 3, writer: 2, reader: 1, stranger: 0, anonymous: -1 };
const NEED: Record<Need, number> = { read: -1, participate: 0, write: 2, admin: 3 };

/** The status a role must get: the case's success, 404, 401 (a page: 303 to sign in) or 403. */
function expected(c: Case, role: Role, priv: boolean): number | 'login' {
  if (priv && (role === 'stranger' || role === 'anonymous')) return 404;
  if (LEVEL[role] >= NEED[c.need]) return c.ok;
  if (role === 'anonymous') return c.page ? 'login' : 401;
  return 403;
}

describe.each([false, true])('issue routes on a %s repository (private?)', (priv) => {
  const users = {} as Record<Exclude<Role, 'anonymous'>, SignUp>;
  let prefix = '';

  const api = (u: SignUp | undefined, method: string, path: string, body?: unknown) =>
    fetch(`${base}/api/v1/repos${prefix}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...(u?.headers ?? {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  beforeAll(async () => {
    const [owner, writer, reader, stranger] = await Promise.all(
      [0, 1, 2, 3].map(() => signUp(base)),
    );
    Object.assign(users, { owner, writer, reader, stranger });
    const name = uniq('authz');
    await owner!.createRepo(name, { private: priv });
    prefix = `/${owner!.user.login}/${name}`;
    for (const [u, permission] of [
      [writer, 'write'],
      [reader, 'read'],
    ] as const) {
      const res = await api(owner, 'PUT', `/collaborators/${u!.user.login}`, { permission });
      expect(res.status).toBe(204);
    }
    expect((await api(owner, 'POST', '/milestones', { title: 'v1' })).status).toBe(201);
  }, 60_000);

  it('answers every route as the rules say for every role', async () => {
    const owner = users.owner;
    const wrong: string[] = [];
    for (const c of CASES) {
      for (const role of ROLES) {
        // A fresh issue and comment by the owner, so one role's change never affects the next.
        const issue = await api(owner, 'POST', '/issues', { title: `${c.name} / ${role}` });
        const n = ((await issue.json()) as { number: number }).number;
        const cm = await api(owner, 'POST', `/issues/${n}/comments`, { body: 'owner says' });
        const comment = ((await cm.json()) as { id: number }).id;
        const u = role === 'anonymous' ? undefined : users[role];
        const path = c.path({ n, comment });
        const body = c.body?.();
        let res: Response;
        if (c.page) {
          const headers: Record<string, string> = { origin };
          if (u) headers.cookie = u.cookie;
          const form =
            body === undefined ? undefined : new URLSearchParams(body as Record<string, string>);
          if (c.name === 'delete form' && form) form.set('confirm', String(n));
          res = await fetch(`${base}${prefix}${path}`, {
            method: c.method,
            headers,
            body: form,
            redirect: 'manual',
          });
        } else {
          res = await api(u, c.method, path, body);
        }
        const want = expected(c, role, priv);
        const got =
          res.status === 303 && /\/login/.test(res.headers.get('location') ?? '')
            ? 'login'
            : res.status;
        await res.body?.cancel();
        if (got !== want) wrong.push(`${c.name} as ${role}: ${got}, expected ${want}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('lets authors edit their own text and close their own issues without write access', async () => {
    if (priv) return; // a stranger cannot reach a private repository at all
    const s = users.stranger;
    const made = await api(s, 'POST', '/issues', { title: 'mine' });
    const n = ((await made.json()) as { number: number }).number;
    expect((await api(s, 'PATCH', `/issues/${n}`, { title: 'still mine', body: 'b' })).status).toBe(
      200,
    );
    expect((await api(s, 'PATCH', `/issues/${n}`, { state: 'closed' })).status).toBe(200);
    const cm = await api(s, 'POST', `/issues/${n}/comments`, { body: 'c' });
    const id = ((await cm.json()) as { id: number }).id;
    expect((await api(s, 'PATCH', `/issues/comments/${id}`, { body: 'c2' })).status).toBe(200);
    // …but not labels, and not someone else's comment.
    expect((await api(s, 'POST', `/issues/${n}/labels`, { labels: ['bug'] })).status).toBe(403);
    expect((await api(users.reader, 'PATCH', `/issues/comments/${id}`, { body: 'x' })).status).toBe(
      403,
    );
  });
});
