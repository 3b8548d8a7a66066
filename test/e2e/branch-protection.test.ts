/**
 * Branch protection (#19): the API in GitHub's shapes with its authorisation matrix (stranger,
 * reader, writer, admin; a private repository 404 to outsiders), and enforcement on direct
 * pushes with the real git client over HTTPS and the real OpenSSH client over SSH: deletion and
 * force pushes refused, a restricted pusher refused, a rule requiring approvals sends changes
 * through a landing request, an unprotected branch is unaffected, and an `--atomic` push with one
 * protected ref changes nothing. Every refusal is checked as git prints it.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Bridge } from '../../ssh-bridge/server';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { SshKit, startTestBridge } from '../helpers/ssh';
import { forgeClient, uniq } from './forge-client';

const base = inject('baseUrl');
const { call, json } = forgeClient(base);

const PLAIN = {
  required_status_checks: null,
  enforce_admins: true,
  required_pull_request_reviews: null,
  restrictions: null,
};

async function addCollaborator(owner: SignUp, repo: string, u: SignUp, permission: string) {
  const res = await call(owner, 'PUT', `/repos${repo}/collaborators/${u.user.login}`, {
    permission,
  });
  expect(res.status).toBe(204);
}

describe('the protection API', () => {
  let owner: SignUp;
  let writer: SignUp;
  let reader: SignUp;
  let stranger: SignUp;
  let repo: string;
  let priv: string;
  const g = new GitSandbox();
  beforeAll(async () => {
    [owner, writer, reader, stranger] = await Promise.all([
      signUp(base),
      signUp(base),
      signUp(base),
      signUp(base),
    ]);
    const [a, b] = [uniq('bp'), uniq('bpp')];
    await owner.createRepo(a);
    await owner.createRepo(b, { private: true });
    repo = `/${owner.user.login}/${a}`;
    priv = `/${owner.user.login}/${b}`;
    const token = await owner.token();
    const src = await g.makeRepo('api-src', 1);
    for (const [r, n] of [
      [repo, a],
      [priv, b],
    ] as const) {
      await addCollaborator(owner, r, writer, 'write');
      await addCollaborator(owner, r, reader, 'read');
      await g.ok(src, ['push', remoteUrl(base, owner.user.login, n, token), 'main']);
    }
  });
  afterAll(() => g.cleanup());

  it('answers each role as the authorisation rules say, on a public and a private repository', async () => {
    const cases: Array<[string, string, unknown?]> = [
      ['GET', '/branches/main/protection'],
      ['PUT', '/branches/main/protection', PLAIN],
      ['DELETE', '/branches/main/protection'],
    ];
    const want = {
      anonymous: [401, 404],
      stranger: [403, 404],
      reader: [403, 403],
      writer: [403, 403],
    };
    for (const [method, path, body] of cases) {
      for (const [who, [pub, hidden]] of Object.entries(want)) {
        const u = { stranger, reader, writer, anonymous: undefined }[who];
        const a = await call(u, method, `/repos${repo}${path}`, body);
        expect(a.status, `${who} ${method} ${path} on public`).toBe(pub);
        const b = await call(u, method, `/repos${priv}${path}`, body);
        expect(b.status, `${who} ${method} ${path} on private`).toBe(hidden);
        const text = await b.text();
        if (hidden === 404) expect(text).toContain('Repository not found');
      }
    }
    // The branch itself is readable by whoever reads the repository.
    for (const u of [undefined, stranger, reader, writer, owner])
      await json(u, 'GET', `/repos${repo}/branches/main`);
    for (const u of [undefined, stranger])
      await json(u, 'GET', `/repos${priv}/branches/main`, undefined, 404);
    await json(reader, 'GET', `/repos${priv}/branches/main`);
    // The owner (admin) may do it all; nothing is protected yet.
    await json(owner, 'GET', `/repos${priv}/branches/main/protection`, undefined, 404);
    await json(owner, 'PUT', `/repos${priv}/branches/main/protection`, PLAIN);
    await json(owner, 'GET', `/repos${priv}/branches/main/protection`);
    await json(owner, 'DELETE', `/repos${priv}/branches/main/protection`, undefined, 204);
    await json(owner, 'DELETE', `/repos${priv}/branches/main/protection`, undefined, 404);
  });

  it('takes and gives GitHub’s shapes, wildcard rules included, and marks protected branches', async () => {
    const put = await json(owner, 'PUT', `/repos${repo}/branches/main/protection`, {
      required_status_checks: { strict: true, contexts: ['ci/test', 'lint'] },
      enforce_admins: false,
      required_pull_request_reviews: {
        dismiss_stale_reviews: true,
        require_last_push_approval: true,
        required_approving_review_count: 2,
      },
      restrictions: { users: [writer.user.login], teams: [], apps: [] },
      allow_force_pushes: true,
    });
    expect(put).toMatchObject({
      pattern: 'main',
      required_status_checks: { strict: true, contexts: ['ci/test', 'lint'] },
      enforce_admins: { enabled: false },
      required_pull_request_reviews: {
        dismiss_stale_reviews: true,
        require_last_push_approval: true,
        required_approving_review_count: 2,
      },
      restrictions: { users: [{ login: writer.user.login }], teams: [], apps: [] },
      allow_force_pushes: { enabled: true },
      allow_deletions: { enabled: false },
    });
    expect(String(put.url)).toMatch(/\/api\/v1\/repos\/.+\/branches\/main\/protection$/);
    expect(await json(owner, 'GET', `/repos${repo}/branches/main/protection`)).toEqual(put);

    const branch = await json(reader, 'GET', `/repos${repo}/branches/main`);
    expect(branch).toMatchObject({
      name: 'main',
      protected: true,
      protection: { enabled: true, required_status_checks: { contexts: ['ci/test', 'lint'] } },
    });
    const list = await json(reader, 'GET', `/repos${repo}/branches`);
    expect(list.find((b) => b.name === 'main')).toMatchObject({ protected: true });

    // A pattern with `/` and `*` in the path; GET of a branch it governs answers that rule.
    await json(owner, 'PUT', `/repos${repo}/branches/release/*/protection`, {
      ...PLAIN,
      allow_deletions: true,
    });
    const rel = await json(owner, 'GET', `/repos${repo}/branches/release/1.0/protection`);
    expect(rel).toMatchObject({ pattern: 'release/*', allow_deletions: { enabled: true } });
    await json(owner, 'GET', `/repos${repo}/branches/feature/x/protection`, undefined, 404);
    await json(owner, 'DELETE', `/repos${repo}/branches/release/*/protection`, undefined, 204);
    await json(owner, 'GET', `/repos${repo}/branches/release/1.0/protection`, undefined, 404);

    // Bad bodies are refused with the field named; unknown users and teams too.
    const bad: Array<[unknown, string]> = [
      [
        { required_pull_request_reviews: { required_approving_review_count: 11 } },
        'required_pull_request_reviews',
      ],
      [{ restrictions: { users: ['no-such-user-zz9'] } }, 'no-such-user-zz9'],
      [{ restrictions: { users: [], teams: ['core'] } }, 'teams'],
      [{ allow_deletions: 'yes' }, 'allow_deletions'],
    ];
    for (const [body, word] of bad) {
      const res = await json(owner, 'PUT', `/repos${repo}/branches/main/protection`, body, 400);
      expect(JSON.stringify(res)).toContain(word);
    }
    await json(owner, 'PUT', `/repos${repo}/branches/a b/protection`, PLAIN, 400);
    await json(reader, 'GET', `/repos${repo}/branches/no-such-branch`, undefined, 404);
    await json(owner, 'DELETE', `/repos${repo}/branches/main/protection`, undefined, 204);
    expect((await json(reader, 'GET', `/repos${repo}/branches/main`)).protected).toBe(false);
  });
});

describe('the settings forms', () => {
  it('save, refuse a bad pattern with the form shown again, and delete; only for admins', async () => {
    const { post, page } = forgeClient(base);
    const [owner, writer] = await Promise.all([signUp(base), signUp(base)]);
    const name = uniq('bpf');
    await owner.createRepo(name);
    const repo = `/${owner.user.login}/${name}`;
    await addCollaborator(owner, repo, writer, 'write');
    const form = { pattern: 'release/*', required_approvals: '2', pushers: owner.user.login };
    expect((await post(writer, `${repo}/settings/branches`, form)).status).toBe(403);
    const saved = await post(owner, `${repo}/settings/branches`, form);
    expect(saved.status).toBe(303);
    const rule = await json(owner, 'GET', `/repos${repo}/branches/release/2/protection`);
    expect(rule).toMatchObject({
      pattern: 'release/*',
      required_pull_request_reviews: { required_approving_review_count: 2 },
      // Names typed in restrict pushing even with the box unticked.
      restrictions: { users: [{ login: owner.user.login }] },
      enforce_admins: { enabled: false },
    });
    const [status, html] = await page(owner, `${repo}/settings/branches?pattern=release%2F*`);
    expect(status).toBe(200);
    expect(html).toContain('value="release/*"');

    const bad = await post(owner, `${repo}/settings/branches`, { pattern: 'a b' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('A branch pattern is a branch name');
    // Renaming the pattern moves the rule.
    const moved = await post(owner, `${repo}/settings/branches`, {
      ...form,
      original: 'release/*',
      pattern: 'rel/*',
    });
    expect(moved.status).toBe(303);
    await json(owner, 'GET', `/repos${repo}/branches/release/2/protection`, undefined, 404);
    await json(owner, 'GET', `/repos${repo}/branches/rel/2/protection`);
    expect(
      (await post(writer, `${repo}/settings/branches/delete`, { pattern: 'rel/*' })).status,
    ).toBe(403);
    const del = await post(owner, `${repo}/settings/branches/delete`, { pattern: 'rel/*' });
    expect(del.status).toBe(303);
    await json(owner, 'GET', `/repos${repo}/branches/rel/2/protection`, undefined, 404);
  });
});

describe('direct pushes over HTTPS', () => {
  const g = new GitSandbox();
  let owner: SignUp;
  let writer: SignUp;
  let repo: string;
  let ownerUrl: string;
  let writerUrl: string;
  let src: string;
  beforeAll(async () => {
    [owner, writer] = await Promise.all([signUp(base), signUp(base)]);
    const name = uniq('bph');
    await owner.createRepo(name);
    repo = `/${owner.user.login}/${name}`;
    await addCollaborator(owner, repo, writer, 'write');
    ownerUrl = remoteUrl(base, owner.user.login, name, await owner.token());
    writerUrl = remoteUrl(
      base,
      owner.user.login,
      name,
      await writer.token(['repo:read', 'repo:write']),
    );
    src = await g.makeRepo('https-src', 3);
    await g.ok(src, ['push', ownerUrl, 'main', 'main:dev', 'main:release/1']);
    await json(owner, 'PUT', `/repos${repo}/branches/main/protection`, PLAIN);
    await json(owner, 'PUT', `/repos${repo}/branches/release/*/protection`, PLAIN);
  });
  afterAll(() => g.cleanup());

  const refs = () => g.ok(src, ['ls-remote', ownerUrl]);

  it('refuses deleting and rewinding a protected branch, and leaves unprotected ones alone', async () => {
    const before = await refs();
    const del = await g.git(src, ['push', ownerUrl, ':main']);
    expect(del.code).not.toBe(0);
    expect(del.stderr).toContain(
      '! [remote rejected] main (protected branch: deletion prohibited)',
    );
    expect(del.stderr).toContain('remote: main is protected by rule main: deletion prohibited.');
    const delRel = await g.git(src, ['push', ownerUrl, ':release/1']);
    expect(delRel.stderr).toContain(
      '[remote rejected] release/1 (protected branch: deletion prohibited)',
    );

    await g.ok(src, ['reset', '-q', '--hard', 'HEAD~1']);
    await g.commitFile(src, 'other.txt', 'a different line\n', 'rewritten');
    const force = await g.git(src, ['push', '--force', ownerUrl, 'main']);
    expect(force.code).not.toBe(0);
    expect(force.stderr).toContain(
      '! [remote rejected] main -> main (protected branch: force push prohibited)',
    );
    expect(await refs()).toBe(before);

    // dev has no rule: rewound and deleted like before.
    const dev = await g.git(src, ['push', '--force', ownerUrl, 'main:dev']);
    expect(dev.code, dev.stderr).toBe(0);
    expect(dev.stderr).toContain('+');
    const devDel = await g.git(src, ['push', ownerUrl, ':dev']);
    expect(devDel.code, devDel.stderr).toBe(0);
    expect(await refs()).not.toContain('refs/heads/dev');

    // A fast-forward of the protected branch passes.
    await g.ok(src, ['fetch', '-q', ownerUrl, 'main']);
    await g.ok(src, ['reset', '-q', '--hard', 'FETCH_HEAD']);
    await g.commitFile(src, 'ff.txt', 'forward\n', 'fast-forward');
    const ff = await g.git(src, ['push', ownerUrl, 'main']);
    expect(ff.code, ff.stderr).toBe(0);

    // Allowing force pushes lets the rewind through.
    await json(owner, 'PUT', `/repos${repo}/branches/main/protection`, {
      ...PLAIN,
      allow_force_pushes: true,
    });
    await g.ok(src, ['reset', '-q', '--hard', 'HEAD~1']);
    const allowed = await g.git(src, ['push', '--force', ownerUrl, 'main']);
    expect(allowed.code, allowed.stderr).toBe(0);
    await json(owner, 'PUT', `/repos${repo}/branches/main/protection`, PLAIN);
  });

  it('refuses a pusher the rule does not list', async () => {
    await json(owner, 'PUT', `/repos${repo}/branches/main/protection`, {
      ...PLAIN,
      restrictions: { users: [owner.user.login], teams: [], apps: [] },
    });
    await g.ok(src, ['fetch', '-q', ownerUrl, 'main']);
    await g.ok(src, ['reset', '-q', '--hard', 'FETCH_HEAD']);
    await g.commitFile(src, 'w.txt', 'from the writer\n', 'writer change');
    const w = await g.git(src, ['push', writerUrl, 'main']);
    expect(w.code).not.toBe(0);
    expect(w.stderr).toContain(
      `! [remote rejected] main -> main (protected branch: ${writer.user.login} may not push to this branch)`,
    );
    // The writer may still push other branches; the owner is listed and pushes main.
    expect((await g.git(src, ['push', writerUrl, 'HEAD:topic'])).code).toBe(0);
    const o = await g.git(src, ['push', ownerUrl, 'main']);
    expect(o.code, o.stderr).toBe(0);
    await json(owner, 'PUT', `/repos${repo}/branches/main/protection`, PLAIN);
  });

  it('sends changes through a landing request when the rule requires approvals', async () => {
    await json(owner, 'PUT', `/repos${repo}/branches/main/protection`, {
      ...PLAIN,
      required_pull_request_reviews: { required_approving_review_count: 1 },
    });
    await g.commitFile(src, 'r.txt', 'needs review\n', 'needs review');
    const r = await g.git(src, ['push', ownerUrl, 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      '! [remote rejected] main -> main (protected branch: 1 approving review required)',
    );
    expect(r.stderr).toContain(
      'remote: Changes to main go through a landing request: git push origin HEAD:refs/for/main',
    );

    // With --atomic, the refused main takes the unprotected branch down with it.
    const before = await refs();
    const atomic = await g.git(src, ['push', '--atomic', ownerUrl, 'main', 'HEAD:refs/heads/side']);
    expect(atomic.code).not.toBe(0);
    expect(atomic.stderr).toContain('(protected branch: 1 approving review required)');
    expect(atomic.stderr).toContain('side (atomic push failure)');
    expect(await refs()).toBe(before);
    // Without it, each ref on its own.
    const each = await g.git(src, ['push', ownerUrl, 'main', 'HEAD:refs/heads/side']);
    expect(each.code).not.toBe(0);
    expect(each.stderr).toContain('* [new branch]      HEAD -> side');
    expect(await refs()).toContain('refs/heads/side');

    // An administrator exempt from the rule pushes, and is told what they bypassed.
    await json(owner, 'PUT', `/repos${repo}/branches/main/protection`, {
      ...PLAIN,
      enforce_admins: false,
      required_pull_request_reviews: { required_approving_review_count: 1 },
    });
    const admin = await g.git(src, ['push', ownerUrl, 'main']);
    expect(admin.code, admin.stderr).toBe(0);
    expect(admin.stderr).toContain('as an administrator you bypassed: 1 approving review required');
    await g.commitFile(src, 'w2.txt', 'writer again\n', 'writer again');
    const w = await g.git(src, ['push', writerUrl, 'main']);
    expect(w.stderr).toContain('(protected branch: 1 approving review required)');
  });
});

describe('direct pushes over SSH', () => {
  const kit = new SshKit();
  let bridge: Bridge;
  let owner: SignUp;
  let writer: SignUp;
  let repo: string;
  let ownerOpts: Parameters<SshKit['git']>[2];
  let writerOpts: Parameters<SshKit['git']>[2];
  beforeAll(async () => {
    [owner, writer] = await Promise.all([signUp(base), signUp(base)]);
    for (const [u, name] of [
      [owner, 'owner'],
      [writer, 'writer'],
    ] as const) {
      const key = await kit.keygen(name);
      await json(u, 'POST', '/user/keys', { title: 'test', key: key.publicLine }, 201);
      if (u === owner) ownerOpts = { key };
      else writerOpts = { key };
    }
    const name = uniq('bps');
    await owner.createRepo(name);
    repo = `/${owner.user.login}/${name}`;
    await addCollaborator(owner, repo, writer, 'write');
    bridge = await startTestBridge(kit, base);
    ownerOpts = { ...ownerOpts, port: bridge.port };
    writerOpts = { ...writerOpts, port: bridge.port };
  }, 60_000);
  afterAll(async () => {
    await bridge?.close();
    kit.cleanup();
  });

  it('refuses deletion, force, a restricted pusher and a review-only branch, as git prints it', async () => {
    const url = `ssh://git@127.0.0.1:${bridge.port}${repo}.git`;
    const src = await kit.makeRepo('ssh-src', 2);
    await kit.gitOk(src, ['push', url, 'main', 'main:dev'], ownerOpts);
    await json(owner, 'PUT', `/repos${repo}/branches/main/protection`, {
      ...PLAIN,
      restrictions: { users: [owner.user.login], teams: [], apps: [] },
    });

    const del = await kit.git(src, ['push', url, ':main'], ownerOpts);
    expect(del.stderr).toContain(
      '! [remote rejected] main (protected branch: deletion prohibited)',
    );
    await kit.gitOk(src, ['reset', '-q', '--hard', 'HEAD~1']);
    await kit.commit(src, 'x.txt', 'rewritten\n', 'rewritten');
    const force = await kit.git(src, ['push', '--force', url, 'main'], ownerOpts);
    expect(force.stderr).toContain(
      '! [remote rejected] main -> main (protected branch: force push prohibited)',
    );
    const w = await kit.git(src, ['push', '--force', url, 'main'], writerOpts);
    expect(w.stderr).toContain(
      `(protected branch: ${writer.user.login} may not push to this branch)`,
    );
    // dev is not protected: the writer rewinds it.
    const dev = await kit.git(src, ['push', '--force', url, 'main:dev'], writerOpts);
    expect(dev.code, dev.stderr).toBe(0);

    await json(owner, 'PUT', `/repos${repo}/branches/main/protection`, {
      ...PLAIN,
      required_pull_request_reviews: { required_approving_review_count: 1 },
    });
    await kit.gitOk(src, ['fetch', '-q', url, 'main'], ownerOpts);
    await kit.gitOk(src, ['reset', '-q', '--hard', 'FETCH_HEAD']);
    await kit.commit(src, 'y.txt', 'forward\n', 'forward');
    const review = await kit.git(src, ['push', url, 'main'], ownerOpts);
    expect(review.code).not.toBe(0);
    expect(review.stderr).toContain(
      '! [remote rejected] main -> main (protected branch: 1 approving review required)',
    );
    expect(review.stderr).toContain('remote: Changes to main go through a landing request');
    expect(review.stderr).not.toContain('bad band');
    const clone = join(kit.root, 'ssh-clone');
    await kit.gitOk(kit.root, ['clone', '-q', url, clone], ownerOpts);
    expect((await kit.gitOk(clone, ['log', '--format=%s', '-1'])).trim()).toBe('commit 2');
  });
});
