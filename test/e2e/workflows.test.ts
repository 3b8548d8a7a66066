/**
 * Workflows end to end: a push with the real git client → a `push` event → the runner
 * controller (in this process, bubblewrap sandbox) evaluates `.plue/workflows/*.py` → runs →
 * live SSE log → commit statuses. Also failures with skipped dependants, a workflow file with a
 * syntax error or a cron expression that does not parse (file:line in the run's log), step
 * timeouts, cancel and re-run. Secrets, manual dispatch and schedules: workflows-inputs.test.ts.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox } from '../helpers/git';
import { remoteUrl } from '../helpers/git';
import { outputOf, pushRepo, testController, type RunJson } from './workflows-client';

const base = inject('baseUrl');

const CI = `from plue import workflow, push

@workflow(triggers=[push(branches=["main"])])
def ci(ctx):
    build = ctx.run(name="build", cmd="echo building; cat hello.txt")
    ctx.run(name="test", cmd="echo tests passed", depends_on=[build])
`;

describe('workflows', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  let controller: Controller;

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write', 'admin']);
    controller = await testController(base, alice);
  });
  afterAll(async () => {
    await controller?.stop({ abandon: true });
    g.cleanup();
  });

  it('runs a pushed workflow: live log to run_completed, steps, commit status, re-run', async () => {
    const { repo, sha } = await pushRepo(base, g, alice, token, 'wf-ok', {
      'hello.txt': 'hello from plue\n',
      '.plue/workflows/ci.py': CI,
    });
    const [run] = await repo.waitForRuns(sha);
    expect(run).toMatchObject({ name: 'ci', event: 'push', head_branch: 'main', head_sha: sha });
    const id = (run as RunJson).id;
    const events = await repo.stream(id);
    const done = events.find((e) => e.event === 'run_completed');
    expect(JSON.parse(done?.data ?? '{}')).toMatchObject({ data: { conclusion: 'success' } });
    const out = outputOf(events);
    expect(out).toContain('hello from plue');
    expect(out).toContain('tests passed');
    const finished = await repo.waitForRun(id);
    expect(finished.conclusion).toBe('success');
    const jobs = await repo.jobs(id);
    expect(jobs.build).toMatchObject({ status: 'completed', conclusion: 'success', exit_code: 0 });
    expect(jobs.test).toMatchObject({ status: 'completed', conclusion: 'success' });

    const combined = await repo.get<{
      state: string;
      statuses: { context: string; state: string; target_url: string }[];
    }>(`/commits/${sha}/status`);
    expect(combined.state).toBe('success');
    expect(combined.statuses[0]).toMatchObject({ context: 'plue/ci', state: 'success' });
    expect(combined.statuses[0]?.target_url).toBe(finished.html_url);
    const byBranch = await repo.get<{ sha: string; state: string }>(`/commits/main/status`);
    expect(byBranch).toMatchObject({ sha, state: 'success' });
    const history = await repo.get<{ state: string }[]>(`/statuses/${sha}`);
    expect(history.map((s) => s.state)).toEqual(expect.arrayContaining(['pending', 'success']));

    const rerun = await fetch(`${repo.api}/actions/runs/${id}/rerun`, {
      method: 'POST',
      headers: repo.headers,
    });
    expect(rerun.status, await rerun.clone().text()).toBe(201);
    const again = (await rerun.json()) as RunJson;
    expect(again.id).not.toBe(id);
    expect((await repo.waitForRun(again.id)).conclusion).toBe('success');
  });

  it('fails a run whose step fails and skips its dependants', async () => {
    const { repo, sha } = await pushRepo(base, g, alice, token, 'wf-fail', {
      '.plue/workflows/ci.py': `from plue import workflow, push

@workflow(triggers=[push()])
def broken(ctx):
    a = ctx.run(name="fails", cmd="echo about to fail; exit 3")
    ctx.run(name="after", cmd="echo never", depends_on=[a])
`,
    });
    const [run] = await repo.waitForRuns(sha);
    const finished = await repo.waitForRun((run as RunJson).id);
    expect(finished.conclusion).toBe('failure');
    const jobs = await repo.jobs(finished.id);
    expect(jobs.fails).toMatchObject({ conclusion: 'failure', exit_code: 3 });
    expect(jobs.after).toMatchObject({ status: 'completed', conclusion: 'skipped' });
    const out = outputOf(await repo.stream(finished.id));
    expect(out).toContain('about to fail');
    expect(out).not.toContain('never');
    expect((await repo.get<{ state: string }>(`/commits/${sha}/status`)).state).toBe('failure');

    // The run page's re-run button is a plain form post (same-origin checked).
    const pageUrl = `${base}/${alice.user.login}/wf-fail/actions/runs/${finished.id}`;
    const html = await (await fetch(pageUrl, { headers: { cookie: alice.cookie } })).text();
    expect(html).toContain(
      `action="/${alice.user.login}/wf-fail/actions/runs/${finished.id}/rerun"`,
    );
    const form = (origin: string) =>
      fetch(`${pageUrl}/rerun`, {
        method: 'POST',
        headers: {
          cookie: alice.cookie,
          origin,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: '',
        redirect: 'manual',
      });
    expect((await form('https://evil.example')).status).toBe(403);
    const posted = await form(new URL(base).origin);
    expect(posted.status).toBe(303);
    const target = posted.headers.get('location') ?? '';
    expect(target).toMatch(/\/actions\/runs\/\d+$/);
    const rerunId = Number(target.split('/').pop());
    expect(rerunId).toBeGreaterThan(finished.id);
    expect((await repo.waitForRun(rerunId)).conclusion).toBe('failure');
  });

  it('shows a workflow file error as a failed run with file and line', async () => {
    const { repo, sha } = await pushRepo(base, g, alice, token, 'wf-syntax', {
      '.plue/workflows/bad.py': 'from plue import workflow, push\n\ndef oops(:\n    pass\n',
    });
    const [run] = await repo.waitForRuns(sha);
    expect(run).toMatchObject({ path: '.plue/workflows/bad.py', status: 'completed' });
    expect(run?.conclusion).toBe('failure');
    const events = await repo.stream((run as RunJson).id);
    expect(outputOf(events)).toMatch(/\.plue\/workflows\/bad\.py:3: /);
    const list = await repo.get<{ workflows: { path: string; state: string }[] }>(
      '/actions/workflows',
    );
    expect(list.workflows).toEqual([
      expect.objectContaining({ path: '.plue/workflows/bad.py', state: 'invalid' }),
    ]);
    expect((await repo.get<{ state: string }>(`/commits/${sha}/status`)).state).toBe('failure');
    const page = await fetch(`${base}/${alice.user.login}/wf-syntax/actions/runs/${run?.id}`, {
      headers: { cookie: alice.cookie },
    });
    expect(page.status).toBe(200);
  });

  it('reports a broken file once per commit, failing no other run', async () => {
    const { repo, sha, dir } = await pushRepo(base, g, alice, token, 'wf-broken-once', {
      '.plue/workflows/bad.py': 'from plue import workflow, push\n\ndef oops(:\n    pass\n',
      '.plue/workflows/deploy.py': `from plue import workflow, manual, push

@workflow(triggers=[manual(), push(branches=["other"])])
def deploy(ctx):
    ctx.run(name="ship", cmd="echo shipped")
`,
    });
    const [broken] = await repo.waitForRuns(sha);
    expect(broken).toMatchObject({ path: '.plue/workflows/bad.py', conclusion: 'failure' });
    // A manual run of the other workflow at the same commit: it runs, and bad.py adds nothing.
    const res = await fetch(`${repo.api}/actions/workflows/deploy/dispatches`, {
      method: 'POST',
      headers: repo.headers,
      body: JSON.stringify({ ref: 'main' }),
    });
    expect(res.status).toBe(204);
    const manual = (await repo.waitForRuns(sha, 2)).find((r) => r.event === 'workflow_dispatch');
    expect((await repo.waitForRun((manual as RunJson).id)).conclusion).toBe('success');
    // The same commit pushed to another branch: evaluated again (deploy runs), bad.py not reported.
    await g.ok(dir, [
      'push',
      remoteUrl(base, alice.user.login, 'wf-broken-once', token),
      'main:other',
    ]);
    await repo.waitForRuns(sha, 3);
    const all = await repo.runsOf(sha);
    expect(all.map((r) => `${r.event} ${r.path}`).sort()).toEqual([
      'push .plue/workflows/bad.py',
      'push .plue/workflows/deploy.py',
      'workflow_dispatch .plue/workflows/deploy.py',
    ]);
    expect(all.filter((r) => r.conclusion === 'failure')).toHaveLength(1);
    const status = await repo.get<{
      statuses: { state: string; context: string; description: string }[];
    }>(`/commits/${sha}/status`);
    const failing = status.statuses.filter((x) => x.state === 'failure');
    expect(failing).toHaveLength(1);
    // One annotation naming the file, the line and what is wrong.
    expect(failing[0]?.description).toMatch(/^\.plue\/workflows\/bad\.py:3: \S/);
  });

  it('refuses a cron expression croner cannot read at registration, with file and line', async () => {
    const { repo, sha } = await pushRepo(base, g, alice, token, 'wf-cron', {
      '.plue/workflows/nightly.py': `from plue import workflow, push, schedule

@workflow(triggers=[push(), schedule(cron="61 * * * *")])
def nightly(ctx):
    ctx.run(name="x", cmd="true")
`,
    });
    const [run] = await repo.waitForRuns(sha);
    expect(run).toMatchObject({ path: '.plue/workflows/nightly.py', conclusion: 'failure' });
    const out = outputOf(await repo.stream((run as RunJson).id));
    expect(out).toMatch(
      /\.plue\/workflows\/nightly\.py:3: workflow nightly: invalid cron expression '61 \* \* \* \*': .*minute/,
    );
    const list = await repo.get<{ workflows: { path: string; state: string }[] }>(
      '/actions/workflows',
    );
    expect(list.workflows).toEqual([
      expect.objectContaining({ path: '.plue/workflows/nightly.py', state: 'invalid' }),
    ]);
  });

  it('times a step out', async () => {
    const { repo, sha } = await pushRepo(base, g, alice, token, 'wf-timeout', {
      '.plue/workflows/ci.py': `from plue import workflow, push

@workflow(triggers=[push()])
def slow(ctx):
    ctx.run(name="sleepy", cmd="echo start; sleep 60", timeout=2)
`,
    });
    const [run] = await repo.waitForRuns(sha);
    const finished = await repo.waitForRun((run as RunJson).id, undefined, 45_000);
    expect(finished.conclusion).toBe('failure');
    expect((await repo.jobs(finished.id)).sleepy?.conclusion).toBe('timed_out');
  });

  it('cancels a running run: its steps are killed and it ends cancelled', async () => {
    const { repo, sha } = await pushRepo(base, g, alice, token, 'wf-cancel', {
      '.plue/workflows/ci.py': `from plue import workflow, push

@workflow(triggers=[push()])
def long(ctx):
    ctx.run(name="forever", cmd="echo started; sleep 120; echo not reached")
`,
    });
    const [run] = await repo.waitForRuns(sha);
    const id = (run as RunJson).id;
    await repo.stream(id, (ev) => outputOf(ev).includes('started'), 60_000);
    const res = await fetch(`${repo.api}/actions/runs/${id}/cancel`, {
      method: 'POST',
      headers: repo.headers,
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const finished = await repo.waitForRun(id, undefined, 30_000);
    expect(finished.conclusion).toBe('cancelled');
    expect((await repo.jobs(id)).forever?.conclusion).toBe('cancelled');
    expect(outputOf(await repo.stream(id))).not.toContain('not reached');
    expect((await repo.get<{ state: string }>(`/commits/${sha}/status`)).state).toBe('failure');
    const again = await fetch(`${repo.api}/actions/runs/${id}/cancel`, {
      method: 'POST',
      headers: repo.headers,
    });
    expect(again.status).toBe(409);
  });
});
