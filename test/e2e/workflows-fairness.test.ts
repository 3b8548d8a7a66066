/**
 * Fair queues (issue #21): a real git push creating 1,000 branches (FAIRNESS_BRANCHES) at one
 * commit queues 1,001 push events in one repository. They are claimed together (one claim takes
 * the push events at one commit), the workflow file is evaluated once for all of them (one
 * evaluator sandbox, counted here) and they are reported in batches of up to 200 events a request.
 * While that claim is being handled (its evaluation is held here until the test lets it go), the
 * controller's second event lane takes another repository's push: its run completes before a
 * single run of the flood exists. The flood's 1,001 runs then queue; a push to a third repository
 * is claimed in its turn (round-robin by repository, db/queries/claim-oldest.ts), so its run's
 * first log line arrives while the flood's runs have hardly started. The test asserts counts and
 * order, not wall time; it prints how long the flood's reports took, and `npm run bench --
 * workflows` times the rest.
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

/**
 * A backend that counts the workflow evaluations it runs (one per file and claim); with `hold`
 * set, the next evaluation waits until the test lets it go.
 */
class CountingBackend implements SandboxBackend {
  evaluations = 0;
  hold: { reached: () => void; go: Promise<void> } | undefined;
  constructor(private readonly inner: SandboxBackend) {}
  get name(): string {
    return this.inner.name;
  }
  check(): Promise<{ ok: boolean; detail: string }> {
    return this.inner.check();
  }
  async run(spec: RunSpec): Promise<RunResult> {
    if (spec.cmd.includes('plue.evaluate')) {
      this.evaluations++;
      const hold = this.hold;
      this.hold = undefined;
      hold?.reached();
      await hold?.go;
    }
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
    let reached = () => undefined as void;
    let go = () => undefined as void;
    counting.hold = {
      reached: () => reached(),
      go: new Promise<void>((resolve) => (go = resolve)),
    };
    const held = new Promise<void>((resolve) => (reached = resolve));
    const marks = new Map<string, number>();
    const trace = (mark: string, id: number) => marks.set(`${mark}:${id}`, Date.now());
    controller = await testController(base, alice, { concurrency: 2, backend: counting, trace });
    // The flood's claim (all 1,001 events) is in evaluation, held there.
    await held;
    const runs = `/actions/runs?per_page=1`;
    const busy = await pushRepo(base, g, alice, token, 'busy', {
      '.plue/workflows/ci.py': workflow('busy'),
    });
    const [first] = await busy.repo.waitForRuns(busy.sha, 1, 90_000);
    if (!first) throw new Error('no run for the busy repository');
    expect((await busy.repo.waitForRun(first.id)).conclusion).toBe('success');
    expect(outputOf(await busy.repo.stream(first.id))).toContain('busy says hi');
    // Handled beside the flood's claim, which has not reported a single event yet.
    expect((await flood.repo.get<{ total_count: number }>(runs)).total_count).toBe(0);
    expect(counting.evaluations).toBe(2);

    go();
    // Every event of the flood is evaluated (a run each), by one evaluation of its one file.
    await poll(async () => {
      const r = await flood.repo.get<{ total_count: number }>(runs);
      return r.total_count >= BRANCHES + 1 ? r : undefined;
    }, 240_000);
    expect(counting.evaluations).toBe(2);
    // The flood's claim was the first; how long its reports took (printed, not asserted).
    const id = [...marks.keys()].find((k) => k.startsWith('event_claimed:'))?.split(':')[1];
    const reported = await poll(async () => marks.get(`event_reported:${id}`), 30_000);
    const evaluated = marks.get(`event_evaluated:${id}`) ?? reported;
    console.log(`fairness: ${BRANCHES + 1} events reported in ${reported - evaluated} ms`);

    const completed = `${runs}&status=completed`;
    const before = await flood.repo.get<{ total_count: number }>(completed);
    const calm = await pushRepo(base, g, alice, token, 'calm', {
      '.plue/workflows/ci.py': workflow('calm'),
    });
    const [run] = await calm.repo.waitForRuns(calm.sha, 1, 90_000);
    if (!run) throw new Error('no run for the calm repository');
    const events = await calm.repo.stream(run.id, (ev) => outputOf(ev).includes('calm says hi'));
    expect(outputOf(events)).toContain('calm says hi');
    expect(counting.evaluations).toBe(3);

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
