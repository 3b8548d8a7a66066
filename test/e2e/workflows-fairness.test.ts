/**
 * Fair queues (issue #21): a real git push creating 1,000 branches (FAIRNESS_BRANCHES) at one commit queues 1,001
 * push events in one repository. They are claimed together (one claim takes the push events at
 * one commit) and the workflow file is evaluated once for all of them: one evaluator sandbox,
 * counted here. Their 1,001 runs then queue; a push to another repository afterwards is claimed
 * in its turn (round-robin by repository, db/queries/claim-oldest.ts), so its run's first log
 * line arrives while the flood's runs have hardly started. The test asserts counts and order
 * (how little of the flood ran first), not wall time; `npm run bench -- workflows` times it.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { CLAIM_READY, ControllerApi } from '../../runner-controller/controller/api';
import { handleEvent } from '../../runner-controller/controller/handle-event';
import { selectBackend } from '../../runner-controller/sandbox/select';
import type { RunResult, RunSpec, SandboxBackend } from '../../runner-controller/sandbox/types';
import { DEV_SECRET, outputOf, poll, pushRepo, testController } from './workflows-client';

/** A backend that counts the workflow evaluations it runs (one per file and claim). */
class CountingBackend implements SandboxBackend {
  evaluations = 0;
  constructor(private readonly inner: SandboxBackend) {}
  get name(): string {
    return this.inner.name;
  }
  check(): Promise<{ ok: boolean; detail: string }> {
    return this.inner.check();
  }
  run(spec: RunSpec): Promise<RunResult> {
    if (spec.cmd.includes('plue.evaluate')) this.evaluations++;
    return this.inner.run(spec);
  }
}

const base = inject('baseUrl');
// 10,000 in the database test (db/fair-claims.test.ts); a real push of 10,000 refs takes minutes here.
const BRANCHES = Number(process.env.FAIRNESS_BRANCHES ?? 1000);

const workflow = (word: string) => `from plue import workflow, push

@workflow(triggers=[push()])
def ci(ctx):
    ctx.run(name="say", cmd="echo ${word} says hi")
`;

describe('fair queues', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  let controller: Controller | undefined;

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write', 'admin']);
  });
  afterAll(async () => {
    await controller?.stop({ abandon: true });
    g.cleanup();
  });

  it('a push of many branches does not hold back the next repository', async () => {
    const flood = await pushRepo(base, g, alice, token, 'flood', {
      '.plue/workflows/ci.py': workflow('flood'),
    });
    const refs = Array.from(
      { length: BRANCHES },
      (_, i) => `create refs/heads/f${String(i).padStart(5, '0')} ${flood.sha}\n`,
    ).join('');
    execFileSync('git', ['update-ref', '--stdin'], { cwd: flood.dir, input: refs });
    const url = remoteUrl(base, alice.user.login, 'flood', token);
    const pushed = await g.git(flood.dir, ['push', '-q', url, 'refs/heads/f*:refs/heads/f*'], {
      timeoutMs: 240_000,
    });
    expect(pushed.code, pushed.stderr).toBe(0);
    const heads = await g.ok(flood.dir, ['ls-remote', '--heads', url]);
    expect(heads.trim().split('\n')).toHaveLength(BRANCHES + 1);

    const counting = new CountingBackend((await selectBackend()).backend);
    controller = await testController(base, alice, { concurrency: 2, backend: counting });
    // Every event of the flood is evaluated (a run each), by one evaluation of its one file.
    const runs = `/actions/runs?per_page=1`;
    await poll(async () => {
      const r = await flood.repo.get<{ total_count: number }>(runs);
      return r.total_count >= BRANCHES + 1 ? r : undefined;
    }, 240_000);
    expect(counting.evaluations).toBe(1);

    const completed = `${runs}&status=completed`;
    const before = await flood.repo.get<{ total_count: number }>(completed);
    const calm = await pushRepo(base, g, alice, token, 'calm', {
      '.plue/workflows/ci.py': workflow('calm'),
    });
    const [run] = await calm.repo.waitForRuns(calm.sha, 1, 90_000);
    if (!run) throw new Error('no run for the calm repository');
    const events = await calm.repo.stream(run.id, (ev) => outputOf(ev).includes('calm says hi'));
    expect(outputOf(events)).toContain('calm says hi');
    expect(counting.evaluations).toBe(2);

    // Meanwhile the flood's runs had only a few turns: nowhere near the 1,000 still queued.
    const after = await flood.repo.get<{ total_count: number }>(completed);
    expect(after.total_count - before.total_count).toBeLessThan(20);
    // Settled before the controller goes, so no claim of the next test finds it requeued.
    await calm.repo.waitForRun(run.id);
    await controller.stop({ abandon: true });
    controller = undefined;
    // The flood's pending events go with its repository.
    const gone = await fetch(flood.repo.api, {
      method: 'DELETE',
      headers: flood.repo.headers,
    });
    expect(gone.status).toBe(204);
  }, 480_000);

  it('a claim held by the Worker says when work is ready and claims nothing; asking again claims it', async () => {
    const api = new ControllerApi({
      baseUrl: base,
      secret: DEV_SECRET,
      repoOwner: alice.user.login,
    });
    const { backend } = await selectBackend();
    // Both claims are asked before anything is queued; the Worker holds them.
    const eventClaim = api.claimEvent('waiter', 60, { seconds: 20 });
    const runClaim = api.claimRun('waiter', 60, { seconds: 20 });
    const pushed = await pushRepo(base, g, alice, token, 'waited', {
      '.plue/workflows/ci.py': workflow('waited'),
    });
    expect(await eventClaim).toBe(CLAIM_READY);
    const ev = await api.claimEvent('waiter', 60);
    if (!ev || ev === CLAIM_READY) throw new Error('the event was not there to claim');
    expect(ev.event).toMatchObject({
      sha: pushed.sha,
      repo: { full_name: `${alice.user.login}/waited` },
    });
    await handleEvent({ api, backend, log: () => undefined }, ev);
    expect(await runClaim).toBe(CLAIM_READY);
    const run = await api.claimRun('waiter', 60);
    if (!run || run === CLAIM_READY) throw new Error('the run was not there to claim');
    expect(run.run).toMatchObject({ head_sha: pushed.sha, workflow_name: 'ci', attempt: 1 });
    await api.complete(run.run.id, run.lease, { conclusion: 'cancelled' });
    // Nothing queued: a held claim ends empty (204) after its wait.
    expect(await api.claimRun('waiter', 60, { seconds: 1 })).toBeUndefined();
  }, 120_000);
});
