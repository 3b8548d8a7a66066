/**
 * The Worker's own schedule ends lost runs with no runner controller anywhere: a run claimed
 * by a controller that then vanished is requeued, and lost again, failed ("runner lost"), by
 * nothing but the schedule ticker that `npm start` runs every minute (wrangler dev fires no
 * Cron Triggers). The ticker here ticks every second; nothing else claims or sweeps.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { startScheduleTicker, type Ticker } from '../../scripts/schedule-ticker';
import { signUp } from '../../scripts/clients/auth';
import { GitSandbox } from '../helpers/git';
import { CONTROLLER, makeRun } from '../../scripts/clients/run-stream-client';
import { DEV_SECRET, outputOf, poll, pushRepo, testController } from './workflows-client';

const base = inject('baseUrl');

interface RunJson {
  status: string;
  conclusion: string | null;
  run_attempt: number;
}

describe('the schedule under npm start', () => {
  let ticker: Ticker | undefined;
  let controller: Controller | undefined;
  const g = new GitSandbox();
  afterAll(async () => {
    ticker?.stop();
    await controller?.stop({ abandon: true });
    g.cleanup();
  });

  const claim = async (repoOwner: string) => {
    const res = await fetch(`${base}/internal/controller/runs/claim`, {
      method: 'POST',
      headers: { ...CONTROLLER, 'content-type': 'application/json' },
      body: JSON.stringify({
        owner: 'vanishing-controller',
        lease_seconds: 2,
        repo_owner: repoOwner,
      }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { run: { id: number; attempt: number } };
  };

  it("the Worker's scheduled handler itself sweeps too (wrangler's local trigger)", async () => {
    const run = await makeRun(base, { steps: ['build'] });
    const claimed = await claim(run.owner.user.login);
    expect(claimed.run.id).toBe(run.runId);
    // The scheduled handler (as Cloudflare's Cron Trigger calls it), fired through wrangler's
    // local endpoint until the expired lease has been swept.
    await poll(async () => {
      const fired = await fetch(`${base}/cdn-cgi/local/scheduled?cron=*+*+*+*+*`);
      expect(fired.status).toBe(200);
      await fired.body?.cancel();
      const res = await fetch(run.api, { headers: { cookie: run.owner.cookie } });
      const v = (await res.json()) as RunJson;
      return v.status === 'queued' ? v : undefined;
    }, 30_000);
  });

  it('refuses the tick without the controller credential', async () => {
    const res = await fetch(`${base}/internal/controller/tick`, { method: 'POST' });
    expect(res.status).toBe(401);
  });

  it('requeues, then fails, a run whose controller vanished, with no controller running', async () => {
    const run = await makeRun(base, { steps: ['build'] });
    const view = async () => {
      const res = await fetch(run.api, { headers: { cookie: run.owner.cookie } });
      return (await res.json()) as RunJson;
    };
    const ticks: Array<Record<string, unknown>> = [];
    const errors: string[] = [];
    ticker = startScheduleTicker({
      url: base,
      secret: DEV_SECRET,
      intervalMs: 1000,
      onTick: (r) => ticks.push(r),
      onError: (m) => errors.push(m),
    });

    const first = await claim(run.owner.user.login);
    expect(first.run.id).toBe(run.runId);
    expect((await view()).status).toBe('in_progress');
    // The lease (2 s) runs out; only the ticker can notice.
    await poll(async () => ((await view()).status === 'queued' ? true : undefined), 30_000);

    const second = await claim(run.owner.user.login);
    expect(second.run).toMatchObject({ id: run.runId, attempt: 2 });
    const done = await poll(async () => {
      const v = await view();
      return v.status === 'completed' ? v : undefined;
    }, 30_000);
    expect(done).toMatchObject({ conclusion: 'failure', run_attempt: 2 });
    expect(errors).toEqual([]);
    expect(ticks.length).toBeGreaterThan(0);
    expect(ticks[0]).toMatchObject({
      recorded: expect.any(Number),
      requeued: expect.any(Number),
      lost: expect.any(Number),
    });
  });

  it('fires a scheduled workflow through the ticker', async () => {
    const owner = await signUp(base);
    const token = await owner.token(['repo:read', 'repo:write', 'admin']);
    controller = await testController(base, owner);
    const { repo, sha } = await pushRepo(base, g, owner, token, 'every-minute', {
      '.plue/workflows/nightly.py': `from plue import workflow, schedule

@workflow(triggers=[schedule(cron="* * * * *")])
def tick(ctx):
    ctx.run(name="say", cmd="echo scheduled run")
`,
    });
    // The push is evaluated first (that is how the Worker learns the schedule); then the
    // ticker's schedule event of the current minute starts a run at the pushed commit.
    ticker ??= startScheduleTicker({ url: base, secret: DEV_SECRET, intervalMs: 1000 });
    const [run] = await repo.waitForRuns(sha, 1, 90_000);
    expect(run).toMatchObject({ event: 'schedule', head_sha: sha });
    const done = await repo.waitForRun(run?.id ?? 0);
    expect(done.conclusion).toBe('success');
    expect(outputOf(await repo.stream(done.id))).toContain('scheduled run');
  });
});
