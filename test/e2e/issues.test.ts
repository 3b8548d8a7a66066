/**
 * Issues through the API with two users and a stranger: open, label, assign, milestone,
 * comment (edited, with history), reactions, references from another issue and from a commit
 * pushed with git, `Fixes #n` closing the issue, lock refusing the stranger, pins, search
 * qualifiers with counts and Link pagination (of lists, timelines and events), and a private repository invisible to strangers.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { poll } from './workflows-client';
import { forgeClient, uniq, type Json } from './forge-client';

const base = inject('baseUrl');
const { call, json } = forgeClient(base);

describe('issues over the API', () => {
  let owner: SignUp;
  let writer: SignUp;
  let stranger: SignUp;
  let repo: string;
  const g = new GitSandbox();
  beforeAll(async () => {
    [owner, writer, stranger] = await Promise.all([signUp(base), signUp(base), signUp(base)]);
    const name = uniq('iss');
    await owner.createRepo(name);
    repo = `/repos/${owner.user.login}/${name}`;
    await json(
      owner,
      'PUT',
      `${repo}/collaborators/${writer.user.login}`,
      { permission: 'write' },
      204,
    );
  });
  afterAll(() => g.cleanup());

  it('runs the whole loop: open, label, assign, comment, reference, Fixes #n, lock', async () => {
    const one = await json(
      stranger,
      'POST',
      `${repo}/issues`,
      {
        title: 'Crash on empty packfile',
        body: 'Steps:\n- [x] push\n- [ ] clone\n\n@' + writer.user.login + ' can you look?',
        labels: ['bug'],
      },
      201,
    );
    expect(one).toMatchObject({ number: 1, state: 'open', user: { login: stranger.user.login } });
    expect(one.labels).toEqual([]); // a stranger's labels are ignored, as on GitHub
    const path = `${repo}/issues/1`;
    // The stranger cannot label; the writer can, and assign, and set a milestone.
    expect((await call(stranger, 'POST', `${path}/labels`, { labels: ['bug'] })).status).toBe(403);
    await json(writer, 'POST', `${path}/labels`, { labels: ['bug', 'help wanted'] });
    const ms = await json(
      owner,
      'POST',
      `${repo}/milestones`,
      { title: 'v1', due_on: '2027-01-01' },
      201,
    );
    const patched = await json(writer, 'PATCH', path, {
      assignees: [writer.user.login],
      milestone: ms.number,
    });
    expect((patched.labels as Json[]).map((l) => l.name)).toEqual(['bug', 'help wanted']);
    expect(patched.assignees).toEqual([{ login: writer.user.login, id: writer.user.id }]);
    expect(patched.milestone).toMatchObject({ title: 'v1', open_issues: 1 });
    expect(
      (await call(writer, 'POST', `${path}/assignees`, { assignees: [stranger.user.login] }))
        .status,
    ).toBe(400);

    // Comments: edited with history, rendered, reactions once per user and content.
    const comment = await json(owner, 'POST', `${path}/comments`, { body: 'first' }, 201);
    const cpath = `${repo}/issues/comments/${comment.id}`;
    expect((await call(stranger, 'PATCH', cpath, { body: 'hijack' })).status).toBe(403);
    await json(owner, 'PATCH', cpath, { body: 'second **bold**' });
    expect((await json(owner, 'GET', `${cpath}/history`)).map((e) => e.body)).toEqual(['first']);
    const rendered = await fetch(`${base}/api/v1${cpath}`, {
      headers: { accept: 'application/vnd.github.full+json' },
    });
    expect(((await rendered.json()) as Json).body_html).toContain('<strong>bold</strong>');
    await json(stranger, 'POST', `${path}/reactions`, { content: 'heart' }, 201);
    await json(stranger, 'POST', `${path}/reactions`, { content: 'heart' }, 200);
    expect((await call(stranger, 'POST', `${path}/reactions`, { content: 'love' })).status).toBe(
      400,
    );

    // A reference from another issue shows on #1's timeline.
    const two = await json(
      writer,
      'POST',
      `${repo}/issues`,
      { title: 'Follow-up', body: 'see #1' },
      201,
    );
    expect(two.number).toBe(2);

    // A commit pushed with git referencing #1, then one reaching main with Fixes #1.
    const token = await owner.token();
    const dir = await g.makeRepo(uniq('w'), 1);
    const remote = remoteUrl(base, owner.user.login, repo.split('/')[3] ?? '', token);
    await g.ok(dir, ['push', '-q', remote, 'main']);
    const refSha = await g.commitFile(dir, 'a.txt', 'a\n', 'Work towards #1');
    await g.ok(dir, ['push', '-q', remote, 'main:topic']);
    await poll(async () => {
      const t = await json(owner, 'GET', `${path}/timeline`);
      return t.some((e) => e.event === 'referenced' && e.commit_id === refSha) ? true : undefined;
    }, 30_000);
    expect((await json(owner, 'GET', path)).state).toBe('open'); // not the default branch
    const fixSha = await g.commitFile(dir, 'b.txt', 'b\n', 'Handle empty packs\n\nFixes #1');
    await g.ok(dir, ['push', '-q', remote, 'HEAD:main']);
    const closed = await poll(async () => {
      const i = await json(owner, 'GET', path);
      return i.state === 'closed' ? i : undefined;
    }, 30_000);
    expect(closed).toMatchObject({
      state_reason: 'completed',
      closed_by: { login: owner.user.login },
    });

    const timeline = await json(stranger, 'GET', `${path}/timeline?per_page=100`);
    const kinds = timeline.map((e) => e.event);
    for (const k of [
      'opened',
      'labeled',
      'assigned',
      'milestoned',
      'commented',
      'cross-referenced',
      'referenced',
      'closed',
    ]) {
      expect(kinds, k).toContain(k);
    }
    expect(timeline.find((e) => e.event === 'closed')).toMatchObject({ commit_id: fixSha });

    // A short id of the pushed commit is linked (to the full id); one naming nothing is not. An
    // all-digit prefix is left alone as a number, so the prefix runs to its first letter.
    const short = fixSha.slice(0, Math.max(9, fixSha.search(/[a-f]/) + 1));
    const c2 = await json(stranger, 'POST', `${path}/comments`, { body: `${short} 0000000a` }, 201);
    const shortHtml = await fetch(`${base}/api/v1${repo}/issues/comments/${c2.id}`, {
      headers: { accept: 'application/vnd.github.html+json' },
    });
    const commitLink = `href="/${repo.slice('/repos/'.length)}/commit/${fixSha}"><code>${fixSha.slice(0, 7)}</code>`;
    expect(((await shortHtml.json()) as Json).body_html).toContain(commitLink);
    const issuePage = await (await fetch(`${base}${path.slice('/repos'.length)}`)).text();
    expect(issuePage).toContain(commitLink);
    expect(issuePage).not.toContain('commit/0000000a');

    // The author may reopen their own issue; the writer locks it; the stranger is refused.
    await json(stranger, 'PATCH', path, { state: 'open' });
    expect((await call(stranger, 'PUT', `${path}/lock`, { lock_reason: 'resolved' })).status).toBe(
      403,
    );
    await json(writer, 'PUT', `${path}/lock`, { lock_reason: 'too heated' }, 204);
    const locked = await call(stranger, 'POST', `${path}/comments`, { body: 'hey' });
    expect(locked.status).toBe(403);
    expect(((await locked.json()) as { error: { code: string } }).error.code).toBe('issue_locked');
    await json(writer, 'POST', `${path}/comments`, { body: 'writers still may' }, 201);
    expect((await json(owner, 'GET', path)).active_lock_reason).toBe('too heated');
    // Only admins delete; the writer may not.
    expect((await call(writer, 'DELETE', `${repo}/issues/2`)).status).toBe(403);
    await json(owner, 'DELETE', `${repo}/issues/2`, undefined, 204);
    expect((await call(owner, 'GET', `${repo}/issues/2`)).status).toBe(404);
  });

  it('searches with qualifiers, counts per state and paginates with Link', async () => {
    const name = uniq('search');
    await owner.createRepo(name);
    const r = `/repos/${owner.user.login}/${name}`;
    for (let k = 1; k <= 5; k++) {
      await json(
        owner,
        'POST',
        `${r}/issues`,
        {
          title: k % 2 ? `Odd parser failure ${k}` : `Even request ${k}`,
          body: k === 4 ? `cc @${writer.user.login}` : '',
          labels: k % 2 ? ['bug'] : ['enhancement'],
        },
        201,
      );
    }
    await json(owner, 'PATCH', `${r}/issues/5`, { state: 'closed', state_reason: 'not_planned' });
    const q = async (query: string) => {
      const res = await call(undefined, 'GET', `${r}/issues?q=${encodeURIComponent(query)}`);
      expect(res.status).toBe(200);
      return {
        numbers: ((await res.json()) as Json[]).map((i) => i.number),
        open: res.headers.get('x-open-count'),
        closed: res.headers.get('x-closed-count'),
      };
    };
    expect(await q('is:open label:bug')).toEqual({ numbers: [3, 1], open: '2', closed: '1' });
    expect((await q('is:closed')).numbers).toEqual([5]);
    expect((await q('-label:bug sort:created-asc')).numbers).toEqual([2, 4]);
    expect((await q('parser failures')).numbers).toEqual([5, 3, 1]);
    expect((await q(`mentions:${writer.user.login}`)).numbers).toEqual([4]);
    expect((await q('no:assignee is:open')).numbers.length).toBe(4);
    const page = await call(undefined, 'GET', `${r}/issues?state=all&per_page=2&page=1`);
    const link = page.headers.get('link') ?? '';
    expect(link).toMatch(/per_page=2&page=2>; rel="next"/);
    expect(link).toMatch(/per_page=2&page=3>; rel="last"/);
    expect((await call(undefined, 'GET', `${r}/issues?state=nope`)).status).toBe(400);
    // Pins: at most three.
    for (const n of [1, 2, 3]) await json(owner, 'PUT', `${r}/issues/${n}/pin`, undefined, 204);
    const fourth = await call(owner, 'PUT', `${r}/issues/4/pin`);
    expect(fourth.status).toBe(409);
  });

  it('paginates the timeline and the events with page, per_page and Link', async () => {
    const made = await json(owner, 'POST', `${repo}/issues`, { title: 'paged' }, 201);
    const path = `${repo}/issues/${made.number as number}`;
    for (const body of ['c1', 'c2', 'c3']) {
      await json(owner, 'POST', `${path}/comments`, { body }, 201);
    }
    for (const title of ['paged 2', 'paged 3']) await json(owner, 'PATCH', path, { title });
    // opened, 3 × commented, 2 × renamed: 3 pages of 2; without comments, 2 pages of 2.
    const kinds = (x: Json[]) => x.map((e) => e.event);
    const first = await call(undefined, 'GET', `${path}/timeline?per_page=2&page=1`);
    const link = first.headers.get('link') ?? '';
    expect(link).toMatch(/per_page=2&page=2>; rel="next"/);
    expect(link).toMatch(/per_page=2&page=3>; rel="last"/);
    expect(kinds((await first.json()) as Json[])).toEqual(['opened', 'commented']);
    const third = await call(undefined, 'GET', `${path}/timeline?per_page=2&page=3`);
    expect(third.headers.get('link')).toMatch(/page=2>; rel="prev"/);
    expect(kinds((await third.json()) as Json[])).toEqual(['renamed', 'renamed']);
    const events = await call(undefined, 'GET', `${path}/events?per_page=2&page=1`);
    expect(kinds((await events.json()) as Json[])).toEqual(['opened', 'renamed']);
    expect(events.headers.get('link')).toMatch(/per_page=2&page=2>; rel="last"/);
    const last = await json(undefined, 'GET', `${path}/events?per_page=2&page=2`);
    expect(kinds(last)).toEqual(['renamed']);
    expect((await call(undefined, 'GET', `${path}/events?per_page=0`)).status).toBe(400);
  });

  it('keeps private repositories invisible and their references unlinked', async () => {
    const name = uniq('secret');
    await owner.createRepo(name, { private: true });
    const r = `/repos/${owner.user.login}/${name}`;
    await json(owner, 'POST', `${r}/issues`, { title: 'hidden' }, 201);
    for (const p of [
      `${r}/issues`,
      `${r}/issues/1`,
      `${r}/issues/1/timeline`,
      `${r}/labels`,
      `${r}/milestones`,
    ]) {
      expect((await call(stranger, 'GET', p)).status, p).toBe(404);
      expect((await call(undefined, 'GET', p)).status, p).toBe(404);
    }
    expect((await call(stranger, 'POST', `${r}/issues`, { title: 'x' })).status).toBe(404);
    // A reference from a public issue to the private one is not recorded nor linked for a stranger.
    const pub = uniq('pub');
    await owner.createRepo(pub);
    const made = await json(
      stranger,
      'POST',
      `/repos/${owner.user.login}/${pub}/issues`,
      {
        title: 'probe',
        body: `${owner.user.login}/${name}#1`,
      },
      201,
    );
    const got = await fetch(
      `${base}/api/v1/repos/${owner.user.login}/${pub}/issues/${made.number}`,
      {
        headers: { accept: 'application/vnd.github.html+json' },
      },
    );
    expect(((await got.json()) as Json).body_html).not.toContain('href=');
    const t = await json(owner, 'GET', `${r}/issues/1/timeline`);
    expect(t.map((e) => e.event)).toEqual(['opened']);
  });
});

describe('transferring issues', () => {
  it('moves an issue with its comments and same-named labels, and old URLs redirect', async () => {
    const [owner, writer, stranger] = await Promise.all([signUp(base), signUp(base), signUp(base)]);
    const a = uniq('from');
    const b = uniq('to');
    const secret = uniq('secret');
    await owner.createRepo(a);
    await owner.createRepo(b);
    await owner.createRepo(secret, { private: true });
    const from = `/repos/${owner.user.login}/${a}`;
    const to = `/repos/${owner.user.login}/${b}`;
    await json(
      owner,
      'PUT',
      `${from}/collaborators/${writer.user.login}`,
      { permission: 'write' },
      204,
    );
    await json(owner, 'POST', `${to}/issues`, { title: 'already there' }, 201);
    await json(
      owner,
      'POST',
      `${from}/issues`,
      { title: 'move me', labels: ['bug', 'wontfix'] },
      201,
    );
    await json(owner, 'POST', `${from}/labels`, { name: 'only-here', color: '123456' }, 201);
    await json(owner, 'POST', `${from}/issues/1/labels`, { labels: ['only-here'] });
    await json(stranger, 'POST', `${from}/issues/1/comments`, { body: 'comes along' }, 201);
    // A stranger may not move it; the writer may not move it where they cannot write.
    const bad = { new_repository: `${owner.user.login}/${b}` };
    expect((await call(stranger, 'POST', `${from}/issues/1/transfer`, bad)).status).toBe(403);
    expect((await call(writer, 'POST', `${from}/issues/1/transfer`, bad)).status).toBe(403);
    const moved = await json(owner, 'POST', `${from}/issues/1/transfer`, bad, 201);
    expect(moved).toMatchObject({ number: 2, title: 'move me', comments: 1 });
    expect((moved.labels as Json[]).map((l) => l.name)).toEqual(['bug', 'wontfix']);
    // The old API and page URLs redirect (301) to the new place.
    const old = await fetch(`${base}/api/v1${from}/issues/1`, { redirect: 'manual' });
    expect(old.status).toBe(301);
    expect(old.headers.get('location')).toBe(`${base}/api/v1${to}/issues/2`);
    const page = await fetch(`${base}/${owner.user.login}/${a}/issues/1`, { redirect: 'manual' });
    expect(page.status).toBe(301);
    expect(page.headers.get('location')).toBe(`/${owner.user.login}/${b}/issues/2`);
    expect((await json(owner, 'GET', `${to}/issues/2/comments`)).map((x) => x.body)).toEqual([
      'comes along',
    ]);
    const t = await json(owner, 'GET', `${to}/issues/2/timeline`);
    expect(t.map((e) => e.event)).toContain('transferred');
    // Never from private to public; an issue moved into a private repository is not followed by strangers.
    await json(
      owner,
      'POST',
      `${to}/issues/2/transfer`,
      { new_repository: `${owner.user.login}/${secret}` },
      201,
    );
    const back = await call(
      owner,
      'POST',
      `/repos/${owner.user.login}/${secret}/issues/1/transfer`,
      bad,
    );
    expect(back.status).toBe(400);
    expect((await call(stranger, 'GET', `${to}/issues/2`)).status).toBe(404);
    expect(
      (await fetch(`${base}/api/v1${to}/issues/2`, { redirect: 'manual', headers: owner.headers }))
        .status,
    ).toBe(301);
  });
});
