import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BACKENDS,
  openTestDatabase,
  recordStatements,
  type TestDatabase,
} from '../test/helpers/databases';
import type { Db } from './client';
import { insertStatus, latestStatuses } from './queries/commit-statuses';
import { deleteSecret, listSecrets, upsertSecret } from './queries/repo-secrets';
import { insertRepo } from './queries/repositories';
import {
  cancelQueuedRun,
  claimRunLease,
  completeLeasedRun,
  heartbeatRun,
  sweepRunLeases,
} from './queries/run-leases';
import { insertRun, listSteps, markStepStarted, requestCancel } from './queries/runs';
import { createUserWithWallet } from './queries/users';
import {
  claimEventAndSiblings,
  claimNextEvent,
  EVENT_MAX_ATTEMPTS,
  finishEvent,
  insertEvent,
  sweepEventLeases,
} from './queries/workflow-events';
import { findWorkflow, listWorkflows, replaceWorkflows } from './queries/workflows';

const SHA = 'c'.repeat(40);
const HASH = 'e'.repeat(64);
let n = 0;

async function makeOwner(db: Db): Promise<{ login: string; userId: string; repoId: string }> {
  n += 1;
  const login = `lease${n}${Math.random().toString(36).slice(2, 6)}`;
  const u = await createUserWithWallet(db, login, '0x' + String(1000 + n).padStart(40, '0'));
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

const later = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

/** A queued run of workflow `ci` with one step, `build`, at SHA on main. */
const insertBuildRun = (db: Db, repoId: string) =>
  insertRun(db, {
    repoId,
    workflowName: 'ci',
    workflowFile: '.plue/workflows/ci.py',
    event: 'push',
    headSha: SHA,
    headBranch: 'main',
    plan: { steps: [{ id: 'build' }] },
    tokenHash: HASH,
    steps: [{ stepId: 'build', name: 'build', type: 'run', dependsOn: [] }],
  });

describe.each(BACKENDS)('workflow events and run leases on %s', (kind) => {
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

  it('claims events oldest first, fences finishing by epoch, and sweeps expired leases', async () => {
    const o = await makeOwner(db);
    const base = { repoId: o.repoId, type: 'push', beforeSha: null, actorId: o.userId };
    const e1 = await insertEvent(db, { ...base, ref: 'refs/heads/main', afterSha: SHA });
    const e2 = await insertEvent(db, { ...base, ref: 'refs/heads/dev', afterSha: SHA });
    const now = new Date();
    const a = await claimNextEvent(db, 'ctl-a', 30, now, o.login);
    const b = await claimNextEvent(db, 'ctl-b', 30, now, o.login);
    expect([a?.id, b?.id]).toEqual([e1.id, e2.id]);
    expect(await claimNextEvent(db, 'ctl-c', 30, now, o.login)).toBeUndefined();
    expect(await claimNextEvent(db, 'ctl-c', 30, now, 'someone-else')).toBeUndefined();
    expect(a).toMatchObject({ status: 'claimed', lease_epoch: '1', attempt: 1 });
    // Wrong owner or epoch: refused; the holder: once.
    expect(await finishEvent(db, e1.id, { owner: 'ctl-b', epoch: '1' }, 'done', null, now)).toBe(
      false,
    );
    expect(await finishEvent(db, e1.id, { owner: 'ctl-a', epoch: '2' }, 'done', null, now)).toBe(
      false,
    );
    expect(await finishEvent(db, e1.id, { owner: 'ctl-a', epoch: '1' }, 'done', null, now)).toBe(
      true,
    );
    expect(await finishEvent(db, e1.id, { owner: 'ctl-a', epoch: '1' }, 'done', null, now)).toBe(
      false,
    );
    // e2's lease expires: back to pending until the attempts run out, then failed.
    let t = now;
    for (let i = 1; i < EVENT_MAX_ATTEMPTS; i++) {
      t = later(t, 31);
      expect(await sweepEventLeases(db, t)).toBeGreaterThanOrEqual(1);
      const again = await claimNextEvent(db, 'ctl-b', 30, t, o.login);
      expect(again).toMatchObject({ id: e2.id, attempt: i + 1, lease_epoch: String(i + 1) });
    }
    await sweepEventLeases(db, later(t, 31));
    const [row] = await db.query<{ status: string; error: string }>(
      `SELECT status, error FROM workflow_events WHERE id = $1`,
      [e2.id],
    );
    expect(row).toEqual({ status: 'failed', error: 'runner lost' });
  });

  it('leases runs with fencing: heartbeat, cancel flag, requeue once, then lost', async () => {
    const o = await makeOwner(db);
    const run = await insertBuildRun(db, o.repoId);
    const now = new Date();
    const claimed = await claimRunLease(db, 'ctl-a', 10, 'a'.repeat(64), now, o.login);
    expect(claimed).toMatchObject({ id: run.id, lease_owner: 'ctl-a', lease_epoch: '1' });
    expect(await claimRunLease(db, 'ctl-b', 10, 'b'.repeat(64), now, o.login)).toBeUndefined();
    const lease1 = { owner: 'ctl-a', epoch: '1' };
    expect(await heartbeatRun(db, run.id, { owner: 'ctl-a', epoch: '0' }, 10, now)).toBeUndefined();
    expect(await heartbeatRun(db, run.id, lease1, 10, now)).toEqual({ cancelRequested: false });
    await markStepStarted(db, run.id, { stepId: 'build', name: 'build', type: 'run' }, now);

    // Not yet expired: nothing happens. Expired: requeued with attempt 2, the step queued again.
    expect((await sweepRunLeases(db, later(now, 5))).requeued).not.toContain(run.id);
    expect((await sweepRunLeases(db, later(now, 11))).requeued).toContain(run.id);
    expect((await listSteps(db, run.id))[0]).toMatchObject({ status: 'queued', started_at: null });
    const t2 = later(now, 12);
    const again = await claimRunLease(db, 'ctl-b', 10, 'c'.repeat(64), t2, o.login);
    expect(again).toMatchObject({ id: run.id, attempt: 2, lease_epoch: '2' });
    // The first controller's writes are fenced off; the second one hears of a cancel.
    expect(await heartbeatRun(db, run.id, lease1, 10, t2)).toBeUndefined();
    const lease2 = { owner: 'ctl-b', epoch: '2' };
    await requestCancel(db, run.id, t2);
    expect(await heartbeatRun(db, run.id, lease2, 10, t2)).toEqual({ cancelRequested: true });
    expect(await completeLeasedRun(db, run.id, lease1, 'success', t2)).toBe(false);
    // Lost again: no third attempt, the sweep reports it lost.
    const swept = await sweepRunLeases(db, later(t2, 11));
    expect(swept.requeued).not.toContain(run.id);
    expect(swept.lost.map((r) => r.id)).toContain(run.id);
    expect(await completeLeasedRun(db, run.id, lease2, 'cancelled', t2)).toBe(true);
  });

  it('ends an expired run whose cancel was requested instead of requeueing it', async () => {
    const o = await makeOwner(db);
    const run = await insertRun(db, {
      repoId: o.repoId,
      workflowName: 'ci',
      workflowFile: '',
      event: 'push',
      headSha: SHA,
      headBranch: null,
      plan: null,
      tokenHash: HASH,
      steps: [],
    });
    const now = new Date();
    await claimRunLease(db, 'ctl-a', 5, 'd'.repeat(64), now, o.login);
    await requestCancel(db, run.id, now);
    const swept = await sweepRunLeases(db, later(now, 6));
    expect(swept.requeued).not.toContain(run.id);
    expect(swept.lost).toContainEqual({ id: run.id, repo_id: o.repoId, cancel_requested: true });
  });

  it('cancels only queued runs directly', async () => {
    const o = await makeOwner(db);
    const run = await insertRun(db, {
      repoId: o.repoId,
      workflowName: 'ci',
      workflowFile: '',
      event: 'push',
      headSha: SHA,
      headBranch: null,
      plan: null,
      tokenHash: HASH,
      steps: [{ stepId: 'a', name: 'a', type: 'run', dependsOn: [] }],
    });
    expect(await cancelQueuedRun(db, run.id, new Date())).toBe(true);
    expect(await cancelQueuedRun(db, run.id, new Date())).toBe(false);
    expect((await listSteps(db, run.id))[0]).toMatchObject({ conclusion: 'cancelled' });
  });

  it('keeps the newest status per context, workflows per repository, secrets by name', async () => {
    const o = await makeOwner(db);
    const s = { repoId: o.repoId, sha: SHA, description: null, targetUrl: null, creatorId: null };
    await insertStatus(db, { ...s, state: 'pending', context: 'plue/ci' });
    await insertStatus(db, { ...s, state: 'pending', context: 'plue/lint' });
    await insertStatus(db, { ...s, state: 'success', context: 'plue/ci' });
    const latest = await latestStatuses(db, o.repoId, SHA);
    expect(latest.map((x) => [x.context, x.state])).toEqual([
      ['plue/ci', 'success'],
      ['plue/lint', 'pending'],
    ]);

    const wf = { line: 3, triggers: [{ type: 'manual' }], error: null };
    await replaceWorkflows(
      db,
      o.repoId,
      SHA,
      [{ ...wf, file: '.plue/workflows/a.py', name: 'a' }],
      new Date(),
    );
    await replaceWorkflows(
      db,
      o.repoId,
      SHA,
      [{ ...wf, file: '.plue/workflows/b.py', name: 'b' }],
      new Date(),
    );
    expect((await listWorkflows(db, o.repoId)).map((w) => w.name)).toEqual(['b']);
    expect(await findWorkflow(db, o.repoId, 'b.py')).toMatchObject({ name: 'b' });
    expect(await findWorkflow(db, o.repoId, 'a')).toBeUndefined();

    expect(await upsertSecret(db, o.repoId, 'TOKEN', 'x', new Date())).toBe(true);
    expect(await upsertSecret(db, o.repoId, 'TOKEN', 'y', new Date())).toBe(false);
    expect((await listSecrets(db, o.repoId)).map((r) => [r.name, r.value_enc])).toEqual([
      ['TOKEN', 'y'],
    ]);
    expect(await deleteSecret(db, o.repoId, 'TOKEN')).toBe(true);
    expect(await deleteSecret(db, o.repoId, 'TOKEN')).toBe(false);
  });

  // Claims sit twice on the push → first log line path (the event, then its run), and every
  // statement is a round trip from the Worker to the database.
  it('claims a run in one statement, and an event with its push siblings in one under the lock', async () => {
    const o = await makeOwner(db);
    const run = await insertBuildRun(db, o.repoId);
    const now = new Date();
    const c = recordStatements(db);
    const claimed = await claimRunLease(c.db, 'ctl-a', 10, 'a'.repeat(64), now, o.login);
    expect(claimed).toMatchObject({ id: run.id, repo_full_name: `${o.login}/r` });
    expect(c.statements).toHaveLength(1);

    const base = { repoId: o.repoId, type: 'push', beforeSha: null, actorId: o.userId };
    const other = await insertEvent(db, { ...base, ref: 'refs/heads/x', afterSha: 'd'.repeat(40) });
    const first = await insertEvent(db, { ...base, ref: 'refs/heads/a', afterSha: SHA });
    const second = await insertEvent(db, { ...base, ref: 'refs/heads/b', afterSha: SHA });
    const third = await insertEvent(db, { ...base, ref: 'refs/heads/c', afterSha: SHA });
    const e = recordStatements(db);
    const lease = { seconds: 10, siblingSeconds: 50, now };
    const got = await claimEventAndSiblings(e.db, 'ctl-a', lease, {
      repoOwner: o.login,
      perRepo: 10,
      siblings: 1,
    });
    expect(e.statements).toEqual(['BEGIN', 'SELECT', 'WITH', 'COMMIT']);
    // The oldest event (another commit, so no siblings).
    expect(got?.event.id).toBe(other.id);
    expect(got?.siblings).toEqual([]);
    const next = await claimEventAndSiblings(db, 'ctl-b', lease, {
      repoOwner: o.login,
      perRepo: 10,
      siblings: 5,
    });
    expect(next?.event).toMatchObject({ id: first.id, lease_owner: 'ctl-b', attempt: 1 });
    expect(next?.siblings.map((s) => s.id)).toEqual([second.id, third.id]);
    // Its repository comes in the same statement (findRepoById's row).
    expect(next?.repo).toMatchObject({ id: o.repoId, owner_login: o.login, name: 'r' });
    const expires = (r: { lease_expires_at: Date | null } | undefined) =>
      new Date(r?.lease_expires_at ?? 0).getTime() - now.getTime();
    expect(expires(next?.event)).toBe(10_000);
    expect(next?.siblings.map(expires)).toEqual([50_000, 50_000]);
    expect(await claimNextEvent(db, 'ctl-c', 10, now, o.login)).toBeUndefined();
  });
});
