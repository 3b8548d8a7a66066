/**
 * Batched evaluation reports (issue #21): the events of one push at one commit are claimed
 * together and reported in one request (POST /internal/controller/events/evaluations), each
 * still fenced by its own lease: a stale lease refuses that event only. A batch that carries a
 * run claim brings back a run claimed for the controller, whose token appends to the run's log.
 * Oversized batches are refused before anything is recorded. A controller never runs more than
 * its concurrency, counting the run a report's claim may bring.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import {
  CLAIM_READY,
  ControllerApi,
  CONTROLLER_SECRET_HEADER,
  type BatchReport,
  type ClaimedEvent,
} from '../../runner-controller/controller/api';
import type { Controller } from '../../runner-controller/controller/controller';
import { LocalBackend } from '../../runner-controller/sandbox/local';
import type { RunResult, RunSpec } from '../../runner-controller/sandbox/types';
import { DEV_SECRET, pushRepo, testController, type WorkflowRepo } from './workflows-client';

const base = inject('baseUrl');
const FILE = '.plue/workflows/ci.py';

/** What the evaluator reports for a file with one matched workflow of one step. */
const evaluated = [
  {
    file: FILE,
    workflows: [
      {
        name: 'ci',
        line: 3,
        triggers: [{ type: 'push' }],
        matched: true,
        steps: [{ id: 'say', name: 'say', type: 'run', cmd: 'echo hi' }],
      },
    ],
  },
];

const reportOf = (c: Pick<ClaimedEvent, 'event' | 'lease'>, sha: string): BatchReport => ({
  event_id: c.event.id,
  lease_owner: c.lease.owner,
  lease_epoch: c.lease.epoch,
  sha,
  files: evaluated,
});

const post = (path: string, body: string) =>
  fetch(`${base}/internal/controller${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [CONTROLLER_SECRET_HEADER]: DEV_SECRET },
    body,
  });

describe('batched evaluation reports', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  let api: ControllerApi;
  const repos: WorkflowRepo[] = [];

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write', 'admin']);
    api = new ControllerApi({ baseUrl: base, secret: DEV_SECRET, repoOwner: alice.user.login });
  });
  afterAll(async () => {
    for (const r of repos) await fetch(r.api, { method: 'DELETE', headers: r.headers });
    g.cleanup();
  });

  it('records a push’s events in one request, refuses a stale lease alone, hands a run', async () => {
    const pushed = await pushRepo(base, g, alice, token, 'batch', {
      [FILE]: 'from plue import workflow, push\n',
    });
    repos.push(pushed.repo);
    const branches = Array.from({ length: 5 }, (_, i) => `create refs/heads/b${i} ${pushed.sha}\n`);
    execFileSync('git', ['update-ref', '--stdin'], { cwd: pushed.dir, input: branches.join('') });
    const url = remoteUrl(base, alice.user.login, 'batch', token);
    await g.ok(pushed.dir, ['push', '-q', url, 'refs/heads/b*:refs/heads/b*']);

    // main's push event, with the five branches' events at the same commit as its siblings.
    const ev = await api.claimEvent('batcher', 60);
    if (!ev || ev === CLAIM_READY) throw new Error('no event to claim');
    expect(ev.siblings).toHaveLength(5);
    const all = [ev, ...(ev.siblings ?? [])];
    const reports = all.map((c) => reportOf(c, pushed.sha));
    // A report under an older lease epoch (as a controller whose claim was swept would send).
    const stale = { ...reports[2], lease_epoch: String(Number(ev.lease.epoch) - 1) } as BatchReport;
    reports[2] = stale;

    const answer = await api.reportEvaluations(reports, api.runClaim('batcher', 60));
    expect(answer.results.map((r) => r.event_id)).toEqual(all.map((c) => c.event.id));
    expect(answer.results[2]?.error?.code).toBe('lease_lost');
    const recorded = answer.results.filter((r) => r.runs);
    expect(recorded).toHaveLength(5);
    for (const r of recorded) expect(r.runs?.map((x) => x.name)).toEqual(['ci']);
    expect(await pushed.repo.runsOf(pushed.sha)).toHaveLength(5);
    const status = await pushed.repo.get<{ state: string; statuses: { context: string }[] }>(
      `/commits/${pushed.sha}/status`,
    );
    expect(status).toMatchObject({ state: 'pending', statuses: [{ context: 'plue/ci' }] });

    // The claim in the answer: one of those runs, with a token that appends to its log.
    const claimed = answer.run;
    if (!claimed) throw new Error('the answer brought no run');
    const created = recorded.flatMap((r) => r.runs?.map((x) => x.id) ?? []);
    expect(created).toContain(claimed.run.id);
    expect(claimed.repo.full_name).toBe(`${alice.user.login}/batch`);
    const next = await api.postEvents(claimed.run.id, claimed.token, [
      { event: 'run_started', data: { workflow: 'ci', steps: [] } },
    ]);
    expect(next).toBeTypeOf('object');
    await api.complete(claimed.run.id, claimed.lease, { conclusion: 'cancelled' });

    // The refused event is still its holder's: its own report (the single-event route) counts.
    const one = all[2] as ClaimedEvent;
    await api.reportEvaluation(one.event.id, one.lease, pushed.sha, evaluated);
    const runs = await pushed.repo.runsOf(pushed.sha);
    // One run number each, taken in turn from the repository's counter.
    const numbers = runs.map((r) => (r as { run_number?: number }).run_number).sort();
    expect(numbers).toEqual([1, 2, 3, 4, 5, 6]);
    // Reported again, every event is refused: nothing is created twice.
    const again = await api.reportEvaluations(all.map((c) => reportOf(c, pushed.sha)));
    expect(again.results.every((r) => r.error?.code === 'lease_lost')).toBe(true);
    expect(again.run).toBeUndefined();
    expect(await pushed.repo.runsOf(pushed.sha)).toHaveLength(6);
  });

  it('refuses batches over 200 reports or 8 MiB, before recording any', async () => {
    const report = {
      event_id: 1,
      lease_owner: 'c1',
      lease_epoch: 1,
      sha: 'ab'.repeat(20),
      files: [],
    };
    const many = await post(
      '/events/evaluations',
      JSON.stringify({ reports: Array(201).fill(report) }),
    );
    expect(many.status).toBe(400);
    expect(await many.json()).toMatchObject({ error: { code: 'reports_invalid' } });
    const none = await post('/events/evaluations', JSON.stringify({ reports: [] }));
    expect(none.status).toBe(400);
    const big = { reports: [{ ...report, files: [{ file: 'a.py', log: 'x'.repeat(9 << 20) }] }] };
    const large = await post('/events/evaluations', JSON.stringify(big));
    expect(large.status).toBe(413);
    const claim = await post(
      '/events/evaluations',
      JSON.stringify({ reports: [report], claim: { owner: 'not a controller id!' } }),
    );
    expect(claim.status).toBe(400);
    expect(await claim.json()).toMatchObject({ error: { code: 'claim_invalid' } });
  });

  it('never runs more than its concurrency, counting the slot a report’s claim holds', async () => {
    // One step that takes a while, counted while it runs.
    const local = new LocalBackend();
    let now = 0;
    let peak = 0;
    const backend = Object.assign(Object.create(local) as LocalBackend, {
      run: async (spec: RunSpec): Promise<RunResult> => {
        const step = spec.cmd.includes('sleep 0.4');
        if (step) peak = Math.max(peak, ++now);
        try {
          return await local.run(spec);
        } finally {
          if (step) now--;
        }
      },
    });
    const pushed = await pushRepo(base, g, alice, token, 'slots', {
      [FILE]: `from plue import workflow, push

@workflow(triggers=[push()])
def ci(ctx):
    ctx.run(name="wait", cmd="sleep 0.4 && echo done")
`,
    });
    repos.push(pushed.repo);
    let controller: Controller | undefined;
    try {
      controller = await testController(base, alice, { concurrency: 1, backend });
      const [first] = await pushed.repo.waitForRuns(pushed.sha, 1);
      await pushed.repo.waitForRun(first?.id ?? 0);
      // Three more events at one commit: one report queues three runs and claims one of them,
      // while the run loop is waiting for a free slot.
      const branches = Array.from(
        { length: 3 },
        (_, i) => `create refs/heads/s${i} ${pushed.sha}\n`,
      );
      execFileSync('git', ['update-ref', '--stdin'], { cwd: pushed.dir, input: branches.join('') });
      const url = remoteUrl(base, alice.user.login, 'slots', token);
      await g.ok(pushed.dir, ['push', '-q', url, 'refs/heads/s*:refs/heads/s*']);
      const runs = await pushed.repo.waitForRuns(pushed.sha, 4);
      for (const r of runs) await pushed.repo.waitForRun(r.id);
      expect(peak).toBe(1);
    } finally {
      await controller?.stop({ abandon: true });
      local.close();
    }
  });
});
