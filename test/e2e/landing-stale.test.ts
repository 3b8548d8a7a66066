/**
 * Stale approvals dismissed when the new revision arrives, with two users and real pushes: `main`
 * requires one approval and dismisses stale ones. An approval of revision 1 is dismissed by the
 * push of a changed revision 2 itself (before anyone looks at the landing), as a
 * `review_dismissed` timeline event with "dismissed: new revision 2" shown on the page; an
 * approval of revision 2 survives revision 3, a trivial rebase onto a moved target (empty
 * interdiff), and counts. The same holds for a landing opened from a branch, revised by pushing
 * the branch.
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { forgeClient, uniq, type Json } from './forge-client';
import { jjCommit, newChangeId } from './landing-fixture';

const base = inject('baseUrl');
const { json, page } = forgeClient(base);

describe('stale approvals at push time', () => {
  let owner: SignUp;
  let writer: SignUp;
  let name: string;
  let api: string;
  let ownerRemote: string;
  let writerRemote: string;
  let dir: string;
  const g = new GitSandbox();

  beforeAll(async () => {
    [owner, writer] = await Promise.all([signUp(base), signUp(base)]);
    name = uniq('stale');
    await owner.createRepo(name);
    api = `/repos/${owner.user.login}/${name}`;
    await json(
      owner,
      'PUT',
      `${api}/collaborators/${writer.user.login}`,
      { permission: 'write' },
      204,
    );
    dir = await g.makeRepo(uniq('w'), 2);
    ownerRemote = remoteUrl(base, owner.user.login, name, await owner.token());
    writerRemote = remoteUrl(base, owner.user.login, name, await writer.token());
    await g.ok(dir, ['push', '-q', ownerRemote, 'main']);
    await json(owner, 'PUT', `${api}/branches/main/protection`, {
      required_status_checks: null,
      enforce_admins: false,
      required_pull_request_reviews: {
        dismiss_stale_reviews: true,
        required_approving_review_count: 1,
      },
      restrictions: null,
    });
  });
  afterAll(() => g.cleanup());

  const dismissals = async (n: number): Promise<Json[]> =>
    (await json(owner, 'GET', `/repos/${owner.user.login}/${name}/issues/${n}/timeline`)).filter(
      (e: Json) => e.event === 'review_dismissed',
    );

  it('dismisses on a refs/for push of a changed revision, keeps through a trivial rebase', async () => {
    await g.ok(dir, ['checkout', '-q', '-b', 'work', 'main']);
    const change = newChangeId();
    const first = await jjCommit(g, dir, {
      file: 'feature.txt',
      content: 'v1\n',
      message: 'Add feature',
      changeId: change,
    });
    const push1 = await g.git(dir, ['push', writerRemote, 'HEAD:refs/for/main']);
    expect(push1.code, push1.stderr).toBe(0);
    const n = Number(/Landing !(\d+) revision 1/.exec(push1.stderr)?.[1]);
    const L = `${api}/landings/${n}`;
    await json(owner, 'POST', `${L}/reviews`, { event: 'APPROVE', commit_id: first });

    const second = await jjCommit(g, dir, {
      file: 'feature.txt',
      content: 'v2\n',
      message: 'Add feature',
      changeId: change,
      parent: 'HEAD^',
    });
    const push2 = await g.git(dir, ['push', writerRemote, 'HEAD:refs/for/main']);
    expect(push2.code, push2.stderr).toBe(0);
    expect(push2.stderr).toContain(`Landing !${n}: ${owner.user.login}'s approval dismissed`);
    // Nothing judged the landing since the push: the push itself dismissed the approval.
    const reviews = await json(writer, 'GET', `${L}/reviews`);
    expect(reviews).toHaveLength(1);
    expect(reviews[0]).toMatchObject({
      state: 'DISMISSED',
      revision: 1,
      dismissed: { by: null, reason: 'new revision 2', was: 'APPROVED' },
    });
    const [event, ...more] = await dismissals(n);
    expect(more).toEqual([]);
    expect(event).toMatchObject({
      actor: { login: writer.user.login },
      reviewer: owner.user.login,
      automatic: true,
      dismissed_review: { state: 'approved', revision: 1, dismissal_message: 'new revision 2' },
    });
    const [status, html] = await page(owner, `/${owner.user.login}/${name}/landings/${n}`);
    expect(status).toBe(200);
    expect(html).toContain('dismissed: new revision 2');
    const refused = await json(writer, 'PUT', `${L}/merge`, { merge_method: 'rebase' }, 403);
    expect(JSON.stringify(refused)).toContain('1 approving review required');

    // Revision 3 is revision 2 rebased onto a moved target, nothing else: the approval stays.
    await json(owner, 'POST', `${L}/reviews`, { event: 'APPROVE', commit_id: second });
    await g.ok(dir, ['checkout', '-q', 'main']);
    await jjCommit(g, dir, { file: 'other.txt', content: 'x\n', message: 'Other' });
    await g.ok(dir, ['push', '-q', ownerRemote, 'main']);
    await g.ok(dir, ['checkout', '-q', 'work']);
    await g.ok(dir, ['reset', '-q', '--hard', 'main']);
    const third = await jjCommit(g, dir, {
      file: 'feature.txt',
      content: 'v2\n',
      message: 'Add feature',
      changeId: change,
    });
    const push3 = await g.git(dir, ['push', writerRemote, 'HEAD:refs/for/main']);
    expect(push3.code, push3.stderr).toBe(0);
    expect(push3.stderr).toContain(`Landing !${n} revision 3`);
    expect(push3.stderr).not.toContain('dismissed');
    const after = await json(writer, 'GET', `${L}/reviews`);
    expect(after.map((r: Json) => r.state)).toEqual(['DISMISSED', 'APPROVED']);
    expect(await dismissals(n)).toHaveLength(1);
    const check = await json(writer, 'GET', `${L}/mergeability`);
    expect(check).toMatchObject({ may_land: true, head: third });
    expect((await json(writer, 'GET', `${L}/reviews`)).map((r: Json) => r.state)).toEqual([
      'DISMISSED',
      'APPROVED',
    ]);
  });

  it('dismisses when the source branch of a landing is pushed with a change', async () => {
    await g.ok(dir, ['fetch', '-q', ownerRemote, 'main']);
    await g.ok(dir, ['checkout', '-q', '-B', 'topic', 'FETCH_HEAD']);
    await g.commitFile(dir, 'topic.txt', 'one\n', 'Topic one');
    await g.ok(dir, ['push', '-q', writerRemote, 'topic']);
    const opened = await json(
      writer,
      'POST',
      `${api}/landings`,
      { base: 'main', head: 'topic', title: 'Topic' },
      201,
    );
    const n = Number(opened.number);
    const L = `${api}/landings/${n}`;
    const head1 = (await g.ok(dir, ['rev-parse', 'HEAD'])).trim();
    await json(owner, 'POST', `${L}/reviews`, { event: 'APPROVE', commit_id: head1 });
    await g.commitFile(dir, 'topic.txt', 'two\n', 'Topic two');
    await g.ok(dir, ['push', '-q', writerRemote, 'topic']);
    // The branch's revision is added after the push answered (after-push work): wait for it.
    await vi.waitFor(
      async () => {
        const reviews = await json(writer, 'GET', `${L}/reviews`);
        expect(reviews[0]).toMatchObject({
          state: 'DISMISSED',
          dismissed: { reason: 'new revision 2' },
        });
      },
      { timeout: 20_000, interval: 250 },
    );
    expect(await dismissals(n)).toHaveLength(1);
  });
});
