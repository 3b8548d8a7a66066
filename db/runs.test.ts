import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../test/helpers/databases';
import type { Db } from './client';
import { insertRepo } from './queries/repositories';
import {
  findRunById,
  findRunOfRepo,
  insertRun,
  listRuns,
  listSteps,
  listStreamingRunIds,
  markLogArchived,
  markRunCompleted,
  markRunStarted,
  markStepCompleted,
  markStepStarted,
  requestCancel,
  setLogBytes,
  type NewRun,
} from './queries/runs';
import { createUserWithWallet } from './queries/users';
import { claimRunLease } from './queries/run-leases';

const SHA = 'a'.repeat(40);
const HASH = 'f'.repeat(64);

let seq = 0;
async function makeRepo(db: Db): Promise<string> {
  seq += 1;
  const u = await createUserWithWallet(db, `runner${seq}`, '0x' + String(seq).padStart(40, '0'));
  const r = await insertRepo(db, {
    ownerId: u.id,
    name: `r${seq}`,
    description: '',
    private: false,
    defaultBranch: 'main',
  });
  if (!r) throw new Error('repo not created');
  return r.id;
}

const run = (repoId: string, over: Partial<NewRun> = {}): NewRun => ({
  repoId,
  workflowName: 'ci',
  workflowFile: '.plue/workflows/ci.py',
  event: 'push',
  headSha: SHA,
  headBranch: 'main',
  plan: { steps: [{ id: 'build' }] },
  tokenHash: HASH,
  steps: [
    { stepId: 'install', name: 'install', type: 'run', dependsOn: [] },
    { stepId: 'test', name: 'npm test', type: 'run', dependsOn: ['install'] },
  ],
  ...over,
});

describe.each(BACKENDS)('workflow run tables on %s', (kind) => {
  let tdb: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    db = tdb.open();
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await tdb?.close();
  });

  it('lists the runs that may still have viewers: unfinished, or completed recently', async () => {
    const a = await makeRepo(db);
    const other = await makeRepo(db);
    const queued = await insertRun(db, run(a));
    const running = await insertRun(db, run(a));
    await markRunStarted(db, running.id, new Date());
    const old = await insertRun(db, run(a));
    await markRunCompleted(db, old.id, 'success', new Date('2026-01-01T00:00:00Z'));
    const recent = await insertRun(db, run(a));
    await markRunCompleted(db, recent.id, 'failure', new Date('2026-01-01T00:09:00Z'));
    await insertRun(db, run(other));
    const ids = await listStreamingRunIds(db, a, new Date('2026-01-01T00:05:00Z'));
    expect(ids.sort()).toEqual([queued.id, running.id, recent.id].sort());
  });

  it('numbers runs per repository and stores planned steps', async () => {
    const a = await makeRepo(db);
    const b = await makeRepo(db);
    const r1 = await insertRun(db, run(a));
    const r2 = await insertRun(db, run(a, { steps: [] }));
    const r3 = await insertRun(db, run(b));
    expect([r1.run_number, r2.run_number, r3.run_number]).toEqual([1, 2, 1]);
    expect(r1).toMatchObject({ status: 'queued', conclusion: null, attempt: 1, lease_epoch: '0' });
    expect(r1.plan).toEqual({ steps: [{ id: 'build' }] });
    const steps = await listSteps(db, r1.id);
    expect(steps.map((s) => [s.step_id, s.position, s.depends_on])).toEqual([
      ['install', 0, []],
      ['test', 1, ['install']],
    ]);
    expect(await findRunOfRepo(db, b, r1.id)).toBeUndefined();
    expect((await findRunOfRepo(db, a, r1.id))?.id).toBe(r1.id);
  });

  it('refuses malformed rows', async () => {
    const a = await makeRepo(db);
    await expect(insertRun(db, run(a, { headSha: 'xyz' }))).rejects.toThrow(/check/);
    await expect(
      insertRun(
        db,
        run(a, { steps: [{ stepId: 'bad id', name: 'x', type: 'run', dependsOn: [] }] }),
      ),
    ).rejects.toThrow(/check/);
    // The failed transaction left no run and did not consume a run number.
    expect((await listRuns(db, a, {}, { limit: 10, offset: 0 })).total).toBe(0);
    expect((await insertRun(db, run(a))).run_number).toBe(1);
  });

  it('moves runs and steps through their states only forward', async () => {
    const a = await makeRepo(db);
    const r = await insertRun(db, run(a));
    const t0 = new Date('2026-01-01T00:00:00Z');
    expect(await markRunStarted(db, r.id, t0)).toBe(true);
    expect(await markRunStarted(db, r.id, new Date())).toBe(false);
    expect(
      await markStepStarted(db, r.id, { stepId: 'install', name: 'install', type: 'run' }, t0),
    ).toBe(true);
    expect(
      await markStepCompleted(
        db,
        r.id,
        { stepId: 'install', conclusion: 'success', exitCode: 0 },
        t0,
      ),
    ).toBe(true);
    expect(
      await markStepCompleted(
        db,
        r.id,
        { stepId: 'install', conclusion: 'failure', exitCode: 1 },
        t0,
      ),
    ).toBe(false);
    // An unplanned step gets a row at the end.
    expect(
      await markStepStarted(db, r.id, { stepId: 'extra', name: 'Extra', type: 'agent' }, t0),
    ).toBe(true);
    // Why it ended, when the producer says (the run page shows it beside the step).
    await markStepCompleted(
      db,
      r.id,
      { stepId: 'extra', conclusion: 'failure', exitCode: null, note: 'out of memory' },
      t0,
    );
    await setLogBytes(db, r.id, 120, { install: 100, extra: 20 });
    await setLogBytes(db, r.id, 50, { install: 10 });
    expect(await markRunCompleted(db, r.id, 'failure', new Date('2026-01-01T00:01:00Z'))).toBe(
      true,
    );
    expect(await markRunCompleted(db, r.id, 'success', new Date())).toBe(false);
    await markLogArchived(db, r.id, t0);
    const done = await findRunById(db, r.id);
    expect(done).toMatchObject({ status: 'completed', conclusion: 'failure', log_bytes: '120' });
    expect(done?.started_at?.toISOString()).toBe(t0.toISOString());
    expect(done?.log_archived_at?.toISOString()).toBe(t0.toISOString());
    const steps = await listSteps(db, r.id);
    expect(steps.map((s) => [s.step_id, s.status, s.conclusion, s.exit_code, s.log_bytes])).toEqual(
      [
        ['install', 'completed', 'success', 0, '100'],
        ['test', 'completed', 'skipped', null, '0'],
        ['extra', 'completed', 'failure', null, '20'],
      ],
    );
    expect(steps[2]).toMatchObject({ name: 'Extra', type: 'agent', position: 2 });
    expect(steps.map((s) => s.note)).toEqual([null, null, 'out of memory']);
  });

  it('lists newest first with filters and paging', async () => {
    const a = await makeRepo(db);
    const ids: string[] = [];
    for (const [i, branch] of ['main', 'dev', 'main'].entries()) {
      const r = await insertRun(
        db,
        run(a, { headBranch: branch, event: i === 1 ? 'manual' : 'push' }),
      );
      ids.push(r.id);
    }
    await markRunCompleted(db, ids[0] ?? '', 'success', new Date());
    const page = { limit: 10, offset: 0 };
    expect((await listRuns(db, a, {}, page)).rows.map((r) => r.id)).toEqual([...ids].reverse());
    expect((await listRuns(db, a, { branch: 'main' }, page)).total).toBe(2);
    expect((await listRuns(db, a, { event: 'manual' }, page)).rows[0]?.id).toBe(ids[1]);
    expect((await listRuns(db, a, { status: 'completed' }, page)).total).toBe(1);
    expect((await listRuns(db, a, { status: 'success' }, page)).total).toBe(1);
    expect((await listRuns(db, a, { status: 'queued' }, page)).total).toBe(2);
    expect((await listRuns(db, a, { workflow: '.plue/workflows/ci.py' }, page)).total).toBe(3);
    expect((await listRuns(db, a, { workflow: 'other' }, page)).total).toBe(0);
    const second = await listRuns(db, a, {}, { limit: 1, offset: 1 });
    expect(second).toMatchObject({ total: 3, rows: [{ id: ids[1] }] });
  });

  it('claims each queued run once under concurrent claims, with a fenced lease', async () => {
    // Claims are limited to this test's owner, so runs queued by earlier tests do not interfere.
    const now = new Date();
    const a = await makeRepo(db);
    const login = `runner${seq}`;
    const r1 = await insertRun(db, run(a));
    const r2 = await insertRun(db, run(a));
    const other = tdb.open();
    try {
      await other.query('SELECT 1'); // connected before the race, so both claims overlap
      const [c1, c2] = await Promise.all([
        claimRunLease(db, 'ctl-1', 30, HASH, now, login),
        claimRunLease(other, 'ctl-2', 30, HASH, now, login),
      ]);
      const c3 = await claimRunLease(db, 'ctl-3', 30, HASH, now, login);
      const claimed = [c1?.id, c2?.id].sort();
      expect(claimed).toEqual([r1.id, r2.id].sort());
      expect(c3).toBeUndefined();
      expect(c1).toMatchObject({ lease_owner: 'ctl-1', lease_epoch: '1' });
      expect(c1?.lease_expires_at.getTime()).toBe(now.getTime() + 30_000);
      const id = c1?.id ?? '';
      expect((await findRunById(db, id))?.status).toBe('running');
      expect(await requestCancel(db, id, new Date())).toBe(true);
      expect((await findRunById(db, id))?.cancel_requested_at).toBeInstanceOf(Date);
    } finally {
      await other.end();
    }
  });
});
