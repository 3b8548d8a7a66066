// An event's checkout token (job-credentials.ts) against a real database:
// it reads while the claim holds and for a minute after the event was reported, never after
// that, never once the event failed, and never with another event's id.
import { describe, expect, it } from 'vitest';
import { BACKENDS, useTestDatabase } from '../../../test/helpers/databases';
import type { Env } from '../../env';
import { EVENT_TOKEN_GRACE_MS, eventCheckoutToken, jobScopeOf } from './job-credentials';
import { insertRepo } from '../../../db/queries/repositories';
import { createUserWithWallet } from '../../../db/queries/users';
import {
  claimEventAndSiblings,
  finishEvent,
  insertEvent,
} from '../../../db/queries/workflow-events';

const env = { PLUE_SECRETS_KEY: 'event-token-test-key' } as unknown as Env;
let n = 0;

describe.each(BACKENDS)('event tokens on %s', (kind) => {
  const db = useTestDatabase(kind);

  /** A claimed push event of a fresh repository, with its token. */
  async function claimed(at: Date) {
    n += 1;
    const login = `evtok${n}${Math.random().toString(36).slice(2, 6)}`;
    const u = await createUserWithWallet(db, login, '0x' + String(7000 + n).padStart(40, '0'));
    const repo = await insertRepo(db, {
      ownerId: u.id,
      name: 'r',
      description: '',
      private: true,
      defaultBranch: 'main',
    });
    if (!repo) throw new Error('no repo');
    await insertEvent(db, {
      repoId: repo.id,
      type: 'push',
      ref: 'refs/heads/main',
      beforeSha: null,
      afterSha: 'a'.repeat(40),
      actorId: u.id,
    });
    const lease = { seconds: 30, siblingSeconds: 30, now: at };
    const got = await claimEventAndSiblings(db, 'ctl', lease, { repoOwner: login, siblings: 0 });
    if (!got) throw new Error('nothing claimed');
    const e = got.event;
    const token = await eventCheckoutToken(env, e.id, e.lease_epoch);
    return { e, cred: { kind: 'event' as const, id: e.id, token } };
  }
  const after = (at: Date, ms: number) => new Date(at.getTime() + ms);

  it('reads while claimed and for the grace after the report, then never', async () => {
    const t0 = new Date();
    const { e, cred } = await claimed(t0);
    expect(await jobScopeOf(db, env, cred, after(t0, 1000))).toMatchObject({ repoId: e.repo_id });
    const other = { ...cred, id: String(Number(e.id) + 1000) };
    expect(await jobScopeOf(db, env, other, after(t0, 1000))).toBeUndefined();
    const reported = after(t0, 2000);
    expect(
      await finishEvent(db, e.id, { owner: 'ctl', epoch: e.lease_epoch }, 'done', null, reported),
    ).toBe(true);
    const inGrace = after(reported, EVENT_TOKEN_GRACE_MS - 1000);
    expect(await jobScopeOf(db, env, cred, inGrace)).toMatchObject({ repoId: e.repo_id });
    expect(
      await jobScopeOf(db, env, cred, after(reported, EVENT_TOKEN_GRACE_MS + 1)),
    ).toBeUndefined();
  });

  it('dies at once when the event failed', async () => {
    const t0 = new Date();
    const { e, cred } = await claimed(t0);
    const failedAt = after(t0, 1000);
    await finishEvent(db, e.id, { owner: 'ctl', epoch: e.lease_epoch }, 'failed', 'x', failedAt);
    expect(await jobScopeOf(db, env, cred, after(failedAt, 1))).toBeUndefined();
  });
});
