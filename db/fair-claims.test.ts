// Fair claims (issue #21): a flood of 10,000 events in one repository does not hold back other
// repositories or owners; per-repository limits hold for events and runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../test/helpers/databases';
import type { Db } from './client';
import { insertRepo } from './queries/repositories';
import { claimRunLease } from './queries/run-leases';
import { insertRun } from './queries/runs';
import { createUserWithWallet } from './queries/users';
import { claimNextEvent, insertEvents, type NewEvent } from './queries/workflow-events';

const SHA = 'd'.repeat(40);
let n = 0;

async function makeUser(db: Db): Promise<{ login: string; id: string }> {
  n += 1;
  const login = `fair${n}${Math.random().toString(36).slice(2, 6)}`;
  const u = await createUserWithWallet(db, login, '0x' + String(2000 + n).padStart(40, '0'));
  return { login, id: u.id };
}

async function makeRepo(db: Db, ownerId: string, name: string): Promise<string> {
  const r = await insertRepo(db, {
    ownerId,
    name,
    description: '',
    private: false,
    defaultBranch: 'main',
  });
  if (!r) throw new Error('repo not created');
  return r.id;
}

const pushOf = (repoId: string, refs: number, prefix = 'b'): NewEvent[] =>
  Array.from({ length: refs }, (_, i) => ({
    repoId,
    type: 'push',
    ref: `refs/heads/${prefix}${i}`,
    beforeSha: null,
    afterSha: SHA,
    actorId: null,
  }));

describe.each(BACKENDS)('fair claims on %s', (kind) => {
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

  it('serves owners, then repositories, round-robin; a 10,000-event flood waits its turn', async () => {
    const x = await makeUser(db);
    const y = await makeUser(db);
    const flood = await makeRepo(db, x.id, 'flood');
    const quiet = await makeRepo(db, x.id, 'quiet');
    const other = await makeRepo(db, y.id, 'other');
    const flooded = await insertEvents(db, pushOf(flood, 10_000));
    expect(flooded).toHaveLength(10_000);
    expect(flooded.map((e) => e.ref).slice(0, 3)).toEqual([
      'refs/heads/b0',
      'refs/heads/b1',
      'refs/heads/b2',
    ]);
    const [q] = await insertEvents(db, pushOf(quiet, 1, 'q'));
    const [o] = await insertEvents(db, pushOf(other, 1, 'o'));
    const now = new Date();
    const claimed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const e = await claimNextEvent(db, `ctl-${i}`, 30, now, undefined, 100);
      claimed.push(e?.id ?? 'none');
    }
    // The flood's first event is oldest; then the other owner; then x's other repository; then
    // the flood again (nobody else is waiting).
    expect(claimed).toEqual([flooded[0]?.id, o?.id, q?.id, flooded[1]?.id, flooded[2]?.id]);

    // A push to the quiet repository now is claimed next, ahead of 9,997 older flood events.
    const [q2] = await insertEvents(db, pushOf(quiet, 1, 'again'));
    const next = await claimNextEvent(db, 'ctl-n', 30, now, undefined, 100);
    expect(next?.id).toBe(q2?.id);
  });

  it('limits events in evaluation per repository', async () => {
    const x = await makeUser(db);
    const repo = await makeRepo(db, x.id, 'limited');
    await insertEvents(db, pushOf(repo, 5));
    const now = new Date();
    const a = await claimNextEvent(db, 'ctl-a', 30, now, x.login, 2);
    const b = await claimNextEvent(db, 'ctl-b', 30, now, x.login, 2);
    expect([a?.ref, b?.ref]).toEqual(['refs/heads/b0', 'refs/heads/b1']);
    // Two in evaluation: the limit holds although three are pending.
    expect(await claimNextEvent(db, 'ctl-c', 30, now, x.login, 2)).toBeUndefined();
    expect((await claimNextEvent(db, 'ctl-c', 30, now, x.login, 3))?.ref).toBe('refs/heads/b2');
  });

  it('claims runs round-robin by repository, at most the limit running per repository', async () => {
    const x = await makeUser(db);
    const busy = await makeRepo(db, x.id, 'busy');
    const calm = await makeRepo(db, x.id, 'calm');
    const queue = async (repoId: string, name: string) =>
      (
        await insertRun(db, {
          repoId,
          workflowName: name,
          workflowFile: '.plue/workflows/ci.py',
          event: 'push',
          headSha: SHA,
          headBranch: 'main',
          plan: { steps: [] },
          tokenHash: 'e'.repeat(64),
          steps: [],
        })
      ).id;
    const busyRuns = [];
    for (let i = 0; i < 5; i++) busyRuns.push(await queue(busy, `busy${i}`));
    const calmRun = await queue(calm, 'calm');
    const now = new Date();
    const claim = async () =>
      (await claimRunLease(db, 'ctl', 30, 'a'.repeat(64), now, x.login, 2))?.id ?? 'none';
    expect(await claim()).toBe(busyRuns[0]);
    expect(await claim()).toBe(calmRun);
    expect(await claim()).toBe(busyRuns[1]);
    // Two of `busy` running: its three queued runs wait.
    expect(await claim()).toBe('none');
  });
});
