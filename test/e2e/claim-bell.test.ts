/**
 * The claims doorbell (issue #21; workers/services/runs/claim-wait.ts): a held claim sleeps on
 * the ClaimBell Durable Object instead of reading the queue every 100 ms. A push rings it and the
 * held claim answers READY; work nobody rang for (a lease that simply expired) is still found by
 * the claim's slow fallback look; and an idle held claim reads the queue a handful of times, not
 * ten times a second (the Worker says how often in `X-Plue-Claim-Looks`). Assertions are on
 * answers and counts, not wall time; the elapsed times are printed for the record.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { CLAIM_READY, ControllerApi } from '../../runner-controller/controller/api';
import { GitSandbox } from '../helpers/git';
import { DEV_SECRET, pushRepo } from './workflows-client';

const base = inject('baseUrl');

const workflow = `from plue import workflow, push

@workflow(triggers=[push()])
def ci(ctx):
    ctx.run(name="say", cmd="echo hi")
`;

interface Held {
  status: number;
  body: unknown;
  looks: number;
  ms: number;
}

/** A claim held by the Worker for up to `seconds`, as a controller long-polls. */
async function held(
  queue: 'events' | 'runs',
  repoOwner: string,
  seconds: number,
  lease = 60,
): Promise<Held> {
  const t0 = performance.now();
  const res = await fetch(`${base}/internal/controller/${queue}/claim`, {
    method: 'POST',
    headers: { 'X-Plue-Controller-Secret': DEV_SECRET, 'content-type': 'application/json' },
    body: JSON.stringify({
      owner: 'bell-test',
      lease_seconds: lease,
      repo_owner: repoOwner,
      wait_seconds: seconds,
    }),
  });
  const body: unknown = res.status === 204 ? undefined : await res.json();
  const looks = Number(res.headers.get('X-Plue-Claim-Looks'));
  return { status: res.status, body, looks, ms: Math.round(performance.now() - t0) };
}

describe('claims doorbell', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  let api: ControllerApi;

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write', 'admin']);
    api = new ControllerApi({ baseUrl: base, secret: DEV_SECRET, repoOwner: alice.user.login });
  });
  afterAll(() => g.cleanup());

  it('a push rings a held claim awake: it answers READY and claims nothing', async () => {
    const waiting = held('events', alice.user.login, 20);
    const pushed = await pushRepo(base, g, alice, token, 'rung', {
      '.plue/workflows/ci.py': workflow,
    });
    const answer = await waiting;
    console.log(`held event claim: READY after ${answer.ms} ms, ${answer.looks} look(s)`);
    expect(answer).toMatchObject({ status: 200, body: { ready: true } });
    const ev = await api.claimEvent('bell-test', 60);
    if (!ev || ev === CLAIM_READY) throw new Error('the event was not there to claim');
    expect(ev.event).toMatchObject({ sha: pushed.sha });
    await api.failEvent(ev.event.id, ev.lease, 'not evaluated in this test');
  });

  it('an expired lease, which nothing rings for, is found by the fallback look', async () => {
    await pushRepo(base, g, alice, token, 'expiring', { '.plue/workflows/ci.py': workflow });
    // A controller claims the event for 2 s and is never heard of again.
    const lost = await api.claimEvent('bell-crashed', 2);
    if (!lost || lost === CLAIM_READY) throw new Error('the event was not there to claim');
    const answer = await held('events', alice.user.login, 20);
    console.log(`held event claim: READY after ${answer.ms} ms, ${answer.looks} look(s)`);
    expect(answer).toMatchObject({ status: 200, body: { ready: true } });
    // Asking again sweeps the lease and claims the event under a new lease.
    const again = await api.claimEvent('bell-test', 60);
    if (!again || again === CLAIM_READY) throw new Error('the event was not requeued');
    expect(again.event.id).toBe(lost.event.id);
    expect(Number(again.lease.epoch)).toBeGreaterThan(Number(lost.lease.epoch));
    await api.failEvent(again.event.id, again.lease, 'not evaluated in this test');
  });

  it('an idle held claim reads the queue a few times, not every 100 ms', async () => {
    const nobody = await signUp(base);
    const answer = await held('runs', nobody.user.login, 12);
    console.log(`idle held run claim: 204 after ${answer.ms} ms, ${answer.looks} look(s)`);
    expect(answer.status).toBe(204);
    // 2 fallback looks in 12 s; rings for other tests' work add one each. The 100-ms poll made ~120.
    expect(answer.looks).toBeGreaterThanOrEqual(1);
    expect(answer.looks).toBeLessThan(12);
  });
});
