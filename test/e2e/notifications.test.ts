/**
 * Notifications through the API with two users and a stranger: a mention, a comment on one's
 * own issue, an issue closed by a pushed `Fixes #n`, reasons, read and unread, mark all read, thread unsubscribe, watch settings
 * (watching gets every new issue, ignoring gets nothing), a private repository's mentions of
 * outsiders going nowhere, and access removed later hiding what was sent before.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { poll } from './workflows-client';
import { forgeClient, uniq, type Json } from './forge-client';

const base = inject('baseUrl');
const { call, json } = forgeClient(base);

/** The user's notifications (all, read ones too) about `repo` (owner/name). */
async function inbox(u: SignUp, repo: string, query = 'all=true'): Promise<Json[]> {
  const list = await json(u, 'GET', `/notifications?${query}&per_page=100`);
  return list.filter((n) => (n.repository as Json).full_name === repo);
}

describe('notifications over the API', () => {
  let alice: SignUp;
  let bob: SignUp;
  let stranger: SignUp;
  const g = new GitSandbox();
  beforeAll(async () => {
    [alice, bob, stranger] = await Promise.all([signUp(base), signUp(base), signUp(base)]);
  });
  afterAll(() => g.cleanup());

  it('notifies a mention, then the author of a comment, and marks read', async () => {
    const name = uniq('ntf');
    const full = `${alice.user.login}/${name}`;
    await alice.createRepo(name);
    await json(
      alice,
      'POST',
      `/repos/${full}/issues`,
      { title: 'Ping', body: `@${bob.user.login} have a look` },
      201,
    );
    const [mention, ...more] = await inbox(bob, full, 'all=false');
    expect(more).toEqual([]);
    expect(mention).toMatchObject({
      reason: 'mention',
      unread: true,
      subject: { title: 'Ping', type: 'Issue' },
      repository: { full_name: full, private: false },
    });
    expect(await inbox(alice, full)).toEqual([]); // never the actor
    expect(await inbox(stranger, full)).toEqual([]);

    // Bob comments: alice (the author) hears of it; bob does not hear of his own comment.
    const comment = await json(
      bob,
      'POST',
      `/repos/${full}/issues/1/comments`,
      { body: 'ok' },
      201,
    );
    const [forAlice] = await inbox(alice, full);
    expect(forAlice).toMatchObject({ reason: 'author', unread: true });
    expect((forAlice?.subject as Json).latest_comment_url).toMatch(
      new RegExp(`/issues/comments/${comment.id}$`),
    );
    expect((await inbox(bob, full))[0]).toMatchObject({ reason: 'mention', unread: true });

    // Marking one read; another user's thread is not found.
    const id = String(forAlice?.id);
    expect((await call(bob, 'PATCH', `/notifications/threads/${id}`)).status).toBe(404);
    expect((await call(alice, 'PATCH', `/notifications/threads/${id}`)).status).toBe(205);
    expect(await json(alice, 'GET', `/notifications/threads/${id}`)).toMatchObject({
      unread: false,
    });
    expect(await inbox(alice, full, 'all=false')).toEqual([]);
    // Alice replies: bob (mentioned, so subscribed) hears of it again with his reason.
    await json(alice, 'POST', `/repos/${full}/issues/1/comments`, { body: 'thanks' }, 201);
    expect((await inbox(bob, full, 'all=false'))[0]).toMatchObject({ reason: 'mention' });
    // Mark all read.
    expect((await call(bob, 'PUT', '/notifications', {})).status).toBe(205);
    expect(await inbox(bob, full, 'all=false')).toEqual([]);
    expect(await inbox(bob, full)).toHaveLength(1);
    // participating=true keeps threads the user takes part in.
    expect(await inbox(bob, full, 'all=true&participating=true')).toHaveLength(1);
  });

  it('notifies the author when a pushed commit says Fixes #n', async () => {
    const name = uniq('fix');
    const full = `${alice.user.login}/${name}`;
    await alice.createRepo(name);
    await json(bob, 'POST', `/repos/${full}/issues`, { title: 'Broken', body: '' }, 201);
    const dir = await g.makeRepo(uniq('w'), 1);
    const remote = remoteUrl(base, alice.user.login, name, await alice.token());
    await g.ok(dir, ['push', '-q', remote, 'main']);
    await g.commitFile(dir, 'b.txt', 'b\n', 'Mend it\n\nFixes #1');
    await g.ok(dir, ['push', '-q', remote, 'HEAD:main']);
    const n = await poll(async () => (await inbox(bob, full, 'all=false'))[0], 30_000);
    expect(n).toMatchObject({ reason: 'author', unread: true, subject: { title: 'Broken' } });
    expect(await inbox(alice, full)).toEqual([]); // the pusher closed it
  });

  it('stops a thread after unsubscribing, until mentioned again', async () => {
    const name = uniq('unsub');
    const full = `${alice.user.login}/${name}`;
    await alice.createRepo(name);
    await json(bob, 'POST', `/repos/${full}/issues`, { title: 'Mine', body: 'x' }, 201);
    await json(alice, 'POST', `/repos/${full}/issues/1/comments`, { body: 'one' }, 201);
    const [t] = await inbox(bob, full);
    expect(t).toMatchObject({ reason: 'author' });
    const sub = await json(
      bob,
      'DELETE',
      `/notifications/threads/${t?.id}/subscription`,
      undefined,
      204,
    );
    expect(sub).toEqual({});
    expect(await json(bob, 'GET', `/notifications/threads/${t?.id}/subscription`)).toMatchObject({
      subscribed: false,
      ignored: true,
    });
    await json(bob, 'PATCH', `/notifications/threads/${t?.id}`, undefined, 205);
    await json(alice, 'POST', `/repos/${full}/issues/1/comments`, { body: 'two' }, 201);
    expect(await inbox(bob, full, 'all=false')).toEqual([]);
    await json(
      alice,
      'POST',
      `/repos/${full}/issues/1/comments`,
      { body: `@${bob.user.login}` },
      201,
    );
    expect((await inbox(bob, full, 'all=false'))[0]).toMatchObject({ reason: 'mention' });
    const again = await json(bob, 'PUT', `/notifications/threads/${t?.id}/subscription`, {
      ignored: false,
    });
    expect(again).toMatchObject({ subscribed: true, ignored: false });
  });

  it('follows watch settings: watching gets new issues, ignoring gets nothing', async () => {
    const name = uniq('watch');
    const full = `${alice.user.login}/${name}`;
    await alice.createRepo(name);
    expect((await call(bob, 'GET', `/repos/${full}/subscription`)).status).toBe(404);
    const w = await json(bob, 'PUT', `/repos/${full}/subscription`, { subscribed: true });
    expect(w).toMatchObject({ subscribed: true, ignored: false });
    await json(alice, 'POST', `/repos/${full}/issues`, { title: 'New', body: '' }, 201);
    expect((await inbox(bob, full))[0]).toMatchObject({ reason: 'subscribed' });
    expect(await inbox(bob, full, 'all=true&participating=true')).toEqual([]);

    await json(bob, 'PUT', `/repos/${full}/subscription`, { ignored: true });
    expect(await json(bob, 'GET', `/repos/${full}/subscription`)).toMatchObject({ ignored: true });
    await json(bob, 'PUT', '/notifications', {}, 205);
    await json(
      alice,
      'POST',
      `/repos/${full}/issues`,
      { title: 'Hey', body: `@${bob.user.login}` },
      201,
    );
    await json(alice, 'POST', `/repos/${full}/issues/1/comments`, { body: 'more' }, 201);
    expect(await inbox(bob, full, 'all=false')).toEqual([]);

    await json(bob, 'DELETE', `/repos/${full}/subscription`, undefined, 204);
    expect((await call(bob, 'GET', `/repos/${full}/subscription`)).status).toBe(404);
    await json(
      alice,
      'POST',
      `/repos/${full}/issues`,
      { title: 'Yo', body: `@${bob.user.login}` },
      201,
    );
    expect((await inbox(bob, full, 'all=false'))[0]).toMatchObject({ reason: 'mention' });
  });

  it('sends a private repository’s notifications only to readers, and hides them later', async () => {
    const name = uniq('priv');
    const full = `${alice.user.login}/${name}`;
    await alice.createRepo(name, { private: true });
    await json(
      alice,
      'PUT',
      `/repos/${full}/collaborators/${bob.user.login}`,
      { permission: 'write' },
      204,
    );
    // Bob mentions the stranger and alice: only alice, who can read it, is notified.
    await json(
      bob,
      'POST',
      `/repos/${full}/issues`,
      { title: 'Secret', body: `@${stranger.user.login} @${alice.user.login}` },
      201,
    );
    expect(await inbox(stranger, full)).toEqual([]);
    expect((await inbox(alice, full))[0]).toMatchObject({
      reason: 'mention',
      repository: { private: true },
    });
    // The stranger cannot watch it either (it does not exist for them).
    expect(
      (await call(stranger, 'PUT', `/repos/${full}/subscription`, { subscribed: true })).status,
    ).toBe(404);

    // Alice mentions bob; then bob loses access: the thread is gone from his inbox and count.
    await json(
      alice,
      'POST',
      `/repos/${full}/issues/1/comments`,
      { body: `@${bob.user.login}` },
      201,
    );
    const [t] = await inbox(bob, full);
    expect(t).toMatchObject({ unread: true });
    await json(alice, 'DELETE', `/repos/${full}/collaborators/${bob.user.login}`, undefined, 204);
    expect(await inbox(bob, full)).toEqual([]);
    expect((await call(bob, 'GET', `/notifications/threads/${t?.id}`)).status).toBe(404);
    expect((await call(bob, 'PATCH', `/notifications/threads/${t?.id}`)).status).toBe(404);
    // Given access again, it is back.
    await json(
      alice,
      'PUT',
      `/repos/${full}/collaborators/${bob.user.login}`,
      { permission: 'read' },
      204,
    );
    expect(await inbox(bob, full)).toHaveLength(1);
  });

  it('paginates with Link and refuses anonymous callers and bad input', async () => {
    expect((await call(undefined, 'GET', '/notifications')).status).toBe(401);
    expect((await call(undefined, 'PUT', '/notifications', {})).status).toBe(401);
    expect((await call(bob, 'GET', '/notifications?all=maybe')).status).toBe(400);
    expect((await call(bob, 'GET', '/notifications?since=yesterday')).status).toBe(400);
    const res = await call(bob, 'GET', '/notifications?all=true&per_page=1');
    expect(res.status).toBe(200);
    expect(res.headers.get('link')).toMatch(/rel="next"/);
    const pat = await bob.token(['repo:read']);
    const byToken = await fetch(`${base}/api/v1/notifications?all=true`, {
      headers: { authorization: `Bearer ${pat}` },
    });
    expect(byToken.status).toBe(200);
    const write = await fetch(`${base}/api/v1/notifications`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${pat}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(write.status).toBe(403);
  });
});
