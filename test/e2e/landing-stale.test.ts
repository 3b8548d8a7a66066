/**
 * Stale approvals dismissed when the new revision arrives, with two users and real pushes: `main`
 * requires one approval and dismisses stale ones. An approval of revision 1 is dismissed by the
 * push of a changed revision 2 itself (before anyone looks at the landing), as a
 * `review_dismissed` timeline event with "dismissed: new revision 2" shown on the page; an
 * approval of revision 2 survives revision 3, a trivial rebase onto a moved target (empty
 * interdiff), and counts. The same holds for a landing opened from a branch, revised by pushing
 * the branch.
 */
import { beforeAll, describe, expect, inject, it, vi } from 'vitest';

import { forgeClient, type Json } from './forge-client';
import { jjCommit, protectMain, pushForReview, startChange, writerCast } from './landing-fixture';

const base = inject('baseUrl');
const { json, page } = forgeClient(base);

describe('stale approvals at push time', () => {
  const cast = writerCast(base, 'stale');
  const { g } = cast;
  beforeAll(() => protectMain(base, cast.owner, cast.api, { approvals: 1 }));

  const dismissals = async (n: number): Promise<Json[]> =>
    (await json(cast.owner, 'GET', `${cast.api}/issues/${n}/timeline`)).filter(
      (e: Json) => e.event === 'review_dismissed',
    );

  it('dismisses on a refs/for push of a changed revision, keeps through a trivial rebase', async () => {
    const { owner, writer, name, api, dir, ownerRemote, writerRemote } = cast;
    const { change, head: first } = await startChange(g, dir, 'work', {
      file: 'feature.txt',
      content: 'v1\n',
      message: 'Add feature',
    });
    const { n, stderr: push1 } = await pushForReview(g, dir, writerRemote);
    expect(push1).toContain(`Landing !${n} revision 1`);
    const L = `${api}/landings/${n}`;
    await json(owner, 'POST', `${L}/reviews`, { event: 'APPROVE', commit_id: first });

    const second = await jjCommit(g, dir, {
      file: 'feature.txt',
      content: 'v2\n',
      message: 'Add feature',
      changeId: change,
      parent: 'HEAD^',
    });
    const { stderr: push2 } = await pushForReview(g, dir, writerRemote);
    expect(push2).toContain(`Landing !${n}: ${owner.user.login}'s approval dismissed`);
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
    const { stderr: push3 } = await pushForReview(g, dir, writerRemote);
    expect(push3).toContain(`Landing !${n} revision 3`);
    expect(push3).not.toContain('dismissed');
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
    const { owner, writer, api, dir, ownerRemote, writerRemote } = cast;
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
