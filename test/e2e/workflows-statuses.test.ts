/**
 * Commit statuses on pages: a private repository pushed with a workflow runs to completion, then
 * the live fragment `GET /{owner}/{repo}/commit/{sha}/statuses` shows the run's context with its
 * symbol and a link to the run (never cached); the commit page and the repository home carry the
 * slot the browse script fills (with a <noscript> link to the commit's runs); the runs list shows
 * the combined status. Strangers and anonymous visitors get 404 for a private repository.
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { testController, WorkflowRepo, type RunJson } from './workflows-client';

const base = inject('baseUrl');

describe('commit statuses on pages', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let controller: Controller;

  beforeAll(async () => {
    alice = await signUp(base);
    controller = await testController(base, alice);
  });
  afterAll(async () => {
    await controller?.stop({ abandon: true });
    g.cleanup();
  });

  it('serves a live statuses fragment for a private repository, 404 to strangers', async () => {
    const token = await alice.token(['repo:read', 'repo:write']);
    await alice.createRepo('wf-statuses', { private: true });
    const dir = await g.makeRepo('wf-statuses', 0);
    const sha = await g.commitFile(
      dir,
      '.plue/workflows/ci.py',
      `from plue import workflow, push

@workflow(triggers=[push(branches=["main"])])
def ci(ctx):
    ctx.run(name="hello", cmd="echo hello")
`,
      'add workflow',
    );
    await g.ok(dir, [
      'push',
      '-q',
      remoteUrl(base, alice.user.login, 'wf-statuses', token),
      'main',
    ]);
    const repo = new WorkflowRepo(base, alice, token, 'wf-statuses');
    const [run] = await repo.waitForRuns(sha);
    const done = await repo.waitForRun((run as RunJson).id);
    expect(done.conclusion).toBe('success');

    const path = `/${alice.user.login}/wf-statuses`;
    const fragmentUrl = `${base}${path}/commit/${sha}/statuses`;
    // The log reports the run complete a moment before the controller's completion call posts
    // the final status, so wait (bounded) for the fragment to catch up.
    const res = await vi.waitFor(
      async () => {
        const r = await fetch(fragmentUrl, { headers: { cookie: alice.cookie } });
        expect(await r.clone().text()).toContain('data-state="success"');
        return r;
      },
      { timeout: 15_000, interval: 250 },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).not.toMatch(/<html|<body/i);
    expect(html).toContain('data-state="success"');
    expect(html).toContain('✓ plue/ci');
    expect(html).toContain(`href="${done.html_url}"`);
    // A token with repo:read reads it too.
    const byToken = await fetch(fragmentUrl, { headers: { authorization: `Bearer ${token}` } });
    expect(byToken.status).toBe(200);

    // Strangers and anonymous visitors: the repository does not exist for them.
    const bob = await signUp(base);
    expect((await fetch(fragmentUrl, { headers: { cookie: bob.cookie } })).status).toBe(404);
    const anon = await fetch(fragmentUrl);
    expect(anon.status).toBe(404);
    expect(await anon.text()).not.toContain('plue/ci');
    // Not a full commit id, and a commit without statuses.
    const short = await fetch(`${base}${path}/commit/${sha.slice(0, 10)}/statuses`, {
      headers: { cookie: alice.cookie },
    });
    expect(short.status).toBe(404);
    const none = await fetch(`${base}${path}/commit/${'0'.repeat(40)}/statuses`, {
      headers: { cookie: alice.cookie },
    });
    expect(none.status).toBe(200);
    expect(await none.text()).not.toContain('plue/');

    // The commit page and the repository home carry the slot and its <noscript> fallback.
    const slot = `data-statuses="${path}/commit/${sha}/statuses"`;
    const noscript = `${path}/actions?head_sha=${sha}`;
    for (const page of [`${path}/commit/${sha}`, path]) {
      const p = await fetch(`${base}${page}`, { headers: { cookie: alice.cookie } });
      expect(p.status).toBe(200);
      const body = await p.text();
      expect(body, page).toContain(slot);
      expect(body, page).toContain(noscript);
      expect(body, page).not.toContain('✓ plue/ci');
    }
    // The noscript link lists the commit's run; the runs list shows the combined status.
    const list = await fetch(`${base}${noscript}`, { headers: { cookie: alice.cookie } });
    const runs = await list.text();
    expect(runs).toContain(`/actions/runs/${done.id}`);
    expect(runs).toMatch(
      /data-commit-state="success"[^>]*>\s*<span class="state-success">✓ success/,
    );
  });
});
