/**
 * Review comments on a landing's code through the API, with real pushes in a private repository:
 * a comment on a line of revision 1 follows its (moved) line to revision 2 when the text is
 * unchanged, another on a changed line is outdated there; replies, resolving by permission
 * (a resolved thread is no longer ported), edits and deletes; review requests delivered as
 * notifications; mentions notified; the timeline; bad anchors refused; a stranger sees nothing.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { forgeClient, uniq, type Json } from './forge-client';
import { jjCommit, newChangeId, pushForReview, startChange } from './landing-fixture';

const base = inject('baseUrl');
const { call, json, page } = forgeClient(base);

const lines = (n: number, f: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => f(i + 1)).join('\n') + '\n';

describe('review comments on landings', () => {
  let owner: SignUp;
  let writer: SignUp;
  let reader: SignUp;
  let stranger: SignUp;
  let api: string;
  let full: string;
  let dir: string;
  let remote: string;
  const g = new GitSandbox();

  beforeAll(async () => {
    [owner, writer, reader, stranger] = await Promise.all([
      signUp(base),
      signUp(base),
      signUp(base),
      signUp(base),
    ]);
    const name = uniq('rev');
    await owner.createRepo(name, { private: true });
    full = `${owner.user.login}/${name}`;
    api = `/repos/${full}`;
    for (const [u, permission] of [
      [writer, 'write'],
      [reader, 'read'],
    ] as const) {
      await json(owner, 'PUT', `${api}/collaborators/${u.user.login}`, { permission }, 204);
    }
    dir = await g.makeRepo(uniq('w'), 1);
    await g.ok(dir, [
      'push',
      '-q',
      remoteUrl(base, owner.user.login, name, await owner.token()),
      'main',
    ]);
    remote = remoteUrl(base, owner.user.login, name, await writer.token());
  });
  afterAll(() => g.cleanup());

  it('ports a comment to its moved line, outdates one on a changed line, threads and resolves', async () => {
    const { change } = await startChange(g, dir, 'work', {
      file: 'code.txt',
      content: lines(10, (i) => `line ${i}`),
      message: 'Add code',
    });
    const { n } = await pushForReview(g, dir, remote);
    const L = `${api}/landings/${n}`;

    // The owner comments on line 5 and on lines 7-8 of revision 1's head.
    const kept = await json(
      owner,
      'POST',
      `${L}/comments`,
      { body: 'Why five?', path: 'code.txt', line: 5, side: 'RIGHT' },
      201,
    );
    expect(kept).toMatchObject({ path: 'code.txt', line: 5, side: 'RIGHT', revision: 1 });
    expect(kept).toMatchObject({ original_line: 5, outdated: false, resolved: false });
    expect(kept.user).toMatchObject({ login: owner.user.login });
    const changed = await json(
      owner,
      'POST',
      `${L}/comments`,
      {
        body: 'Rename these:\n```suggestion\nline seven\nline eight\n```',
        path: 'code.txt',
        start_line: 7,
        line: 8,
      },
      201,
    );
    expect(changed).toMatchObject({
      start_line: 7,
      line: 8,
      suggestion: ['line seven', 'line eight'],
    });

    // Anchors that do not exist are refused.
    const past = await call(owner, 'POST', `${L}/comments`, {
      body: 'x',
      path: 'code.txt',
      line: 11,
    });
    expect(past.status).toBe(400);
    const nofile = await call(owner, 'POST', `${L}/comments`, {
      body: 'x',
      path: 'nope.txt',
      line: 1,
    });
    expect(nofile.status).toBe(400);
    const backwards = await call(owner, 'POST', `${L}/comments`, {
      body: 'x',
      path: 'code.txt',
      start_line: 3,
      line: 2,
    });
    expect(backwards.status).toBe(400);

    // Revision 2: two lines added on top (line 5 moves to 7), and line 8 rewritten.
    await jjCommit(g, dir, {
      file: 'code.txt',
      content: 'head 1\nhead 2\n' + lines(10, (i) => (i === 8 ? 'line EIGHT' : `line ${i}`)),
      message: 'Add code',
      changeId: change,
      parent: 'HEAD^',
    });
    const again = await g.git(dir, ['push', '-f', remote, 'HEAD:refs/for/main']);
    expect(again.stderr).toContain(`Landing !${n} revision 2`);

    const onTwo = await json(reader, 'GET', `${L}/comments`);
    const byId = (list: Json[], id: unknown) => list.find((c) => c.id === id) as Json;
    expect(byId(onTwo, kept.id)).toMatchObject({
      revision: 2,
      line: 7,
      original_line: 5,
      original_revision: 1,
      outdated: false,
    });
    expect(byId(onTwo, changed.id)).toMatchObject({
      revision: 2,
      outdated: true,
      original_line: 8,
    });
    // Revision 1 still shows both where they were written.
    const onOne = await json(reader, 'GET', `${L}/comments?revision=1`);
    expect(byId(onOne, kept.id)).toMatchObject({ line: 5, outdated: false });
    expect(byId(onOne, changed.id)).toMatchObject({ start_line: 7, line: 8, outdated: false });

    // The Files view shows both threads inline on revision 2, the changed one marked outdated.
    const [status, html] = await page(reader, `/${full}/landings/${n}?tab=files`);
    expect(status).toBe(200);
    expect(html).toContain(`id="comment-${String(kept.id)}"`);
    expect(html).toContain('Why five?');
    expect(html).toMatch(/outdated/);
    expect(html).toContain('aria-label="Suggested change"');

    // The reader replies (read access may comment) and mentions the writer.
    const reply = await json(
      reader,
      'POST',
      `${L}/comments`,
      { body: `@${writer.user.login} what do you think?`, in_reply_to: kept.id },
      201,
    );
    expect(reply).toMatchObject({ in_reply_to_id: kept.id, path: 'code.txt', original_line: 5 });
    const writerInbox = (await json(writer, 'GET', '/notifications?all=true')).filter(
      (x) => (x.repository as Json).full_name === full,
    );
    expect(writerInbox[0]).toMatchObject({ reason: 'mention' });
    // A reply to a reply joins the same thread.
    const nested = await json(
      writer,
      'POST',
      `${L}/comments`,
      { body: 'Fine by me', in_reply_to: reply.id },
      201,
    );
    expect(nested.in_reply_to_id).toBe(kept.id);

    // Resolving: not the reader (neither the thread's author nor a writer); the writer may.
    expect(
      (await call(reader, 'PUT', `${api}/landings/comments/${kept.id}/resolution`)).status,
    ).toBe(403);
    const resolved = await json(writer, 'PUT', `${api}/landings/comments/${reply.id}/resolution`);
    expect(resolved).toMatchObject({
      id: kept.id,
      resolved: true,
      resolved_by: { login: writer.user.login },
    });
    // A resolved thread is not ported: on revision 2 it has no line; on revision 1 it keeps its own.
    const after = await json(owner, 'GET', `${L}/comments`);
    expect(byId(after, kept.id)).toMatchObject({ line: null, resolved: true });
    expect(byId(after, reply.id)).toMatchObject({ line: null, resolved: true });
    expect(byId(await json(owner, 'GET', `${L}/comments?revision=1`), kept.id)).toMatchObject({
      line: 5,
    });
    // The thread's author unresolves it; it is ported again.
    await json(owner, 'DELETE', `${api}/landings/comments/${kept.id}/resolution`);
    expect(byId(await json(owner, 'GET', `${L}/comments`), kept.id)).toMatchObject({ line: 7 });

    // Edit and delete: the author, not a reader.
    expect(
      (await call(reader, 'PATCH', `${api}/landings/comments/${changed.id}`, { body: 'x' })).status,
    ).toBe(403);
    const edited = await json(owner, 'PATCH', `${api}/landings/comments/${changed.id}`, {
      body: 'Never mind',
    });
    expect(edited).toMatchObject({ body: 'Never mind', suggestion: null });
    await json(reader, 'DELETE', `${api}/landings/comments/${reply.id}`, undefined, 204);
    expect((await call(reader, 'GET', `${api}/landings/comments/${reply.id}`)).status).toBe(404);

    // The timeline shows the comments.
    const timeline = await json(owner, 'GET', `${api}/issues/${n}/timeline?per_page=100`);
    expect(timeline.filter((e) => e.event === 'line_commented').length).toBeGreaterThanOrEqual(3);

    // A stranger sees none of it.
    for (const [m, p] of [
      ['GET', `${L}/comments`],
      ['POST', `${L}/comments`],
      ['GET', `${api}/landings/comments/${kept.id}`],
      ['PUT', `${api}/landings/comments/${kept.id}/resolution`],
      ['GET', `${L}/requested_reviewers`],
    ] as const) {
      const r = await call(
        stranger,
        m,
        p,
        m === 'GET' ? undefined : { body: 'x', path: 'code.txt', line: 1 },
      );
      expect(r.status, `${m} ${p}`).toBe(404);
    }
  });

  it('requests reviews, notifies the reviewer, and withdraws the request', async () => {
    const change = newChangeId();
    await g.ok(dir, ['checkout', '-q', '-b', 'rr', 'main']);
    await jjCommit(g, dir, { file: 'r.txt', content: 'r\n', message: 'R', changeId: change });
    const push = await g.git(dir, ['push', remote, 'HEAD:refs/for/main']);
    const n = Number(/Landing !(\d+) revision 1/.exec(push.stderr)?.[1]);
    const L = `${api}/landings/${n}`;
    // The author asks the reader; a stranger cannot be asked, nor the author themself.
    const bad = await call(writer, 'POST', `${L}/requested_reviewers`, {
      reviewers: [stranger.user.login],
    });
    expect(bad.status).toBe(400);
    const self = await call(writer, 'POST', `${L}/requested_reviewers`, {
      reviewers: [writer.user.login],
    });
    expect(self.status).toBe(400);
    // Someone who is neither the author nor a writer cannot ask.
    const byReader = await call(reader, 'POST', `${L}/requested_reviewers`, {
      reviewers: [owner.user.login],
    });
    expect(byReader.status).toBe(403);
    const asked = await json(
      writer,
      'POST',
      `${L}/requested_reviewers`,
      { reviewers: [reader.user.login] },
      201,
    );
    expect(asked).toMatchObject({
      users: [{ login: reader.user.login, requested_by: { login: writer.user.login } }],
    });
    const inbox = (await json(reader, 'GET', '/notifications')).filter(
      (x) => (x.repository as Json).full_name === full && (x.subject as Json).title === 'R',
    );
    expect(inbox[0]).toMatchObject({ reason: 'review_requested', unread: true });
    const timeline = await json(owner, 'GET', `${api}/issues/${n}/timeline`);
    expect(timeline.map((e) => e.event)).toContain('review_requested');

    const left = await json(writer, 'DELETE', `${L}/requested_reviewers`, {
      reviewers: [reader.user.login],
    });
    expect(left).toMatchObject({ users: [] });
    expect((await json(owner, 'GET', `${api}/issues/${n}/timeline`)).map((e) => e.event)).toContain(
      'review_request_removed',
    );
  });
});
