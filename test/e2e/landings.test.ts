/**
 * Landing requests with two users and real git pushes: open by `git push HEAD:refs/for/main`
 * with push options, amend keeping the jj change-id header (revision 2 of the same landing, not
 * a new one), a push that changes nothing, a commit without a change id refused with help, the
 * Gerrit trailer form of `jj gerrit upload` reaching the same landing, open from a branch
 * through the API and revise it by pushing the branch (GitHub's synchronize), commits and files
 * of a revision, state changes by permission, the issue list not showing landings, issue pages
 * of a landing number redirecting, and a private repository invisible to a stranger through
 * the API, the pages and git.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { changeIdToHex } from '../../common/git/commit';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { forgeClient, uniq, type Json } from './forge-client';
import { jjCommit, landingRepo, newChangeId, pushForReview, startChange } from './landing-fixture';
import { poll } from './workflows-client';

const base = inject('baseUrl');
const { call, json, page } = forgeClient(base);

describe('landing requests', () => {
  let owner: SignUp;
  let writer: SignUp;
  let stranger: SignUp;
  let name: string;
  let api: string;
  let writerRemote: string;
  let dir: string;
  const g = new GitSandbox();

  beforeAll(async () => {
    [owner, writer, stranger] = await Promise.all([signUp(base), signUp(base), signUp(base)]);
    const repo = await landingRepo(base, g, owner, 'land', [[writer, 'write']]);
    ({ name, api, dir } = repo);
    writerRemote = await repo.remote(writer);
  });
  afterAll(() => g.cleanup());

  it('opens a landing by pushing to refs/for/main and revises it by change id', async () => {
    const { change, head: first } = await startChange(g, dir, 'work', {
      file: 'a.txt',
      content: 'one\n',
      message: 'Add a',
    });
    const push = await g.git(dir, [
      'push',
      '-o',
      'title=Add the a file',
      '-o',
      'description=Why: tests.',
      writerRemote,
      'HEAD:refs/for/main',
    ]);
    expect(push.code, push.stderr).toBe(0);
    const m = /Landing !(\d+) revision 1: (\S+)/.exec(push.stderr);
    expect(m, push.stderr).not.toBeNull();
    const n = Number(m?.[1]);
    expect(m?.[2]).toBe(`${base}/${owner.user.login}/${name}/landings/${n}`);
    // report-status-v2 tells git which ref the push really created, and git prints it.
    expect(push.stderr).toMatch(new RegExp(`\\[new reference\\] +HEAD -> refs/landings/${n}/1`));
    const landing = await json(stranger, 'GET', `${api}/landings/${n}`);
    expect(landing).toMatchObject({
      number: n,
      title: 'Add the a file',
      body: 'Why: tests.',
      state: 'open',
      landing_state: 'open',
      draft: false,
      change_id: change,
      user: { login: writer.user.login },
      head: { sha: first, change_id: change },
      base: { ref: 'main' },
      revisions: 1,
    });
    // refs/for/main was never created; the revision is kept under refs/landings/.
    const refs = await g.ok(dir, ['ls-remote', writerRemote]);
    expect(refs).not.toContain('refs/for/');
    expect(refs).toContain(`${first}\trefs/landings/${n}/1`);

    // Amend (same change id, new tree): revision 2 of the same landing.
    const second = await jjCommit(g, dir, {
      file: 'a.txt',
      content: 'one, amended\n',
      message: 'Add a',
      changeId: change,
      parent: 'HEAD^',
    });
    const again = await g.git(dir, ['push', '-f', writerRemote, 'HEAD:refs/for/main']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`Landing !${n} revision 2:`);
    const revs = await json(owner, 'GET', `${api}/landings/${n}/revisions`);
    expect(revs.map((r) => [r.number, r.head_sha])).toEqual([
      [1, first],
      [2, second],
    ]);
    expect(revs[1]).toMatchObject({ change_id: change, pusher: { login: writer.user.login } });
    const list = await json(owner, 'GET', `${api}/landings`);
    expect(list.filter((l) => l.change_id === change)).toHaveLength(1);

    // The same commit again changes nothing: refused as Gerrit does, with the landing's URL.
    const same = await g.git(dir, ['push', writerRemote, 'HEAD:refs/for/main']);
    expect(same.code).not.toBe(0);
    expect(same.stderr).toContain('no new changes');
    expect(same.stderr).toContain(`Landing !${n} revision 2 (unchanged)`);

    // Commits and files of the latest revision, and of the first.
    const commits = await json(stranger, 'GET', `${api}/landings/${n}/commits`);
    expect(commits.map((c) => [c.sha, c.change_id])).toEqual([[second, change]]);
    const files = await json(stranger, 'GET', `${api}/landings/${n}/files?revision=1`);
    expect(files).toEqual([
      expect.objectContaining({ filename: 'a.txt', status: 'added', additions: 1, deletions: 0 }),
    ]);
    expect(String(files[0]?.patch)).toContain('+one');

    // The timeline records the revision; the issue list does not show the landing.
    const timeline = await json(
      owner,
      'GET',
      `/repos/${owner.user.login}/${name}/issues/${n}/timeline`,
    );
    expect(timeline.map((e) => e.event)).toContain('revision_pushed');
    const issues = await json(owner, 'GET', `${api}/issues?state=all`);
    expect(issues.map((i) => i.number)).not.toContain(n);
    const res = await fetch(`${base}/${owner.user.login}/${name}/issues/${n}`, {
      redirect: 'manual',
    });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe(`/${owner.user.login}/${name}/landings/${n}`);
    // Its conversation is the issue machinery's.
    await json(stranger, 'POST', `${api}/issues/${n}/comments`, { body: 'Looks good' }, 201);
    expect((await json(owner, 'GET', `${api}/landings/${n}`)).comments).toBe(1);
  });

  it('refuses a commit without a change id and says how to add one', async () => {
    await g.ok(dir, ['checkout', '-q', '-B', 'plain', 'main']);
    await g.commitFile(dir, 'p.txt', 'plain\n', 'No change id here');
    const push = await g.git(dir, ['push', writerRemote, 'HEAD:refs/for/main']);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toMatch(/has no change id/);
    expect(push.stderr).toContain('Change-Id: I');
    expect(push.stderr).toMatch(
      /\[remote rejected\] HEAD -> refs\/for\/main \(commit \w+ has no change id\)/,
    );
  });

  it("maps jj gerrit upload's Change-Id trailer onto the jj change", async () => {
    const { change } = await startChange(g, dir, 'gerrit', {
      file: 'g.txt',
      content: 'g\n',
      message: 'Gerrit way',
    });
    const { n } = await pushForReview(g, dir, writerRemote, 'HEAD:refs/for/main/gerrit-topic');
    expect((await json(owner, 'GET', `${api}/landings/${n}`)).topic).toBe('gerrit-topic');
    // The same change amended by plain git with the trailer `jj gerrit upload` writes.
    const trailer = `I${changeIdToHex(change)}6a6a6964`;
    await g.commitFile(dir, 'g.txt', 'g2\n', 'tmp');
    await g.ok(dir, ['reset', '-q', '--soft', 'HEAD~2']);
    await g.ok(dir, ['commit', '-q', '-m', `Gerrit way\n\nChange-Id: ${trailer}`]);
    const again = await g.git(dir, ['push', writerRemote, 'HEAD:refs/for/main']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`Landing !${n} revision 2:`);
  });

  it('opens one landing per change of a stack, and refuses shared ids and refs/landings/', async () => {
    await g.ok(dir, ['checkout', '-q', '-B', 'stack', 'main']);
    const [lower, upper] = [newChangeId(), newChangeId()];
    const c1 = await jjCommit(g, dir, {
      file: 's1.txt',
      content: '1\n',
      message: 'Lower',
      changeId: lower,
    });
    const c2 = await jjCommit(g, dir, {
      file: 's2.txt',
      content: '2\n',
      message: 'Upper',
      changeId: upper,
    });
    const push = await g.git(dir, [
      'push',
      '-o',
      'title=Top of stack',
      writerRemote,
      'HEAD:refs/for/main/stk',
    ]);
    expect(push.code, push.stderr).toBe(0);
    const numbers = [...push.stderr.matchAll(/Landing !(\d+) revision 1:/g)].map((m) =>
      Number(m[1]),
    );
    expect(numbers).toHaveLength(2);
    const [a, b] = numbers as [number, number];
    expect(await json(owner, 'GET', `${api}/landings/${a}`)).toMatchObject({
      title: 'Lower',
      change_id: lower,
      topic: 'stk',
    });
    expect((await json(owner, 'GET', `${api}/landings/${b}`)).title).toBe('Top of stack');
    // Each landing shows its own change only; the upper one names the lower change as parent.
    const upperRevs = await json(owner, 'GET', `${api}/landings/${b}/revisions`);
    expect(upperRevs[0]).toMatchObject({ head_sha: c2, base_sha: c1, parent_change_id: lower });
    expect((await json(owner, 'GET', `${api}/landings/${b}/commits`)).map((c) => c.sha)).toEqual([
      c2,
    ]);
    // Each page shows the stack: the lower one under the upper one.
    const [, upperPage] = await page(owner, `/${owner.user.login}/${name}/landings/${b}`);
    const stackLine = /<p class="landing-stack"[^>]*>(.*?)<\/p>/s.exec(upperPage)?.[1] ?? '';
    expect(stackLine).toContain(`!${a} Lower`);
    const [, lowerPage] = await page(owner, `/${owner.user.login}/${name}/landings/${a}`);
    expect(/<p class="landing-stack"[^>]*>(.*?)<\/p>/s.exec(lowerPage)?.[1] ?? '').toContain(
      `!${b} Top of stack`,
    );

    // Two commits with one change id in a push are refused, naming both.
    const twin = await jjCommit(g, dir, {
      file: 's3.txt',
      content: '3\n',
      message: 'Twin',
      changeId: upper,
    });
    const dup = await g.git(dir, ['push', writerRemote, 'HEAD:refs/for/main']);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain(
      `commits ${c2.slice(0, 10)} and ${twin.slice(0, 10)} share change`,
    );
    // refs/landings/ is Plue's.
    const forged = await g.git(dir, ['push', writerRemote, `HEAD:refs/landings/${a}/9`]);
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toContain('refs/landings/ is kept by Plue');

    // Opening by change id through the API: the change must be on a branch above the target.
    await g.ok(dir, ['push', '-q', '-f', writerRemote, `${c2}:refs/heads/stack`]);
    const third = newChangeId();
    await jjCommit(g, dir, { file: 's4.txt', content: '4\n', message: 'By id', changeId: third });
    await g.ok(dir, ['push', '-q', '-f', writerRemote, 'HEAD:refs/heads/stack']);
    const byId = await json(
      writer,
      'POST',
      `${api}/landings`,
      { base: 'main', change_id: third },
      201,
    );
    expect(byId).toMatchObject({ title: 'By id', change_id: third, head: { ref: null } });
    const again = await call(writer, 'POST', `${api}/landings`, { base: 'main', change_id: third });
    expect(again.status).toBe(409);
    const missing = await call(writer, 'POST', `${api}/landings`, {
      base: 'main',
      change_id: newChangeId(),
    });
    expect(missing.status).toBe(400);
  });

  it('opens from a branch through the API and revises it when the branch is pushed', async () => {
    await g.ok(dir, ['checkout', '-q', '-B', 'feature', 'main']);
    const c1 = await g.commitFile(dir, 'f.txt', 'f1\n', 'Feature part 1\n\nDetails.');
    await g.ok(dir, ['push', '-q', writerRemote, 'feature']);
    const bad = await call(writer, 'POST', `${api}/landings`, { base: 'main', head: 'nope' });
    expect(bad.status).toBe(400);
    expect((await call(stranger, 'POST', `${api}/landings`, { base: 'main' })).status).toBe(400);
    const created = await json(
      writer,
      'POST',
      `${api}/landings`,
      { base: 'main', head: 'feature', draft: true },
      201,
    );
    expect(created).toMatchObject({
      title: 'Feature part 1',
      body: 'Details.',
      draft: true,
      head: { ref: 'feature', sha: c1 },
      base: { ref: 'main' },
    });
    const n = created.number as number;
    const c2 = await g.commitFile(dir, 'f.txt', 'f2\n', 'Feature part 2');
    await g.ok(dir, ['push', '-q', writerRemote, 'feature']);
    const revised = await poll(async () => {
      const l = await json(owner, 'GET', `${api}/landings/${n}`);
      return l.revisions === 2 ? l : undefined;
    }, 30_000);
    expect((revised.head as Json).sha).toBe(c2);
    const commits = await json(owner, 'GET', `${api}/landings/${n}/commits`);
    expect(commits.map((c) => c.sha)).toEqual([c1, c2]);

    // State: a stranger may not close it; the author may; the API lists it as closed.
    const path = `${api}/landings/${n}`;
    expect((await call(stranger, 'PATCH', path, { state: 'closed' })).status).toBe(403);
    await json(writer, 'PATCH', path, { draft: false, title: 'Feature' });
    const closed = await json(writer, 'PATCH', path, { state: 'closed' });
    expect(closed).toMatchObject({ state: 'closed', landing_state: 'closed', title: 'Feature' });
    const res = await call(owner, 'GET', `${api}/landings?state=closed&per_page=1`);
    expect(res.headers.get('x-closed-count')).toBe('1');
    expect(((await res.json()) as Json[]).map((l) => l.number)).toEqual([n]);
    await json(owner, 'PATCH', path, { state: 'open' });
    // Closed as an issue (same number), the landing follows.
    await json(owner, 'PATCH', `${api}/issues/${n}`, { state: 'closed' });
    expect((await json(owner, 'GET', path)).landing_state).toBe('closed');
    await json(owner, 'PATCH', `${api}/issues/${n}`, { state: 'open' });
    expect((await json(owner, 'GET', path)).landing_state).toBe('open');
  });
});

describe('landing requests in a private repository', () => {
  it('are invisible to a stranger through the API, the pages and git', async () => {
    const [owner, stranger] = await Promise.all([signUp(base), signUp(base)]);
    const name = uniq('landp');
    await owner.createRepo(name, { private: true });
    const g = new GitSandbox();
    try {
      const dir = await g.makeRepo('p', 1);
      const remote = remoteUrl(base, owner.user.login, name, await owner.token());
      await g.ok(dir, ['push', '-q', remote, 'main']);
      await jjCommit(g, dir, {
        file: 's.txt',
        content: 's\n',
        message: 'Secret',
        changeId: newChangeId(),
      });
      const push = await g.git(dir, ['push', remote, 'HEAD:refs/for/main']);
      expect(push.stderr).toContain('Landing !1 revision 1');
      const api = `/repos/${owner.user.login}/${name}`;
      expect((await json(owner, 'GET', `${api}/landings/1`)).title).toBe('Secret');
      for (const p of [`${api}/landings`, `${api}/landings/1`, `${api}/landings/1/files`]) {
        expect((await call(stranger, 'GET', p)).status).toBe(404);
        expect((await call(undefined, 'GET', p)).status).toBe(404);
      }
      const [status] = await page(stranger, `/${owner.user.login}/${name}/landings/1`);
      expect(status).toBe(404);
      const strangerRemote = remoteUrl(base, owner.user.login, name, await stranger.token());
      const ls = await g.git(dir, ['ls-remote', strangerRemote]);
      expect(ls.code).not.toBe(0);
      expect(ls.stdout).not.toContain('refs/landings');
      const theirs = await g.git(dir, ['push', strangerRemote, 'HEAD:refs/for/main']);
      expect(theirs.code).not.toBe(0);
      expect(theirs.stderr).not.toContain('Landing !');
    } finally {
      g.cleanup();
    }
  });
});
