/**
 * What goes into runs besides pushes: repository secrets (only to the steps that declare them,
 * masked in logs), manual dispatch with inputs (API and the workflows page's form), and
 * `schedule` triggers fired by the cron tick.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { signUp, type SignUp } from '../../scripts/clients/auth';
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

describe('workflow inputs', () => {
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

  it('passes secrets only to the steps that declare them, masked in the log', async () => {
    const name = 'wf-secret';
    const value = 'sup3r-s3cret-value';
    const api = `${base}/api/v1/repos/${alice.user.login}/${name}`;
    await alice.createRepo(name);
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
        headers: { 'X-Plue-Controller-Secret': DEV_SECRET, 'content-type': 'application/json' },
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
