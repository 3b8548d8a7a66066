// Batched evaluation reports (issue #21) at the query layer: concurrent claims never split the
// events of one push; many events finish in one statement, each fenced by its own lease, with
// their repositories; runs of many repositories are inserted at once with their run numbers,
// steps, origin and statuses; workflow lists of many repositories are replaced at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../test/helpers/databases';
import type { Db } from './client';
import { latestStatuses } from './queries/commit-statuses';
import { findRepoById, insertRepo } from './queries/repositories';
import { insertRuns, type NewBatchRun } from './queries/run-batch';
import { insertRun, listSteps } from './queries/runs';
import { createUserWithWallet } from './queries/users';
import {
  claimEventAndSiblings,
  findEvent,
  finishEvents,
  finishEventsWithRepos,
  insertEvents,
} from './queries/workflow-events';
import { listWorkflows, replaceWorkflowLists } from './queries/workflows';

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
      status: {
        state: 'pending',
        context: `plue/${name}`,
        description: 'Queued',
        urlPrefix: 'https://plue.test/runs/',
      },
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

    const latest = await latestStatuses(db, o.repoId, SHA);
    expect(latest.map((s) => [s.context, s.target_url, s.creator_id]).sort()).toEqual([
      ['plue/one', `https://plue.test/runs/${rows[0]?.id}`, o.userId],
      ['plue/two', `https://plue.test/runs/${rows[2]?.id}`, o.userId],
    ]);
  });

  it('finishes events with their repositories in one statement', async () => {
    const o = await makeRepo(db);
    const p = await makeRepo(db);
    const ev = (repoId: string, ref: string) => ({
      repoId,
      type: 'push',
      ref,
      beforeSha: null,
      afterSha: 'c'.repeat(40),
      actorId: null,
    });
    await insertEvents(db, [ev(o.repoId, 'refs/heads/x'), ev(o.repoId, 'refs/heads/y')]);
    await insertEvents(db, [ev(p.repoId, 'refs/heads/z')]);
    const lease = { seconds: 30, siblingSeconds: 60, now: new Date() };
    const mine = await claimEventAndSiblings(db, 'ctl', lease, { repoOwner: o.login, siblings: 9 });
    const theirs = await claimEventAndSiblings(db, 'ctl', lease, {
      repoOwner: p.login,
      siblings: 9,
    });
    const events = [mine?.event, ...(mine?.siblings ?? []), theirs?.event];
    const leases = events.map((e) => ({
      id: e?.id ?? '',
      owner: 'ctl',
      epoch: e?.lease_epoch ?? '',
    }));
    // The last lease is stale: that event is not finished and not returned.
    const stale = leases[2];
    if (!stale) throw new Error('no third lease');
    stale.epoch = String(Number(stale.epoch) + 1);
    const done = await finishEventsWithRepos(db, leases, new Date());
    const byId = new Map(done.map((d) => [d.event.id, d]));
    expect([...byId.keys()].sort()).toEqual(
      leases
        .slice(0, 2)
        .map((l) => l.id)
        .sort(),
    );
    expect((await findEvent(db, stale.id))?.status).toBe('claimed');
    const want = await findRepoById(db, o.repoId);
    for (const d of done) {
      expect(d.repo).toEqual(want);
      // The event's own columns, as finishEvents returns them.
      expect(d.event).toEqual(await findEvent(db, d.event.id));
      expect(Object.keys(d.event).some((k) => k.startsWith('r_'))).toBe(false);
    }
    expect(await finishEventsWithRepos(db, leases, new Date())).toEqual([]);
  });

  it('numbers, plans and posts runs of several repositories in one statement', async () => {
    const o = await makeRepo(db);
    const p = await makeRepo(db);
    const run = (repoId: string, name: string, stepIds: string[], status: boolean) => ({
      repoId,
      workflowName: name,
      workflowFile: '.plue/workflows/ci.py',
      event: 'push',
      headSha: SHA,
      headBranch: 'main',
      plan: { steps: stepIds.map((id) => ({ id })) },
      tokenHash: 'f'.repeat(64),
      steps: stepIds.map((id, i) => ({
        stepId: id,
        name: `${name}-${id}`,
        type: 'run',
        dependsOn: stepIds.slice(0, i),
      })),
      eventId: null,
      actorId: o.userId,
      status: status
        ? {
            state: 'pending' as const,
            context: `plue/${name}`,
            description: 'Queued',
            urlPrefix: `https://plue.test/${name}/`,
          }
        : undefined,
    });
    const given = [
      run(p.repoId, 'p1', ['a'], true),
      run(o.repoId, 'o1', ['a', 'b'], true),
      run(p.repoId, 'p2', [], false),
      run(o.repoId, 'o2', ['c'], true),
      run(p.repoId, 'p3', ['d', 'e', 'f'], true),
    ];
    const rows = await insertRuns(db, given);
    expect(rows.map((r) => [r.repo_id, r.workflow_name, r.run_number])).toEqual([
      [p.repoId, 'p1', 1],
      [o.repoId, 'o1', 1],
      [p.repoId, 'p2', 2],
      [o.repoId, 'o2', 2],
      [p.repoId, 'p3', 3],
    ]);
    for (const [i, row] of rows.entries()) {
      const steps = await listSteps(db, row.id);
      const g = given[i];
      expect(steps.map((s) => [s.step_id, s.name, s.position, s.depends_on])).toEqual(
        g?.steps.map((s, j) => [s.stepId, s.name, j, s.dependsOn]),
      );
    }
    const posted = await db.query<{ repo_id: string; context: string; target_url: string }>(
      `SELECT repo_id::text AS repo_id, context, target_url FROM commit_statuses
        WHERE repo_id = ANY($1::bigint[]) ORDER BY id`,
      [[o.repoId, p.repoId]],
    );
    // In the order given, none for the run without one.
    expect(posted).toEqual(
      rows
        .filter((r) => r.workflow_name !== 'p2')
        .map((r) => ({
          repo_id: r.repo_id,
          context: `plue/${r.workflow_name}`,
          target_url: `https://plue.test/${r.workflow_name}/${r.id}`,
        })),
    );
    // The next batch continues each repository's numbers.
    const more = await insertRuns(db, [
      run(o.repoId, 'o3', [], false),
      run(p.repoId, 'p4', [], false),
    ]);
    expect(more.map((r) => r.run_number)).toEqual([3, 4]);
  });

  it('replaces the workflow lists of several repositories in one statement', async () => {
    const o = await makeRepo(db);
    const p = await makeRepo(db);
    const q = await makeRepo(db);
    const wf = (file: string, name: string, line: number | null = 1) => ({
      file,
      name,
      line,
      triggers: [{ type: 'push' }],
      error: null,
    });
    const t0 = new Date('2026-01-01T00:00:00Z');
    await replaceWorkflowLists(
      db,
      [
        {
          repoId: o.repoId,
          headSha: 'a'.repeat(40),
          list: [wf('a.py', 'keep'), wf('a.py', 'drop')],
        },
        { repoId: p.repoId, headSha: 'a'.repeat(40), list: [wf('p.py', 'gone')] },
        { repoId: q.repoId, headSha: 'a'.repeat(40), list: [wf('q.py', 'untouched')] },
      ],
      t0,
    );
    const t1 = new Date('2026-01-02T00:00:00Z');
    await replaceWorkflowLists(
      db,
      [
        // o: one kept (updated), one dropped, one added; a repeated file and name: first counts.
        {
          repoId: o.repoId,
          headSha: 'b'.repeat(40),
          list: [wf('a.py', 'keep', 7), wf('b.py', 'new'), wf('b.py', 'new', 99)],
        },
        // p twice: the last list counts (an empty one).
        { repoId: p.repoId, headSha: 'b'.repeat(40), list: [wf('p.py', 'first')] },
        { repoId: p.repoId, headSha: 'c'.repeat(40), list: [] },
      ],
      t1,
    );
    const listed = async (repoId: string) =>
      (await listWorkflows(db, repoId)).map((w) => [
        w.file,
        w.name,
        w.line,
        w.head_sha[0],
        w.updated_at.toISOString(),
      ]);
    expect(await listed(o.repoId)).toEqual([
      ['a.py', 'keep', 7, 'b', t1.toISOString()],
      ['b.py', 'new', 1, 'b', t1.toISOString()],
    ]);
    expect(await listed(p.repoId)).toEqual([]);
    expect(await listed(q.repoId)).toEqual([['q.py', 'untouched', 1, 'a', t0.toISOString()]]);
  });
});
