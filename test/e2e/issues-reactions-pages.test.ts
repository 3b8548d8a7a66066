/**
 * Reactions and comment edit history on the issue page over HTTP with plain form posts: a read
 * collaborator adds and removes reactions on the issue and on a comment, counts show with who
 * reacted in a title; anonymous visitors see counts without forms and are sent to sign in when
 * they post; a locked issue refuses a reader's reaction; an edited comment, and an edited issue
 * description, link to their history, which shows every version; a private repository is 404 to strangers on every route.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { SignUp } from '../../scripts/clients/auth';
import { castWithRepos, forgeClient } from './forge-client';

const base = inject('baseUrl');
const { post, page } = forgeClient(base);
const { call } = forgeClient(base);
/** `/repos{path}` on the API as `u`: its status and JSON. */
async function api(u: SignUp, method: string, path: string, body?: unknown) {
  const res = await call(u, method, `/repos${path}`, body);
  const text = await res.text();
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

describe('reactions and comment history on the issue page', () => {
  let owner: SignUp;
  let reader: SignUp;
  let stranger: SignUp;
  let repo = '';
  let priv = '';
  beforeAll(async () => {
    ({ owner, reader, stranger, repo, priv } = await castWithRepos(base, 'react'));
  }, 60_000);

  it('adds and removes reactions on the issue and a comment through forms', async () => {
    const made = await api(owner, 'POST', `${repo}/issues`, { title: 'react to me' });
    const n = made.json.number as number;
    const cm = await api(owner, 'POST', `${repo}/issues/${n}/comments`, { body: 'a comment' });
    const id = cm.json.id as number;
    const issuePath = `${repo}/issues/${n}`;

    let res = await post(reader, `${issuePath}/reactions`, { content: 'rocket' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(issuePath);
    expect((await post(owner, `${issuePath}/reactions`, { content: 'rocket' })).status).toBe(303);
    res = await post(reader, `${issuePath}/comments/${id}/reactions`, { content: '+1' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${issuePath}#issuecomment-${id}`);
    expect((await post(reader, `${issuePath}/reactions`, { content: 'nope' })).status).toBe(400);

    let [status, html] = await page(reader, issuePath);
    expect(status).toBe(200);
    const who = `${reader.user.login}, ${owner.user.login} reacted with rocket`;
    expect(html).toContain(`title="${who}"`);
    expect(html).toContain('🚀 2');
    expect(html).toContain(`title="${reader.user.login} reacted with thumbs up"`);
    expect(html).toContain('👍 1');
    const mine = /action="([^"]*\/reactions\/(\d+)\/delete)"/.exec(html);
    expect(mine).not.toBeNull();

    // Anonymous visitors see the counts, without forms, and are sent to sign in when posting.
    [status, html] = await page(undefined, issuePath);
    expect(html).toContain('🚀 2');
    expect(html).not.toContain('Add reaction');
    res = await post(undefined, `${issuePath}/reactions`, { content: 'eyes' });
    expect(res.headers.get('location') ?? '').toMatch(/^\/login/);

    // Another user cannot remove the reader's reaction; the reader can.
    const reactionDelete = mine?.[1] ?? '';
    const strangerTry = await post(stranger, reactionDelete, {});
    expect(strangerTry.status).toBe(403);
    expect((await post(reader, reactionDelete, {})).status).toBe(303);
    [, html] = await page(reader, issuePath);
    expect(html).toContain(`title="${owner.user.login} reacted with rocket"`);
    expect(html).toContain('🚀 1');

    // A locked issue: readers may not react.
    expect((await api(owner, 'PUT', `${repo}/issues/${n}/lock`, {})).status).toBe(204);
    expect((await post(reader, `${issuePath}/reactions`, { content: 'eyes' })).status).toBe(403);
    [, html] = await page(reader, issuePath);
    expect(html).not.toContain('Add reaction');
  });

  it('links an edited comment to its history, which shows every version', async () => {
    const made = await api(owner, 'POST', `${repo}/issues`, { title: 'history' });
    const n = made.json.number as number;
    const cm = await api(owner, 'POST', `${repo}/issues/${n}/comments`, { body: 'first <b>' });
    const id = cm.json.id as number;
    const issuePath = `${repo}/issues/${n}`;
    let [, html] = await page(reader, issuePath);
    expect(html).not.toContain(`/comments/${id}/history`);
    for (const body of ['second', 'third']) {
      expect((await post(owner, `${issuePath}/comments/${id}/edit`, { body })).status).toBe(303);
    }
    [, html] = await page(reader, issuePath);
    expect(html).toContain(`href="${issuePath}/comments/${id}/history"`);
    const [status, hist] = await page(reader, `${issuePath}/comments/${id}/history`);
    expect(status).toBe(200);
    expect(hist).toContain('2 edits, newest first.');
    const order = ['third', 'second', 'first &lt;b&gt;'].map((t) => hist.indexOf(`>${t}</pre>`));
    expect(order.every((k) => k > 0)).toBe(true);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    // The comment must belong to the issue in the path.
    const other = await api(owner, 'POST', `${repo}/issues`, { title: 'other' });
    const wrong = await page(
      reader,
      `${repo}/issues/${other.json.number as number}/comments/${id}/history`,
    );
    expect(wrong[0]).toBe(404);
  });

  it('links an edited issue description to its history, which shows every version', async () => {
    const made = await api(owner, 'POST', `${repo}/issues`, { title: 'described', body: 'v1 <i>' });
    const n = made.json.number as number;
    const issuePath = `${repo}/issues/${n}`;
    let [, html] = await page(reader, issuePath);
    expect(html).not.toContain(`href="${issuePath}/history"`);
    for (const body of ['v2', 'v3']) {
      expect((await api(owner, 'PATCH', `${repo}/issues/${n}`, { body })).status).toBe(200);
    }
    [, html] = await page(reader, issuePath);
    expect(html).toContain(`href="${issuePath}/history"`);
    const [status, hist] = await page(reader, `${issuePath}/history`);
    expect(status).toBe(200);
    expect(hist).toContain('the description of #' + String(n));
    expect(hist).toContain('2 edits, newest first.');
    const order = ['v3', 'v2', 'v1 &lt;i&gt;'].map((t) => hist.indexOf(`>${t}</pre>`));
    expect(order.every((k) => k > 0)).toBe(true);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect((await page(reader, `${repo}/issues/99999/history`))[0]).toBe(404);
  });

  it('answers every route on a private repository with 404 to strangers and anonymous', async () => {
    const made = await api(owner, 'POST', `${priv}/issues`, { title: 'secret' });
    const n = made.json.number as number;
    const cm = await api(owner, 'POST', `${priv}/issues/${n}/comments`, { body: 'x' });
    const id = cm.json.id as number;
    await api(owner, 'PATCH', `${priv}/issues/comments/${id}`, { body: 'y' });
    const r = await api(owner, 'POST', `${priv}/issues/${n}/reactions`, { content: 'heart' });
    const issuePath = `${priv}/issues/${n}`;
    for (const u of [stranger, undefined]) {
      expect((await page(u, `${issuePath}/comments/${id}/history`))[0]).toBe(404);
      expect((await page(u, `${issuePath}/history`))[0]).toBe(404);
      expect((await post(u, `${issuePath}/reactions`, { content: 'eyes' })).status).toBe(404);
      const onComment = await post(u, `${issuePath}/comments/${id}/reactions`, { content: 'eyes' });
      expect(onComment.status).toBe(404);
      const del = await post(u, `${issuePath}/reactions/${r.json.id as number}/delete`, {});
      expect(del.status).toBe(404);
    }
    const [status, html] = await page(reader, `${issuePath}/comments/${id}/history`);
    expect(status).toBe(200);
    expect(html).toContain('1 edit, newest first.');
    expect((await post(reader, `${issuePath}/reactions`, { content: 'eyes' })).status).toBe(303);
  });
});
