/**
 * Reviews and landing with two users and real git pushes through the API: protection blocking a
 * land (no approval, a required status missing), the author refused approving their own landing,
 * an approval made stale by a non-trivial revision and dismissed, a posted required status, land
 * by rebase onto a moved target with the change-id header surviving (`git cat-file -p` on a
 * fresh clone), a conflict detected and listed per file, squash refused, and a 3-change stack
 * landed bottom-up (the upper ones refused while the one below is open).
 */
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';

import { forgeClient, uniq } from './forge-client';
import { jjCommit, newChangeId, protectMain, startChange, writerCast } from './landing-fixture';

const base = inject('baseUrl');
const { call, json } = forgeClient(base);
const msg = (body: Record<string, unknown>): string =>
  String((body.error as { message?: string } | undefined)?.message);

describe('reviews and land', () => {
  const cast = writerCast(base, 'landit');
  const { g } = cast;

  const freshClone = async (): Promise<string> => {
    const to = join(g.root, uniq('clone'));
    await g.ok(g.root, ['clone', '-q', cast.ownerRemote, to]);
    return to;
  };

  const pushForReview = async (): Promise<number[]> => {
    const push = await g.git(cast.dir, ['push', '-f', cast.writerRemote, 'HEAD:refs/for/main']);
    expect(push.code, push.stderr).toBe(0);
    return [...push.stderr.matchAll(/Landing !(\d+) revision \d+:/g)].map((m) => Number(m[1]));
  };

  it('lands by rebase only once protection is satisfied, keeping change ids', async () => {
    const { owner, writer, name, api, dir, ownerRemote } = cast;
    await protectMain(base, owner, api, { contexts: ['ci/test'], approvals: 1 });
    const { change, head: first } = await startChange(g, dir, 'work', {
      file: 'feature.txt',
      content: 'v1\n',
      message: 'Add feature',
    });
    const [n] = await pushForReview();
    const L = `${api}/landings/${n}`;
    await json(writer, 'GET', `${L}/merge`, undefined, 404);

    // No approval, no status: refused with the protection's words.
    const refused = await json(writer, 'PUT', `${L}/merge`, { merge_method: 'rebase' }, 403);
    expect(msg(refused)).toContain('protected branch: 1 approving review required');
    expect(msg(refused)).toContain('required status check ci/test is expected');
    const check = await json(writer, 'GET', `${L}/mergeability`);
    expect(check).toMatchObject({ mergeable: true, may_land: false, head: first });
    expect(check.protection).toMatchObject({ required: [{ context: 'ci/test' }] });

    // The author may not approve; a reader-level comment review is fine.
    const own = await json(writer, 'POST', `${L}/reviews`, { event: 'APPROVE' }, 400);
    expect(msg(own)).toContain('cannot approve your own');
    const approval = await json(owner, 'POST', `${L}/reviews`, {
      event: 'APPROVE',
      body: 'Looks right',
      commit_id: first,
    });
    expect(approval).toMatchObject({ state: 'APPROVED', commit_id: first, revision: 1 });

    // A non-trivial revision: the approval of revision 1 is stale and dismissed.
    const second = await jjCommit(g, dir, {
      file: 'feature.txt',
      content: 'v2\n',
      message: 'Add feature',
      changeId: change,
      parent: 'HEAD^',
    });
    expect(await pushForReview()).toEqual([n]);
    await json(
      owner,
      'POST',
      `/repos/${owner.user.login}/${name}/statuses/${second}`,
      {
        state: 'success',
        context: 'ci/test',
      },
      201,
    );
    const stale = await json(writer, 'PUT', `${L}/merge`, { merge_method: 'rebase' }, 403);
    expect(msg(stale)).toBe('protected branch: 1 approving review required');
    const reviews = await json(writer, 'GET', `${L}/reviews`);
    expect(reviews[0]).toMatchObject({ state: 'DISMISSED', dismissed: { was: 'APPROVED' } });
    await json(owner, 'POST', `${L}/reviews`, { event: 'APPROVE', commit_id: second });

    // The target moves (the owner, an administrator, bypasses the rule): land by rebase.
    await g.ok(dir, ['checkout', '-q', 'main']);
    await jjCommit(g, dir, { file: 'other.txt', content: 'x\n', message: 'Other' });
    await g.ok(dir, ['push', '-q', ownerRemote, 'main']);
    const tip = (await g.ok(dir, ['rev-parse', 'main'])).trim();
    const moved = await json(writer, 'PUT', `${L}/merge`, { sha: first }, 409);
    expect(msg(moved)).toContain('Head branch was modified');
    const squash = await json(writer, 'PUT', `${L}/merge`, { merge_method: 'squash' }, 400);
    expect(msg(squash)).toContain('Squash is not offered');
    const landed = await json(writer, 'PUT', `${L}/merge`, { merge_method: 'rebase', sha: second });
    expect(landed).toMatchObject({ merged: true, method: 'rebase', fast_forward: false });
    await json(writer, 'GET', `${L}/merge`, undefined, 204);
    expect(await json(writer, 'GET', L)).toMatchObject({ landing_state: 'landed' });
    const clone = await freshClone();
    const raw = await g.ok(clone, ['cat-file', '-p', 'origin/main']);
    expect(raw).toContain(`parent ${tip}\n`);
    expect(raw).toContain(`change-id ${change}\n`);
    expect(String(landed.sha)).toBe((await g.ok(clone, ['rev-parse', 'origin/main'])).trim());
    await json(writer, 'PUT', `${L}/merge`, { merge_method: 'rebase' }, 409);
    await json(owner, 'DELETE', `${api}/branches/main/protection`, undefined, 204);
  });

  it('lists conflicts per file and refuses to land them', async () => {
    const { owner, api, dir, ownerRemote } = cast;
    await g.ok(dir, ['fetch', '-q', ownerRemote, 'main']);
    await g.ok(dir, ['checkout', '-q', '-B', 'clash', 'FETCH_HEAD']);
    await jjCommit(g, dir, { file: 'clash.txt', content: 'base\n', message: 'Base' });
    await g.ok(dir, ['push', '-q', ownerRemote, 'HEAD:main']);
    const baseTip = (await g.ok(dir, ['rev-parse', 'HEAD'])).trim();
    await jjCommit(g, dir, {
      file: 'clash.txt',
      content: 'mine\n',
      message: 'Mine',
      changeId: newChangeId(),
    });
    const [n] = await pushForReview();
    await g.ok(dir, ['checkout', '-q', '-B', 'theirs', baseTip]);
    await jjCommit(g, dir, { file: 'clash.txt', content: 'theirs\n', message: 'Theirs' });
    await g.ok(dir, ['push', '-q', ownerRemote, 'HEAD:main']);
    const check = await json(owner, 'GET', `${api}/landings/${n}/mergeability`);
    expect(check).toMatchObject({ mergeable: false, may_land: false });
    expect(check.conflicts).toEqual([{ path: 'clash.txt', kind: 'content' }]);
    const res = await call(owner, 'PUT', `${api}/landings/${n}/merge`, { merge_method: 'rebase' });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('clash.txt (content)');
  });

  it('lands a 3-change stack bottom-up', async () => {
    const { owner, api, dir, ownerRemote } = cast;
    await g.ok(dir, ['fetch', '-q', ownerRemote, 'main']);
    await g.ok(dir, ['checkout', '-q', '-B', 'stack3', 'FETCH_HEAD']);
    const ids = [newChangeId(), newChangeId(), newChangeId()];
    for (const [i, id] of ids.entries()) {
      await jjCommit(g, dir, {
        file: `s${i}.txt`,
        content: `${i}\n`,
        message: `S${i}`,
        changeId: id,
      });
    }
    const numbers = await pushForReview();
    expect(numbers).toHaveLength(3);
    const byChange = new Map<string, number>();
    for (const n of numbers) {
      byChange.set(String((await json(owner, 'GET', `${api}/landings/${n}`)).change_id), n);
    }
    const order = ids.map((id) => byChange.get(id) ?? 0);
    const top = await json(owner, 'PUT', `${api}/landings/${order[2]}/merge`, {}, 409);
    expect(msg(top)).toContain(`Landing #${order[1]}`);
    for (const n of order) {
      await json(owner, 'PUT', `${api}/landings/${n}/merge`, { merge_method: 'rebase' });
    }
    const clone = await freshClone();
    const log = await g.ok(clone, ['log', '--format=%s', '-3', 'origin/main']);
    expect(log.trim().split('\n')).toEqual(['S2', 'S1', 'S0']);
    for (const [i, id] of ids.entries()) {
      expect(await g.ok(clone, ['cat-file', '-p', `origin/main~${2 - i}`])).toContain(
        `change-id ${id}\n`,
      );
    }
  });
});
