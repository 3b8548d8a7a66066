// Batched evaluation reports (issue #21) at the query layer: concurrent claims never split the
// events of one push; many events finish in one statement, each fenced by its own lease; runs
// and statuses of many events are inserted at once with their run numbers, steps and origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../test/helpers/databases';
import type { Db } from './client';
import { latestStatuses } from './queries/commit-statuses';
import { insertRepo } from './queries/repositories';
import { insertRuns, insertStatuses, type NewBatchRun } from './queries/run-batch';
import { insertRun, listSteps } from './queries/runs';
import { createUserWithWallet } from './queries/users';
import {
  claimEventAndSiblings,
  findEvent,
  finishEvents,
  insertEvents,
} from './queries/workflow-events';

const SHA = 'a'.repeat(40);
let n = 0;

async function makeRepo(db: Db): Promise<{ login: string; userId: string; repoId: string }> {
  n += 1;
  const login = `batch${n}${Math.random().toString(36).slice(2, 6)}`;
  const u = await createUserWithWallet(db, login, '0x' + String(3000 + n).padStart(40, '0'));
  const r = await insertRepo(db, {
    ownerId: u.id,
    name: 'r',
    description: '',
    private: false,
    defaultBranch: 'main',
  });
  if (!r) throw new Error('repo not created');
  return { login, userId: u.id, repoId: r.id };
}

describe.each(BACKENDS)('batched reports on %s', (kind) => {
  let tdb: TestDatabase;
  let db: Db;
  let handles: Db[] = [];
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    db = tdb.open();
    handles = [db, tdb.open(), tdb.open()];
  }, 60_000);
  afterAll(async () => {
    for (const h of handles.slice(1)) await h.end();
    await db?.end();
    await tdb?.close();
  });

  it('claims a push’s events in one claim even when claims race', async () => {
    for (let round = 0; round < 5; round++) {
      const o = await makeRepo(db);
      const events = Array.from({ length: 50 }, (_, i) => ({
        repoId: o.repoId,
        type: 'push',
        ref: `refs/heads/b${i}`,
        beforeSha: null,
        afterSha: SHA,
        actorId: o.userId,
      }));
      await insertEvents(db, events);
      const lease = { seconds: 30, siblingSeconds: 60, now: new Date() };
      const limits = { repoOwner: o.login, perRepo: 4, siblings: 1000 };
      const claims = await Promise.all(
        handles.map((h, i) => claimEventAndSiblings(h, `lane-${i}`, lease, limits)),
      );
      // One claim took all 50; the others found none left.
      const sizes = claims.map((c) => (c ? 1 + c.siblings.length : 0)).sort((x, y) => x - y);
      expect(sizes).toEqual([...handles.slice(1).map(() => 0), 50]);
    }
  });

  it('finishes many events in one statement, each fenced by its own lease', async () => {
    const o = await makeRepo(db);
    const events = Array.from({ length: 3 }, (_, i) => ({
      repoId: o.repoId,
      type: 'push',
      ref: `refs/heads/c${i}`,
      beforeSha: null,
      afterSha: 'b'.repeat(40),
      actorId: null,
    }));
    await insertEvents(db, events);
    const lease = { seconds: 30, siblingSeconds: 60, now: new Date() };
    const claimed = await claimEventAndSiblings(db, 'ctl', lease, {
      repoOwner: o.login,
      siblings: 1000,
    });
    if (!claimed) throw new Error('nothing claimed');
    const [e1, e2, e3] = [claimed.event, ...claimed.siblings];
    if (!e1 || !e2 || !e3) throw new Error('not all three claimed');
    const leases = [
      { id: e1.id, owner: 'ctl', epoch: e1.lease_epoch },
      { id: e2.id, owner: 'ctl', epoch: String(Number(e2.lease_epoch) - 1) },
      { id: e3.id, owner: 'someone-else', epoch: e3.lease_epoch },
    ];
    const finished = await finishEvents(db, leases, new Date());
    expect(finished.map((e) => e.id)).toEqual([e1.id]);
    expect((await findEvent(db, e1.id))?.status).toBe('done');
    expect((await findEvent(db, e2.id))?.status).toBe('claimed');
    // Finished once: a second time finds nothing to finish.
    expect(await finishEvents(db, leases.slice(0, 1), new Date())).toEqual([]);
  });

  it('inserts runs with consecutive numbers, steps and origin, and their statuses', async () => {
    const o = await makeRepo(db);
    const p = await makeRepo(db);
    // A run already numbered 1 in o's repository: the batch continues from its counter.
    await insertRun(db, {
      repoId: o.repoId,
      workflowName: 'before',
      workflowFile: 'a.py',
      event: 'push',
      headSha: SHA,
      headBranch: 'main',
      plan: null,
      tokenHash: 'e'.repeat(64),
      steps: [],
    });
    const [ev] = await insertEvents(db, [
      {
        repoId: o.repoId,
        type: 'push',
        ref: 'refs/heads/main',
        beforeSha: null,
        afterSha: SHA,
        actorId: o.userId,
      },
    ]);
    const run = (repoId: string, name: string, steps: NewBatchRun['steps']): NewBatchRun => ({
      repoId,
      workflowName: name,
      workflowFile: '.plue/workflows/ci.py',
      event: 'push',
      headSha: SHA,
      headBranch: 'main',
      plan: { steps: steps.map((s) => ({ id: s.stepId })) },
      tokenHash: 'f'.repeat(64),
      steps,
      eventId: ev?.id ?? null,
      actorId: o.userId,
    });
    const step = (id: string, deps: string[] = []) => ({
      stepId: id,
      name: id,
      type: 'run',
      dependsOn: deps,
    });
    const rows = await insertRuns(db, [
      run(o.repoId, 'one', [step('build'), step('test', ['build'])]),
      run(p.repoId, 'elsewhere', []),
      run(o.repoId, 'two', [step('lint')]),
    ]);
    expect(rows.map((r) => [r.workflow_name, r.run_number])).toEqual([
      ['one', 2],
      ['elsewhere', 1],
      ['two', 3],
    ]);
    expect(rows.every((r) => r.status === 'queued')).toBe(true);
    const steps = await listSteps(db, rows[0]?.id ?? '');
    expect(steps.map((s) => [s.step_id, s.position, s.depends_on])).toEqual([
      ['build', 0, []],
      ['test', 1, ['build']],
    ]);
    const origin = await db.query<{ event_id: string; actor_id: string }>(
      `SELECT event_id::text AS event_id, actor_id::text AS actor_id FROM workflow_runs WHERE id = $1`,
      [rows[2]?.id],
    );
    expect(origin[0]).toEqual({ event_id: ev?.id, actor_id: o.userId });

    await insertStatuses(
      db,
      rows.map((r) => ({
        repoId: r.repo_id,
        sha: SHA,
        state: 'pending' as const,
        context: `plue/${r.workflow_name}`,
        description: 'Queued',
        targetUrl: `https://plue.test/runs/${r.id}`,
        creatorId: o.userId,
      })),
    );
    const latest = await latestStatuses(db, o.repoId, SHA);
    expect(latest.map((s) => s.context).sort()).toEqual(['plue/one', 'plue/two']);
  });
});
