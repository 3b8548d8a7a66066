/**
 * Applying a suggested change from the landing page's form (a plain POST as a browser without
 * JavaScript sends it), on a landing whose source is a branch: the branch's head is amended
 * (same parent, same change id, the suggested lines in place), which gives the landing a new
 * revision of the same change and resolves the thread; a reader may not apply, a stale head is
 * refused, and a protection rule that forbids rewriting the branch refuses it too. And through
 * the API (`POST …/landings/{n}/comments/{id}/apply`): on a landing opened by `refs/for/main`
 * (a change source) the amended head becomes revision 2 directly; a reader is refused, a stale
 * `sha` is a 409, a branch whose rule forbids rewrites a 403.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox } from '../helpers/git';
import { forgeClient, type Json } from './forge-client';
import { landingRepo, pushForReview, startChange } from './landing-fixture';

const base = inject('baseUrl');
const { call, json, post } = forgeClient(base);

describe('applying a suggestion', () => {
  let owner: SignUp;
  let reader: SignUp;
  let full = '';
  let dir = '';
  let remote = '';
  const g = new GitSandbox();
  beforeAll(async () => {
    [owner, reader] = await Promise.all([signUp(base), signUp(base)]);
    const repo = await landingRepo(base, g, owner, 'suggest', [[reader, 'read']], 1);
    full = `${owner.user.login}/${repo.name}`;
    ({ dir, ownerRemote: remote } = repo);
  }, 60_000);
  afterAll(() => g.cleanup());

  /** Pushes `branch` and opens a landing from it onto `main`; its number and API path. */
  const openFromBranch = async (branch: string, title?: string) => {
    await g.ok(dir, ['push', '-q', remote, branch]);
    const body = { base: 'main', head: branch, title };
    const created = await json(owner, 'POST', `/repos/${full}/landings`, body, 201);
    const n = Number(created.number);
    return { n, L: `/repos/${full}/landings/${n}` };
  };
  /** A review comment by `u` on `path` line `line` of the landing at `L`. */
  const commentOn = (u: SignUp, L: string, body: string, path: string, line: number) =>
    json(u, 'POST', `${L}/comments`, { body, path, line }, 201);

  it('amends the branch head with the suggestion, keeping its change id', async () => {
    const { change, head: first } = await startChange(g, dir, 'fix', {
      file: 'code.txt',
      content: 'one\ntwo\nthree\n',
      message: 'Add code',
    });
    const { n, L } = await openFromBranch('fix', 'Add code');
    const suggestion = 'Capitals:\n```suggestion\nTWO\n```';
    const comment = await commentOn(reader, L, suggestion, 'code.txt', 2);
    const apply = `/${full}/landings/${n}/comments/${String(comment.id)}/apply`;

    // A reader may not apply; a head that is not the latest is refused.
    expect((await post(reader, apply, { head: first })).status).toBe(403);
    const stale = await post(owner, apply, { head: 'f'.repeat(40) });
    expect(stale.status).toBe(303);
    expect(stale.headers.get('location')).toContain('land_error=');

    // A rule forbidding rewrites of the branch refuses it, even to its owner.
    const rule = `/repos/${full}/branches/fix/protection`;
    const plain = {
      required_status_checks: null,
      enforce_admins: true,
      required_pull_request_reviews: null,
      restrictions: null,
    };
    await json(owner, 'PUT', rule, plain);
    const guarded = await post(owner, apply, { head: first });
    expect(decodeURIComponent(guarded.headers.get('location') ?? '')).toContain(
      'force push prohibited',
    );
    expect(await json(owner, 'GET', `${L}/revisions`)).toHaveLength(1);
    await json(owner, 'DELETE', rule, undefined, 204);

    const ok = await post(owner, apply, { head: first });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/${full}/landings/${n}?tab=files`);

    // The branch moved to an amended head: same parent, same change id, the suggested line.
    await g.ok(dir, ['fetch', '-q', remote, 'fix']);
    const tip = (await g.ok(dir, ['rev-parse', 'FETCH_HEAD'])).trim();
    expect(tip).not.toBe(first);
    const raw = await g.ok(dir, ['cat-file', '-p', tip]);
    expect(raw).toContain(`change-id ${change}`);
    expect(raw).toContain(`parent ${(await g.ok(dir, ['rev-parse', `${first}^`])).trim()}`);
    expect(await g.ok(dir, ['show', `${tip}:code.txt`])).toBe('one\nTWO\nthree\n');

    // …which is revision 2 of the same landing, and the thread is resolved.
    const revisions = await json(owner, 'GET', `${L}/revisions`);
    expect(revisions.map((r: Json) => r.head_sha)).toEqual([first, tip]);
    const files = await json(owner, 'GET', `${L}/files`);
    expect(String(files[0]?.patch)).toContain('+TWO');
    const after = await json(owner, 'GET', `${L}/comments?revision=1`);
    expect(after.find((x: Json) => x.id === comment.id)).toMatchObject({ resolved: true });
  });

  it('applies a suggestion through the API on a change pushed to refs/for/main', async () => {
    const { change, head: first } = await startChange(g, dir, 'api', {
      file: 'api.txt',
      content: 'alpha\nbeta\n',
      message: 'Add api',
    });
    const { n } = await pushForReview(g, dir, remote);
    const L = `/repos/${full}/landings/${n}`;
    const comment = await commentOn(reader, L, '```suggestion\nBETA\n```', 'api.txt', 2);
    const apply = `${L}/comments/${String(comment.id)}/apply`;
    expect((await call(reader, 'POST', apply, {})).status).toBe(403);
    expect((await call(undefined, 'POST', apply, {})).status).toBe(401);
    const stale = await call(owner, 'POST', apply, { sha: 'f'.repeat(40) });
    expect(stale.status).toBe(409);
    expect((await call(owner, 'POST', apply, { sha: 'nope' })).status).toBe(400);

    const done = await json(owner, 'POST', apply, { sha: first });
    expect(done).toMatchObject({ revision: 2, resolved: true });
    const sha = String(done.sha);
    const revisions = await json(owner, 'GET', `${L}/revisions`);
    expect(revisions.map((r: Json) => r.head_sha)).toEqual([first, sha]);
    await g.ok(dir, ['fetch', '-q', remote, `refs/landings/${n}/2`]);
    const raw = await g.ok(dir, ['cat-file', '-p', 'FETCH_HEAD']);
    expect(raw).toContain(`change-id ${change}`);
    expect(await g.ok(dir, ['show', 'FETCH_HEAD:api.txt'])).toBe('alpha\nBETA\n');
    // Applied once: the thread is resolved, so there is nothing left to apply.
    expect([404, 409]).toContain((await call(owner, 'POST', apply, {})).status);
  });

  it('refuses through the API what the branch rule forbids', async () => {
    const { head } = await startChange(g, dir, 'guarded', {
      file: 'g.txt',
      content: 'x\n',
      message: 'Add g',
    });
    const { L } = await openFromBranch('guarded');
    const comment = await commentOn(owner, L, '```suggestion\ny\n```', 'g.txt', 1);
    await json(owner, 'PUT', `/repos/${full}/branches/guarded/protection`, {
      required_status_checks: null,
      enforce_admins: true,
      required_pull_request_reviews: null,
      restrictions: null,
    });
    const res = await call(owner, 'POST', `${L}/comments/${String(comment.id)}/apply`, {
      sha: head,
    });
    const text = await res.text();
    expect(res.status, text).toBe(403);
    expect(text).toContain('force push prohibited');
    expect(await json(owner, 'GET', `${L}/revisions`)).toHaveLength(1);
  });
});
