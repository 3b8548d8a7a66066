/**
 * Controller crashes and lease expiry: a controller that stops without completing (abandons
 * its run, as a crash would) loses its lease; the run is requeued (attempt 2) and completed by
 * another controller, with both attempts' output in the log. Lost twice, it fails with "runner
 * lost" and an `error` commit status — never stuck running. Leases are 2–3 s here. A
 * controller that goes away while the Worker holds its long-polled claims is never handed work
 * (a held claim claims nothing; it answers "ready" and the controller asks again).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox } from '../helpers/git';
import {
  DEV_SECRET,
  outputOf,
  poll,
  pushRepo,
  testController,
  type RunJson,
} from './workflows-client';

const base = inject('baseUrl');

describe('workflow run leases', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  const controllers: Controller[] = [];
  const start = async (): Promise<Controller> => {
    const c = await testController(base, alice, { leaseSeconds: 2, heartbeatMs: 500 });
    controllers.push(c);
    return c;
  };

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write', 'admin']);
  });
  afterAll(async () => {
    for (const c of controllers) await c.stop({ abandon: true });
    g.cleanup();
  });

  it('requeues the run of a crashed controller; another controller completes it', async () => {
    const first = await start();
    const { repo, sha } = await pushRepo(base, g, alice, token, 'lease-retry', {
      '.plue/workflows/ci.py': `from plue import workflow, push

@workflow(triggers=[push()])
def flaky(ctx):
    ctx.run(name="work", cmd='echo "attempt $PLUE_RUN_ATTEMPT"; if [ "$PLUE_RUN_ATTEMPT" = 1 ]; then sleep 60; fi; echo finished')
`,
    });
    const [run] = await repo.waitForRuns(sha);
    const id = (run as RunJson).id;
    await repo.stream(id, (ev) => outputOf(ev).includes('attempt 1'), 60_000);
    await first.stop({ abandon: true });
    const during = await repo.get<RunJson>(`/actions/runs/${id}`);
    expect(during.status).toBe('in_progress');

    await start();
    const finished = await repo.waitForRun(id, undefined, 60_000);
    expect(finished).toMatchObject({ conclusion: 'success', run_attempt: 2 });
    const out = outputOf(await repo.stream(id));
    expect(out).toContain('attempt 1');
    expect(out).toContain('attempt 2');
    expect(out).toContain('finished');
    expect((await repo.jobs(id)).work).toMatchObject({ conclusion: 'success', exit_code: 0 });
    const status = await repo.get<{ state: string }>(`/commits/${sha}/status`);
    expect(status.state).toBe('success');
  });

  it('fails a run with "runner lost" after its retry is lost too', async () => {
    for (const c of controllers.splice(0)) await c.stop({ abandon: true });
    const first = await start();
    const { repo, sha } = await pushRepo(base, g, alice, token, 'lease-lost', {
      '.plue/workflows/ci.py': `from plue import workflow, push

@workflow(triggers=[push()])
def hangs(ctx):
    ctx.run(name="hang", cmd='echo "attempt $PLUE_RUN_ATTEMPT"; sleep 120')
`,
    });
    const [run] = await repo.waitForRuns(sha);
    const id = (run as RunJson).id;
    await repo.stream(id, (ev) => outputOf(ev).includes('attempt 1'), 60_000);
    await first.stop({ abandon: true });
    const second = await start();
    await repo.stream(id, (ev) => outputOf(ev).includes('attempt 2'), 60_000);
    await second.stop({ abandon: true });
    controllers.splice(0);

    // Nobody claims any more: the sweep (cron, or any claim) must end the run once the lease
    // has expired.
    const finished = await poll(async () => {
      const swept = await fetch(`${base}/internal/controller/sweep`, {
        method: 'POST',
        headers: { 'X-Plue-Controller-Secret': DEV_SECRET },
      });
      expect(swept.status).toBe(200);
      const r = await repo.get<RunJson>(`/actions/runs/${id}`);
      return r.status === 'completed' ? r : undefined;
    }, 30_000);
    expect(finished).toMatchObject({ conclusion: 'failure', run_attempt: 2 });
    const events = await repo.stream(id);
    const done = events.find((e) => e.event === 'run_completed');
    expect(JSON.parse(done?.data ?? '{}')).toMatchObject({
      data: { conclusion: 'failure', message: 'runner lost' },
    });
    const status = await repo.get<{ statuses: { state: string; description: string }[] }>(
      `/commits/${sha}/status`,
    );
    expect(status.statuses[0]).toMatchObject({ state: 'error', description: 'Runner lost' });
  });

  it('never hands work to a controller that left while the Worker held its claims', async () => {
    for (const c of controllers.splice(0)) await c.stop({ abandon: true });
    // Claims held for a controller that then goes away: the client aborts, but workerd's dev
    // server does not tell the Worker, which keeps holding them. They ask for 600-s leases: had
    // one of them claimed the event or the run, it would sit there, claimed by nobody, until the
    // test times out (the old held claim claimed for whoever asked).
    const departed = new AbortController();
    const held = ['events', 'runs', 'events', 'runs', 'events', 'runs'].map((queue) =>
      fetch(`${base}/internal/controller/${queue}/claim`, {
        method: 'POST',
        headers: { 'X-Plue-Controller-Secret': DEV_SECRET, 'content-type': 'application/json' },
        body: JSON.stringify({
          owner: 'departed',
          lease_seconds: 600,
          repo_owner: alice.user.login,
          wait_seconds: 20,
        }),
        signal: departed.signal,
      }).then(
        (r) => r.status,
        () => 'aborted',
      ),
    );
    // Let the Worker take them up (each makes its one real claim on arrival: nothing is queued).
    // eslint-disable-next-line no-restricted-syntax -- nothing observable marks a claim as held
    await new Promise((r) => setTimeout(r, 1000));
    departed.abort();
    expect(await Promise.all(held)).toEqual(Array(6).fill('aborted'));

    // A controller that stays, long-polling as npm start's does.
    await start();
    const { repo, sha } = await pushRepo(base, g, alice, token, 'lease-departed', {
      '.plue/workflows/ci.py': `from plue import workflow, push

@workflow(triggers=[push()])
def quick(ctx):
    ctx.run(name="hi", cmd='echo "attempt $PLUE_RUN_ATTEMPT"')
`,
    });
    const [run] = await repo.waitForRuns(sha, 1, 60_000);
    const finished = await repo.waitForRun((run as RunJson).id, undefined, 60_000);
    // First attempt, first try: nothing was claimed for the departed controller and requeued.
    expect(finished).toMatchObject({ status: 'completed', conclusion: 'success', run_attempt: 1 });
    expect(outputOf(await repo.stream(finished.id))).toContain('attempt 1');
  });

  it('refuses fenced writes from a controller whose lease is gone', async () => {
    const claim = await fetch(`${base}/internal/controller/runs/1/heartbeat`, {
      method: 'POST',
      headers: { 'X-Plue-Controller-Secret': DEV_SECRET, 'content-type': 'application/json' },
      body: JSON.stringify({ lease_owner: 'nobody', lease_epoch: '999' }),
    });
    expect(claim.status).toBe(409);
    const complete = await fetch(`${base}/internal/controller/runs/1/complete`, {
      method: 'POST',
      headers: { 'X-Plue-Controller-Secret': DEV_SECRET, 'content-type': 'application/json' },
      body: JSON.stringify({ lease_owner: 'nobody', lease_epoch: '999', conclusion: 'success' }),
    });
    expect(complete.status).toBe(409);
    const anon = await fetch(`${base}/internal/controller/runs/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ owner: 'x' }),
    });
    expect(anon.status).toBe(401);
  });
});
