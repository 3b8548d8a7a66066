/**
 * The labels and milestones pages over HTTP with plain form posts: the owner creates, edits and
 * deletes a label (delete needs its confirmation) and sees its open-issue count; creates a
 * milestone with a due date, sees its progress in words and its own page (details, progress,
 * its open and closed issues), closes, reopens and deletes it. Readers see the pages without forms and get 403 on every form;
 * anonymous visitors are sent to sign in; a private repository is 404 to strangers.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { SignUp } from '../../scripts/clients/auth';
import { castWithRepos, forgeClient } from './forge-client';

const base = inject('baseUrl');
const { post, page } = forgeClient(base);
const { call } = forgeClient(base);
/** `/repos{path}` on the API as `u`. */
const api = (u: SignUp, method: string, path: string, body?: unknown) =>
  call(u, method, `/repos${path}`, body);

describe('labels and milestones pages', () => {
  let owner: SignUp;
  let reader: SignUp;
  let stranger: SignUp;
  let repo = '';
  let priv = '';
  beforeAll(async () => {
    ({ owner, reader, stranger, repo, priv } = await castWithRepos(base, 'meta'));
  }, 60_000);

  it('creates, counts, edits and deletes a label through forms', async () => {
    let res = await post(owner, `${repo}/labels`, {
      name: 'needs tests',
      color: '#00AA33',
      description: 'No test covers it',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${repo}/labels`);
    const made = await api(owner, 'POST', `${repo}/issues`, {
      title: 'one',
      labels: ['needs tests'],
    });
    expect(made.status).toBe(201);
    const [status, first] = await page(owner, `${repo}/labels`);
    let html = first;
    expect(status).toBe(200);
    expect(html).toContain('needs tests');
    expect(html).toContain('No test covers it');
    expect(html).toContain('background:#00aa33');
    expect(html).toContain('1 open issue<');
    expect(html).toContain(`q=is%3Aopen+label%3A%22needs+tests%22`);
    expect(html).toContain('Create label');

    res = await post(owner, `${repo}/labels/${encodeURIComponent('needs tests')}/edit`, {
      new_name: 'untested',
      color: '#112233',
      description: '',
    });
    expect(res.status).toBe(303);
    [, html] = await page(owner, `${repo}/labels`);
    expect(html).toContain('untested');
    expect(html).not.toContain('needs tests');
    expect(html).toContain('background:#112233');

    res = await post(owner, `${repo}/labels/${encodeURIComponent('untested')}/edit`, {
      new_name: 'x',
      color: 'blue',
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('six hexadecimal digits');

    res = await post(owner, `${repo}/labels/untested/delete`, {});
    expect(res.status).toBe(400);
    res = await post(owner, `${repo}/labels/untested/delete`, { confirm: 'untested' });
    expect(res.status).toBe(303);
    [, html] = await page(owner, `${repo}/labels`);
    expect(html).not.toContain('untested');

    // A name with a slash, a space and a percent sign round-trips through the page's own links.
    const odd = 'area/ui 100%';
    res = await post(owner, `${repo}/labels`, { name: odd, color: '#abcdef' });
    expect(res.status).toBe(303);
    [, html] = await page(owner, `${repo}/labels`);
    const action = /action="([^"]*\/delete)"/.exec(
      html.slice(html.indexOf(`value="${odd}"`) - 400),
    );
    expect(action?.[1]).toBe(`${repo}/labels/${encodeURIComponent(odd)}/delete`);
    res = await post(owner, action?.[1] ?? '', { confirm: odd });
    expect(res.status).toBe(303);
    [, html] = await page(owner, `${repo}/labels`);
    expect(html).not.toContain('area/ui');
  });

  it('shows milestones with due date and progress; closes, reopens and deletes them', async () => {
    let res = await post(owner, `${repo}/milestones`, {
      title: 'v1 "final"',
      due_on: '2030-01-31',
      description: 'First release',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`${repo}/milestones`);
    const list = (await (await api(owner, 'GET', `${repo}/milestones`)).json()) as Array<{
      number: number;
      title: string;
    }>;
    const m = list.find((x) => x.title === 'v1 "final"');
    expect(m).toBeDefined();
    const n = m?.number ?? 0;
    for (const title of ['a', 'b', 'c']) {
      const r = await api(owner, 'POST', `${repo}/issues`, { title, milestone: n });
      expect(r.status).toBe(201);
      const { number } = (await r.json()) as { number: number };
      if (title === 'a') {
        expect(
          (await api(owner, 'PATCH', `${repo}/issues/${number}`, { state: 'closed' })).status,
        ).toBe(200);
      }
    }
    const [status, first] = await page(owner, `${repo}/milestones`);
    let html = first;
    expect(status).toBe(200);
    expect(html).toContain('v1 &quot;final&quot;');
    expect(html).toContain('Due by <time datetime="2030-01-31');
    expect(html).toContain('33% complete · 2 open · 1 closed');
    expect(html).toContain(`<a class="title" href="${repo}/milestones/${n}">`);
    expect(html).toContain('First release');

    // The milestone's own page: its details, progress, and its open or closed issues.
    let [mStatus, mHtml] = await page(undefined, `${repo}/milestones/${n}`);
    expect(mStatus).toBe(200);
    expect(mHtml).toContain('v1 &quot;final&quot;');
    expect(mHtml).toContain('Due by <time datetime="2030-01-31');
    expect(mHtml).toContain('First release');
    expect(mHtml).toContain('33% complete · 2 open · 1 closed');
    const titles = (h: string) =>
      [...h.matchAll(/<a class="title" href="[^"]+\/issues\/\d+">([^<]*)<\/a>/g)].map((x) => x[1]);
    expect(titles(mHtml)).toEqual(['c', 'b']);
    expect(mHtml).toContain(`q=is%3Aopen+milestone%3A%22v1+%22final%22%22`);
    [mStatus, mHtml] = await page(undefined, `${repo}/milestones/${n}?state=closed`);
    expect(mStatus).toBe(200);
    expect(titles(mHtml)).toEqual(['a']);
    expect((await page(undefined, `${repo}/milestones/99999`))[0]).toBe(404);
    expect((await page(undefined, `${repo}/milestones/${n}?state=nope`))[0]).toBe(400);

    res = await post(owner, `${repo}/milestones/${n}/edit`, {
      title: 'v1.0',
      due_on: '',
      description: 'First release',
    });
    expect(res.status).toBe(303);
    [, html] = await page(owner, `${repo}/milestones`);
    expect(html).toContain('v1.0');
    expect(html).toContain('No due date');

    res = await post(owner, `${repo}/milestones/${n}/state`, { state: 'closed' });
    expect(res.status).toBe(303);
    [, html] = await page(owner, `${repo}/milestones`);
    expect(html).not.toContain('v1.0');
    expect(html).toContain('1 Closed');
    [, html] = await page(owner, `${repo}/milestones?state=closed`);
    expect(html).toContain('v1.0');
    expect(html).toContain('Reopen');
    res = await post(owner, `${repo}/milestones/${n}/state`, { state: 'open' });
    expect(res.status).toBe(303);
    [, html] = await page(owner, `${repo}/milestones`);
    expect(html).toContain('v1.0');

    res = await post(owner, `${repo}/milestones/${n}/delete`, { confirm: '' });
    expect(res.status).toBe(400);
    res = await post(owner, `${repo}/milestones/${n}/delete`, { confirm: String(n) });
    expect(res.status).toBe(303);
    [, html] = await page(owner, `${repo}/milestones?state=open`);
    expect(html).not.toContain('v1.0');
    expect((await api(owner, 'GET', `${repo}/milestones/${n}`)).status).toBe(404);
  });

  it('links both pages from the issue list', async () => {
    const [, html] = await page(undefined, `${repo}/issues`);
    expect(html).toContain(`href="${repo}/labels"`);
    expect(html).toContain(`href="${repo}/milestones"`);
  });

  it('lets readers see and writers change; private repositories are 404 to strangers', async () => {
    expect(
      (await api(owner, 'POST', `${priv}/labels`, { name: 'chore-x', color: 'ff0000' })).status,
    ).toBe(201);
    expect((await api(owner, 'POST', `${priv}/milestones`, { title: 'm' })).status).toBe(201);
    const forms: Array<[string, Record<string, string>]> = [
      ['/labels', { name: 'new', color: '#000000' }],
      ['/labels/chore-x/edit', { description: 'd' }],
      ['/labels/chore-x/delete', { confirm: 'chore-x' }],
      ['/milestones', { title: 'new' }],
      ['/milestones/1/edit', { title: 'new' }],
      ['/milestones/1/state', { state: 'closed' }],
      ['/milestones/1/delete', { confirm: '1' }],
    ];
    for (const r of [repo, priv]) {
      for (const p of ['/labels', '/milestones']) {
        const [status, html] = await page(reader, `${r}${p}`);
        expect(status, `${r}${p}`).toBe(200);
        expect(html).not.toMatch(/Create (label|milestone)/);
        expect((await page(stranger, `${r}${p}`))[0]).toBe(r === priv ? 404 : 200);
        expect((await page(undefined, `${r}${p}`))[0]).toBe(r === priv ? 404 : 200);
      }
      for (const [p, form] of forms) {
        const who = `${r}${p}`;
        expect((await post(reader, who, form)).status, `reader ${who}`).toBe(403);
        expect((await post(stranger, who, form)).status, `stranger ${who}`).toBe(
          r === priv ? 404 : 403,
        );
        const anon = await post(undefined, who, form);
        if (r === priv) expect(anon.status, `anonymous ${who}`).toBe(404);
        else expect(anon.headers.get('location') ?? '', `anonymous ${who}`).toMatch(/^\/login/);
      }
    }
    const [, html] = await page(owner, `${priv}/labels`);
    expect(html).toContain('chore-x');
    const [mStatus, mHtml] = await page(reader, `${priv}/milestones/1`);
    expect(mStatus).toBe(200);
    expect(mHtml).toContain('No open issues in this milestone.');
    expect((await page(stranger, `${priv}/milestones/1`))[0]).toBe(404);
    expect((await page(undefined, `${priv}/milestones/1`))[0]).toBe(404);
  });
});
