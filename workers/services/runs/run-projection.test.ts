import { describe, expect, it } from 'vitest';
import { BACKENDS, recordStatements, useTestDatabase } from '../../../test/helpers/databases';
import type { Db } from '../../../db/client';
import { insertRepo } from '../../../db/queries/repositories';
import { createUserWithWallet } from '../../../db/queries/users';
import {
  addPlannedSteps,
  findRunById,
  insertRun,
  listSteps,
  markLogArchived,
  markRunCompleted,
  markRunStarted,
  markStepCompleted,
  markStepStarted,
  setLogBytes,
  type NewStep,
} from '../../../db/queries/runs';
import type { Chunk } from '../../../durable-objects/formats';
import { foldBatch, projectBatch } from './run-projection';
import { stepsOfPlan } from './plan-steps';

type Reported = Parameters<typeof projectBatch>[3];
const NO_BYTES: Reported = { reportBytes: false, runBytes: 0, stepBytes: {}, archived: false };

const ev = (event: Chunk['event'], stepId = '', data: unknown = {}): Chunk => ({
  event,
  step_id: stepId,
  data,
});
const out = (stepId: string, seq: number): Chunk => ({
  event: 'step_output',
  step_id: stepId,
  stream: 'stdout',
  seq,
  data: 'line\n',
});

/** The event-at-a-time projection this module replaced: the reference for its semantics. */
async function projectOneByOne(
  db: Db,
  runId: string,
  chunks: Chunk[],
  r: Reported,
  now: Date,
): Promise<void> {
  for (const c of chunks) {
    const data =
      typeof c.data === 'object' && c.data !== null ? (c.data as Record<string, unknown>) : {};
    // Field parsing is shared; what is compared is how the events combine in the rows.
    const effect = foldBatch([c], now).segments[0]?.projection.steps[0];
    if (c.event === 'run_started') {
      await markRunStarted(db, runId, now);
      if (Array.isArray(data.steps)) await addPlannedSteps(db, runId, stepsOfPlan(data.steps));
    } else if (c.event === 'step_started' && effect) {
      await markRunStarted(db, runId, now);
      await markStepStarted(db, runId, effect, now);
    } else if (c.event === 'step_completed' && effect?.conclusion) {
      await markStepCompleted(db, runId, { ...effect, conclusion: effect.conclusion }, now);
    } else if (c.event === 'run_completed') {
      const conclusion = foldBatch([c], now).segments[0]?.completeRun ?? 'success';
      await markRunCompleted(db, runId, conclusion, now);
    }
  }
  if (r.reportBytes) await setLogBytes(db, runId, r.runBytes, r.stepBytes);
  if (r.archived) await markLogArchived(db, runId, now);
}

let seq = 0;
async function makeRun(db: Db, steps: NewStep[] = []): Promise<string> {
  seq += 1;
  const u = await createUserWithWallet(db, `proj${seq}`, '0x' + String(seq).padStart(40, '7'));
  const repo = await insertRepo(db, {
    ownerId: u.id,
    name: `p${seq}`,
    description: '',
    private: false,
    defaultBranch: 'main',
  });
  if (!repo) throw new Error('repo not created');
  const run = await insertRun(db, {
    repoId: repo.id,
    workflowName: 'ci',
    workflowFile: '.plue/workflows/ci.py',
    event: 'push',
    headSha: 'a'.repeat(40),
    headBranch: 'main',
    plan: null,
    tokenHash: 'f'.repeat(64),
    steps,
  });
  return run.id;
}

async function stateOf(db: Db, runId: string) {
  const run = await findRunById(db, runId);
  const steps = await listSteps(db, runId);
  return {
    run: run && {
      status: run.status,
      conclusion: run.conclusion,
      started_at: run.started_at,
      completed_at: run.completed_at,
      // Rows made at different instants: compare whether a projection moved it, and to when.
      updated_at:
        run.updated_at.getTime() === run.created_at.getTime() ? 'at creation' : run.updated_at,
      log_bytes: run.log_bytes,
      log_archived_at: run.log_archived_at,
    },
    steps: steps.map(({ run_id: _, ...s }) => s),
  };
}

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(BACKENDS)('projecting a batch of run events on %s', (kind) => {
  const db = useTestDatabase(kind);

  it('projects a run’s first post (run_started, step_started, output, sizes) in one statement', async () => {
    const runId = await makeRun(db);
    const c = recordStatements(db, { marks: false });
    const now = new Date('2026-03-01T10:00:00Z');
    await projectBatch(
      c.db,
      runId,
      [
        ev('run_started', '', {
          steps: [{ id: 'build', name: 'Build' }, { id: 'test' }, { id: 'lint' }],
        }),
        ev('step_started', 'build', { name: 'ignored: the plan named it' }),
        out('build', 1),
      ],
      { reportBytes: true, runBytes: 5, stepBytes: { build: 5 }, archived: false },
      now,
    );
    expect(c.statements.length).toBe(1);
    const s = await stateOf(db, runId);
    expect(s.run).toMatchObject({ status: 'running', started_at: now, log_bytes: '5' });
    expect(s.steps.map((x) => [x.step_id, x.position, x.name, x.status, x.log_bytes])).toEqual([
      ['build', 0, 'Build', 'running', '5'],
      ['test', 1, 'test', 'queued', '0'],
      ['lint', 2, 'lint', 'queued', '0'],
    ]);

    // A step ending and the next starting: one statement; output alone without sizes: none.
    const later = new Date('2026-03-01T10:00:05Z');
    await projectBatch(
      c.db,
      runId,
      [ev('step_completed', 'build', { exit_code: 0 }), ev('step_started', 'test'), out('test', 1)],
      { reportBytes: true, runBytes: 9, stepBytes: { build: 5, test: 4 }, archived: false },
      later,
    );
    expect(c.statements.length).toBe(2);
    await projectBatch(c.db, runId, [out('test', 2)], NO_BYTES, later);
    expect(c.statements.length).toBe(2);
    await projectBatch(
      c.db,
      runId,
      [out('test', 3)],
      { ...NO_BYTES, reportBytes: true, runBytes: 12, stepBytes: { test: 7 } },
      later,
    );
    expect(c.statements.length).toBe(3);
    const t = await stateOf(db, runId);
    expect(t.run?.log_bytes).toBe('12');
    expect(t.steps.map((x) => [x.step_id, x.status, x.conclusion, x.log_bytes])).toEqual([
      ['build', 'completed', 'success', '5'],
      ['test', 'running', null, '7'],
      ['lint', 'queued', null, '0'],
    ]);
  });

  it('never revives a completed step or run, within a batch or on a replay', async () => {
    const runId = await makeRun(db);
    const t1 = new Date('2026-03-02T10:00:00Z');
    const t2 = new Date('2026-03-02T10:01:00Z');
    await projectBatch(
      db,
      runId,
      [ev('step_completed', 'a', { exit_code: 3 }), ev('step_started', 'a')],
      NO_BYTES,
      t1,
    );
    const first = await stateOf(db, runId);
    expect(first.steps[0]).toMatchObject({
      status: 'completed',
      conclusion: 'failure',
      exit_code: 3,
      started_at: null,
    });
    // Replays of the start and of a different completion change nothing.
    await projectBatch(db, runId, [ev('step_started', 'a')], NO_BYTES, t2);
    await projectBatch(db, runId, [ev('step_completed', 'a', { exit_code: 0 })], NO_BYTES, t2);
    expect((await stateOf(db, runId)).steps).toEqual(first.steps);

    await projectBatch(
      db,
      runId,
      [ev('run_completed', '', { conclusion: 'failure' })],
      NO_BYTES,
      t2,
    );
    const done = await stateOf(db, runId);
    expect(done.run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    await projectBatch(
      db,
      runId,
      [ev('run_started', '', { steps: [{ id: 'a' }] }), ev('step_started', 'a')],
      NO_BYTES,
      t2,
    );
    expect(await stateOf(db, runId)).toEqual(done);
  });

  it('projects what preceded a malformed plan, then refuses it (as event by event did)', async () => {
    const runId = await makeRun(db);
    const now = new Date('2026-03-03T10:00:00Z');
    await expect(
      projectBatch(
        db,
        runId,
        [ev('run_started', '', { steps: [{ id: 'ok' }, { id: 'ok' }] })],
        { reportBytes: true, runBytes: 10, stepBytes: {}, archived: true },
        now,
      ),
    ).rejects.toMatchObject({ code: 'plan_invalid' });
    const s = await stateOf(db, runId);
    expect(s.run).toMatchObject({ status: 'running', log_bytes: '0', log_archived_at: null });
    expect(s.steps).toEqual([]);
  });

  it('leaves the rows as the event-at-a-time projection did, for random batches', async () => {
    const next = rng(21);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)] as T;
    const ids = ['a', 'b', 'c', 'd'] as const;
    const randomChunk = (): Chunk => {
      const r = next();
      if (r < 0.1) {
        const steps = ids
          .filter(() => next() < 0.5)
          .map((id) => ({
            id,
            name: `N-${id}`,
            type: pick(['run', 'agent']),
            depends_on: ['a', pick(['b', 'x\ud83d'])],
          }));
        return ev('run_started', '', { steps });
      }
      if (r < 0.4)
        return ev('step_started', pick(ids), {
          name: pick(['', 'Nice', undefined, 'odd \ud800']),
          type: pick(['run', 'agent', 'BAD']),
        });
      if (r < 0.65) {
        return ev('step_completed', pick(ids), {
          exit_code: pick([0, 1, undefined]),
          conclusion: pick([undefined, 'cancelled', 'skipped']),
          note: pick([undefined, 'why', '\udc00 half']),
          usage: pick([undefined, { model: 'm', turns: 2 }]),
          output: pick([undefined, { ok: true }]),
        });
      }
      if (r < 0.68) return ev('run_completed', '', { conclusion: pick(['success', 'failure']) });
      return out(pick(ids), Math.floor(next() * 100) + 1);
    };
    for (let trial = 0; trial < 20; trial++) {
      const created: NewStep[] = ids
        .filter(() => next() < 0.3)
        .map((id) => ({ stepId: id, name: `C-${id}`, type: 'run', dependsOn: [] }));
      const ref = await makeRun(db, created);
      const sut = await makeRun(db, created);
      let runBytes = 0;
      for (let batch = 0; batch < 6; batch++) {
        const chunks = Array.from({ length: 1 + Math.floor(next() * 5) }, randomChunk);
        runBytes += Math.floor(next() * 50);
        const stepBytes: Record<string, number> = {};
        for (const id of [...ids, 'zz'])
          if (next() < 0.4) stepBytes[id] = Math.floor(next() * 1000);
        const reported: Reported = {
          reportBytes: next() < 0.6,
          runBytes,
          stepBytes,
          archived: next() < 0.1,
        };
        const now = new Date(Date.UTC(2026, 3, 1, 0, trial, batch));
        await projectOneByOne(db, ref, chunks, reported, now);
        await projectBatch(db, sut, chunks, reported, now);
        const [want, got] = [await stateOf(db, ref), await stateOf(db, sut)];
        expect(got, `trial ${trial} batch ${batch}: ${JSON.stringify(chunks)}`).toEqual(want);
      }
    }
  });
});
