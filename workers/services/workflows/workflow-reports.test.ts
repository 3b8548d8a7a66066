// Evaluation reports (workflow-reports.ts) against a real database: a one-event report costs
// BEGIN, three statements and COMMIT (every round trip delays the run's claim, issue #21), and
// a batch over several repositories numbers, plans and posts each run in its own repository.
import { describe, expect, it } from 'vitest';
import { BACKENDS, recordStatements, useTestDatabase } from '../../../test/helpers/databases';
import type { Env } from '../../env';
import { latestStatuses } from '../../../db/queries/commit-statuses';
import { insertRepo } from '../../../db/queries/repositories';
import { insertRun, listSteps, type RunRow } from '../../../db/queries/runs';
import { createUserWithWallet } from '../../../db/queries/users';
import {
  claimEventAndSiblings,
  findEvent,
  insertEvents,
  type EventRow,
} from '../../../db/queries/workflow-events';
import { listWorkflows, replaceWorkflows } from '../../../db/queries/workflows';
import { reportEvaluations, type BatchReport } from './workflow-reports';

// No claims bell here: ringClaims never fails its caller.
const env = {} as unknown as Env;
const ORIGIN = 'https://plue.test';
const FILE = '.plue/workflows/ci.py';
let n = 0;

/** A workflow that matched, with steps `ids` (each after the one before). */
const workflow = (name: string, ids: string[]) => ({
  name,
  line: 3,
  triggers: [{ type: 'push' }],
  matched: true,
  steps: ids.map((id, i) => ({
    id,
    name: id,
    type: 'run',
    cmd: `echo ${id}`,
    ...(i > 0 ? { depends_on: [ids[i - 1]] } : {}),
  })),
});

describe.each(BACKENDS)('evaluation reports on %s', (kind) => {
  const db = useTestDatabase(kind);

  /** A fresh repository with a claimed push event on each of `refs` at `sha`. */
  async function claimed(refs: string[], sha: string) {
    n += 1;
    const login = `report${n}${Math.random().toString(36).slice(2, 6)}`;
    const u = await createUserWithWallet(db, login, '0x' + String(8000 + n).padStart(40, '0'));
    const repo = await insertRepo(db, {
      ownerId: u.id,
      name: 'r',
      description: '',
      private: false,
      defaultBranch: 'main',
    });
    if (!repo) throw new Error('no repo');
    await insertEvents(
      db,
      refs.map((ref) => ({
        repoId: repo.id,
        type: 'push',
        ref,
        beforeSha: null,
        afterSha: sha,
        actorId: u.id,
      })),
    );
    const lease = { seconds: 30, siblingSeconds: 30, now: new Date() };
    const got = await claimEventAndSiblings(db, 'ctl', lease, {
      repoOwner: login,
      siblings: 100,
    });
    if (!got) throw new Error('nothing claimed');
    const events = [got.event, ...got.siblings].sort((a, b) => a.ref.localeCompare(b.ref));
    return { login, userId: u.id, repo, events };
  }

  const reportOf = (e: EventRow, files: BatchReport['files']): BatchReport => ({
    event_id: e.id,
    lease_owner: 'ctl',
    lease_epoch: e.lease_epoch,
    sha: e.after_sha,
    files,
  });

  it('records a one-event report in BEGIN, three statements and COMMIT', async () => {
    const sha = 'c'.repeat(40);
    const { repo, events, userId } = await claimed(['refs/heads/main'], sha);
    const [event] = events;
    if (!event) throw new Error('no event');
    const c = recordStatements(db, { words: 3 });
    const files = [{ file: FILE, workflows: [workflow('ci', ['say'])] }];
    const [outcome] = await reportEvaluations(
      c.db,
      env,
      [reportOf(event, files)],
      ORIGIN,
      new Date(),
    );
    expect(c.statements).toEqual([
      'BEGIN',
      'WITH done AS',
      'WITH given AS',
      'WITH given AS',
      'COMMIT',
    ]);
    // Same results as before: the event done, the run queued with its step and pending status,
    // the default branch's workflow list recorded.
    if (!outcome || !('runs' in outcome)) throw new Error('report refused');
    const [run] = outcome.runs;
    expect(run).toMatchObject({ workflow_name: 'ci', run_number: 1, status: 'queued' });
    expect((await findEvent(db, event.id))?.status).toBe('done');
    expect((await listSteps(db, run?.id ?? '')).map((s) => s.step_id)).toEqual(['say']);
    const statuses = await latestStatuses(db, repo.id, sha);
    expect(statuses.map((s) => [s.context, s.state, s.description, s.target_url])).toEqual([
      ['plue/ci', 'pending', 'Queued', `${ORIGIN}/${repo.owner_login}/r/actions/runs/${run?.id}`],
    ]);
    expect(statuses[0]?.creator_id).toBe(userId);
    const listed = await listWorkflows(db, repo.id);
    expect(listed.map((w) => [w.file, w.name, w.head_sha])).toEqual([[FILE, 'ci', sha]]);

    // A second report of that event is refused and writes nothing (one statement, no runs).
    const again = recordStatements(db, { words: 3 });
    const [refused] = await reportEvaluations(
      again.db,
      env,
      [reportOf(event, files)],
      ORIGIN,
      new Date(),
    );
    expect(refused).toMatchObject({ error: { code: 'lease_lost' } });
    expect(again.statements).toEqual(['BEGIN', 'WITH done AS', 'COMMIT']);
  });

  it('numbers, plans and posts the runs of a batch over several repositories', async () => {
    const shaA = 'd'.repeat(40);
    const shaB = 'e'.repeat(40);
    const a = await claimed(['refs/heads/feature', 'refs/heads/main'], shaA);
    const b = await claimed(['refs/heads/main'], shaB);
    const [aFeature, aMain] = a.events;
    const [bMain] = b.events;
    if (!aFeature || !aMain || !bMain) throw new Error('events missing');
    // b already has run 1, and a workflow its new list drops.
    await insertRun(db, {
      repoId: b.repo.id,
      workflowName: 'earlier',
      workflowFile: FILE,
      event: 'push',
      headSha: shaB,
      headBranch: 'main',
      plan: null,
      tokenHash: 'f'.repeat(64),
      steps: [],
    });
    const stale = { file: '.plue/workflows/old.py', name: 'old', line: 1, triggers: [] };
    await replaceWorkflows(db, b.repo.id, shaB, [{ ...stale, error: null }], new Date());

    const filesA = [
      { file: FILE, workflows: [workflow('build', ['compile', 'link']), workflow('lint', ['l'])] },
    ];
    const filesB = [{ file: FILE, workflows: [workflow('test', ['unit', 'e2e', 'report'])] }];
    const c = recordStatements(db, { words: 3 });
    const outcomes = await reportEvaluations(
      c.db,
      env,
      // Repositories interleaved: each one's runs are numbered in the order given.
      [reportOf(aFeature, filesA), reportOf(bMain, filesB), reportOf(aMain, filesA)],
      ORIGIN,
      new Date(),
    );
    // Two default branches' lists, five runs: still three statements.
    expect(c.statements).toHaveLength(5);
    const runsOf = (i: number): RunRow[] => {
      const o = outcomes[i];
      if (!o || !('runs' in o)) throw new Error(`report ${i} refused`);
      return o.runs;
    };
    const runs = [0, 1, 2].flatMap(runsOf);
    expect(runs.map((r) => [r.repo_id, r.head_branch, r.workflow_name, r.run_number])).toEqual([
      [a.repo.id, 'feature', 'build', 1],
      [a.repo.id, 'feature', 'lint', 2],
      [b.repo.id, 'main', 'test', 2],
      [a.repo.id, 'main', 'build', 3],
      [a.repo.id, 'main', 'lint', 4],
    ]);
    const origins = await db.query<{ id: string; event_id: string }>(
      `SELECT id::text AS id, event_id::text AS event_id FROM workflow_runs
        WHERE id = ANY($1::bigint[]) ORDER BY id`,
      [runs.map((r) => r.id)],
    );
    const eventOf = new Map(origins.map((o) => [o.id, o.event_id]));
    expect(runs.map((r) => eventOf.get(r.id))).toEqual([
      aFeature.id,
      aFeature.id,
      bMain.id,
      aMain.id,
      aMain.id,
    ]);
    const plans: Record<string, string[]> = {
      build: ['compile', 'link'],
      lint: ['l'],
      test: ['unit', 'e2e', 'report'],
    };
    for (const r of runs) {
      const steps = await listSteps(db, r.id);
      const want = plans[r.workflow_name] ?? [];
      expect(steps.map((s) => [s.step_id, s.position])).toEqual(want.map((id, i) => [id, i]));
      expect(steps.map((s) => s.depends_on)).toEqual(want.map((_, i) => want.slice(i - 1, i)));
    }
    // One pending status per run, on its repository and commit, pointing at that run.
    for (const [repo, sha, user] of [
      [a.repo, shaA, a.userId],
      [b.repo, shaB, b.userId],
    ] as const) {
      const posted = await db.query<Record<string, string>>(
        `SELECT sha, state, context, target_url, creator_id::text AS creator_id
           FROM commit_statuses WHERE repo_id = $1 ORDER BY id`,
        [repo.id],
      );
      expect(posted).toEqual(
        runs
          .filter((r) => r.repo_id === repo.id)
          .map((r) => ({
            sha,
            state: 'pending',
            context: `plue/${r.workflow_name}`,
            target_url: `${ORIGIN}/${repo.owner_login}/r/actions/runs/${r.id}`,
            creator_id: user,
          })),
      );
    }
    // Each default branch's list replaced: b's stale workflow is gone.
    const listOf = async (repoId: string) =>
      (await listWorkflows(db, repoId)).map((w) => [w.name, w.head_sha]);
    expect(await listOf(a.repo.id)).toEqual([
      ['build', shaA],
      ['lint', shaA],
    ]);
    expect(await listOf(b.repo.id)).toEqual([['test', shaB]]);
  });
});
