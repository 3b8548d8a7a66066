/**
 * Workflows end to end: a push with the real git client → a `push` event → the runner
 * controller (in this process, bubblewrap sandbox) evaluates `.plue/workflows/*.py` → runs →
 * live SSE log → commit statuses. Also failures with skipped dependants, a workflow file with a
 * syntax error (file:line in the run's log), step timeouts, cancel, re-run, masked secrets and
 * manual dispatch.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { signUp, type SignUp } from '../helpers/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import {
  DEV_SECRET,
  outputOf,
  poll,
  pushRepo,
  testController,
  WorkflowRepo,
  type RunJson,
} from './workflows-client';

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

  it('passes secrets only to the steps that declare them, masked in the log', async () => {
    const name = 'wf-secret';
    const value = 'sup3r-s3cret-value';
    const api = `${base}/api/v1/repos/${alice.user.login}/${name}`;
    const created = await fetch(`${base}/api/v1/user/repos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name }),
    });
    expect(created.status).toBe(201);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const put = await fetch(`${api}/actions/secrets/API_KEY`, {
      method: 'PUT',
      headers: auth,
      body: JSON.stringify({ value }),
    });
    expect(put.status, await put.clone().text()).toBe(201);
    const listed = await (await fetch(`${api}/actions/secrets`, { headers: auth })).text();
    expect(listed).toContain('API_KEY');
    expect(listed).not.toContain(value);
    const bob = await signUp(base);
    const bobPut = await fetch(`${api}/actions/secrets/X`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${await bob.token()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ value: 'nope' }),
    });
    expect(bobPut.status).toBe(403);

    const dir = await g.makeRepo(name, 0);
    const sha = await g.commitFile(
      dir,
      '.plue/workflows/ci.py',
      `from plue import workflow, push

@workflow(triggers=[push()])
def secret(ctx):
    ctx.run(name="uses", cmd='echo "key=$API_KEY"; printf %s "$API_KEY" | base64', secrets=["API_KEY"])
    ctx.run(name="other", cmd='echo "other=\${API_KEY:-unset}"')
`,
      'secret workflow',
    );
    await g.ok(dir, ['push', remoteUrl(base, alice.user.login, name, token), 'main']);
    const repo = new WorkflowRepo(base, alice, token, name);
    const [run] = await repo.waitForRuns(sha);
    const out = outputOf(await repo.stream((run as RunJson).id));
    expect(out).toContain('key=***');
    expect(out).toContain('other=unset');
    expect(out).not.toContain(value);
    expect(out).not.toContain(Buffer.from(value).toString('base64'));
    expect((await repo.waitForRun((run as RunJson).id)).conclusion).toBe('success');
  });

  it('dispatches a manual workflow with inputs (write permission), from the API and the page', async () => {
    const { repo } = await pushRepo(base, g, alice, token, 'wf-manual', {
      '.plue/workflows/deploy.py': `from plue import workflow, manual

@workflow(triggers=[manual(inputs={"target": str})])
def deploy(ctx):
    ctx.run(name="deploy", cmd=f"echo deploying to {ctx.inputs['target']}")
`,
    });
    const list = await poll(async () => {
      const l = await repo.get<{ workflows: { name: string; state: string }[] }>(
        '/actions/workflows',
      );
      return l.workflows.length > 0 ? l.workflows : undefined;
    }, 60_000);
    expect(list).toEqual([expect.objectContaining({ name: 'deploy', state: 'active' })]);
    const bob = await signUp(base);
    const denied = await fetch(`${repo.api}/actions/workflows/deploy/dispatches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await bob.token()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ref: 'main' }),
    });
    expect(denied.status).toBe(403);
    const res = await fetch(`${repo.api}/actions/workflows/deploy/dispatches`, {
      method: 'POST',
      headers: repo.headers,
      body: JSON.stringify({ ref: 'main', inputs: { target: 'staging' } }),
    });
    expect(res.status, await res.clone().text()).toBe(204);
    const run = await poll(async () => {
      const r = await repo.get<{ workflow_runs: RunJson[] }>(
        '/actions/runs?event=workflow_dispatch',
      );
      return r.workflow_runs[0];
    }, 60_000);
    expect(run.name).toBe('deploy');
    expect(outputOf(await repo.stream(run.id))).toContain('deploying to staging');

    const page = await fetch(`${base}/${alice.user.login}/wf-manual/actions/workflows`, {
      headers: { cookie: alice.cookie },
    });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('deploy.py');
    expect(html).toMatch(/<form[^>]+method="post"/);
    const form = await fetch(
      `${base}/${alice.user.login}/wf-manual/actions/workflows/deploy/dispatch`,
      {
        method: 'POST',
        headers: {
          cookie: alice.cookie,
          origin: new URL(base).origin,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'ref=main&input.target=prod',
        redirect: 'manual',
      },
    );
    expect(form.status).toBe(303);
    const second = await poll(async () => {
      const r = await repo.get<{ workflow_runs: RunJson[] }>(
        '/actions/runs?event=workflow_dispatch',
      );
      return r.workflow_runs.length >= 2 ? r.workflow_runs[0] : undefined;
    }, 60_000);
    expect(outputOf(await repo.stream(second.id))).toContain('deploying to prod');
  });
  it('starts scheduled workflows from the cron tick, once per minute', async () => {
    const { repo } = await pushRepo(base, g, alice, token, 'wf-cron', {
      '.plue/workflows/nightly.py': `from plue import workflow, schedule

@workflow(triggers=[schedule(cron="*/5 * * * *")])
def nightly(ctx):
    ctx.run(name="tick", cmd=f"echo scheduled by {ctx.event['cron']}")
`,
    });
    await poll(async () => {
      const l = await repo.get<{ workflows: unknown[] }>('/actions/workflows');
      return l.workflows.length > 0 ? true : undefined;
    }, 60_000);
    const tick = async (at: string) => {
      const res = await fetch(`${base}/internal/controller/schedule`, {
        method: 'POST',
        headers: { 'X-Plue-Internal-Secret': DEV_SECRET, 'content-type': 'application/json' },
        body: JSON.stringify({ at }),
      });
      expect(res.status).toBe(200);
    };
    await tick('2031-01-01T00:04:00Z'); // not due
    await tick('2031-01-01T00:05:00Z');
    await tick('2031-01-01T00:05:30Z'); // the same minute again
    const run = await poll(async () => {
      const r = await repo.get<{ workflow_runs: RunJson[] }>('/actions/runs?event=schedule');
      return r.workflow_runs[0];
    }, 60_000);
    expect(outputOf(await repo.stream(run.id))).toContain('scheduled by */5 * * * *');
    const all = await repo.get<{ total_count: number }>('/actions/runs');
    expect(all.total_count).toBe(1);
  });
});
