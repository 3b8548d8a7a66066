import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../test/helpers/databases';
import { insertRepo } from './queries/repositories';
import { createUserWithWallet } from './queries/users';
import { insertIssue, takeNumber } from './queries/issues';
import { insertIssueEvents } from './queries/issue-events';
import { searchIssues } from './queries/issues-search';
import {
  countLandings,
  findOpenLandingByChange,
  insertLanding,
  insertRevision,
  isLandingNumber,
  latestRevisions,
  listLandings,
  listRevisions,
  markLanded,
  updateLanding,
} from './queries/landings';

const CHANGE = 'zyxwvutsrqponmlkzyxwvutsrqponmlk';
const oid = (c: string) => c.repeat(40);

describe.each(BACKENDS)('landing tables on %s', (kind) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await tdb?.close();
  });

  it('shares issue numbers, keys open landings by change, keeps revisions in order', async () => {
    const db = tdb.open();
    try {
      const o = await createUserWithWallet(db, 'lowner', '0x' + 'e'.repeat(40));
      const repo = await insertRepo(db, {
        ownerId: o.id,
        name: 'lands',
        description: '',
        private: false,
        defaultBranch: 'main',
      });
      const repoId = repo?.id ?? '';
      const now = new Date();
      await insertIssue(db, { repoId, authorId: o.id, title: 'an issue', body: '', now });
      const base = {
        repoId,
        authorId: o.id,
        body: '',
        targetBranch: 'main',
        topic: null,
        draft: false,
        now,
      };
      const n = await takeNumber(db, repoId);
      expect(n).toBe(2);
      const id = await db.transaction((tx) =>
        insertLanding(tx, { ...base, number: n, title: 'L', sourceBranch: null, changeId: CHANGE }),
      );
      for (const [k, c] of [
        [1, 'a'],
        [2, 'b'],
      ] as const) {
        await insertRevision(db, {
          landingId: id,
          number: k,
          headOid: oid(c),
          baseOid: oid('0'),
          targetOid: oid('0'),
          changeId: CHANGE,
          parentChangeId: null,
          pusherId: o.id,
          now,
        });
      }
      expect((await listRevisions(db, id)).map((r) => r.head_oid)).toEqual([oid('a'), oid('b')]);
      expect((await latestRevisions(db, [id])).get(id)?.number).toBe(2);
      expect((await findOpenLandingByChange(db, repoId, 'main', CHANGE))?.number).toBe(2);
      expect(await findOpenLandingByChange(db, repoId, 'other', CHANGE)).toBeUndefined();
      // A second open landing of the same change onto the same target is refused by the index.
      const dup = await db
        .transaction((tx) =>
          insertLanding(tx, {
            ...base,
            number: 99,
            title: 'D',
            sourceBranch: null,
            changeId: CHANGE,
          }),
        )
        .catch((e: unknown) => e);
      expect(dup).toBeInstanceOf(Error);
      // Neither a change id nor a branch: refused by the table.
      const none = await db
        .transaction((tx) =>
          insertLanding(tx, {
            ...base,
            number: 98,
            title: 'N',
            sourceBranch: null,
            changeId: null,
          }),
        )
        .catch((e: unknown) => e);
      expect(none).toBeInstanceOf(Error);
      // Issues do not list it; landings do, with counts per state.
      const all = {
        labels: [],
        notLabels: [],
        noAssignee: false,
        noLabel: false,
        text: '',
        sort: 'created' as const,
        direction: 'asc' as const,
      };
      const issues = await searchIssues(db, repoId, all, { limit: 10, offset: 0 });
      expect(issues.rows.map((r) => r.number)).toEqual([1]);
      expect(issues.open).toBe(1);
      expect(await isLandingNumber(db, repoId, 2)).toBe(true);
      expect(await isLandingNumber(db, repoId, 1)).toBe(false);
      expect((await listLandings(db, repoId, 'open', { limit: 10, offset: 0 }))[0]).toMatchObject({
        number: 2,
        change_id: CHANGE,
        landing_state: 'open',
        revisions_count: 2,
      });
      expect(await markLanded(db, id, { landerId: o.id, oid: oid('c'), now })).toBe(true);
      expect(await markLanded(db, id, { landerId: o.id, oid: oid('d'), now })).toBe(false);
      expect((await listLandings(db, repoId, 'landed', { limit: 5, offset: 0 }))[0]).toMatchObject({
        landed_oid: oid('c'),
        landed_by_login: 'lowner',
        state: 'closed',
        state_reason: 'completed',
      });
      await updateLanding(db, id, { state: 'closed', draft: true }, now);
      expect(await countLandings(db, repoId)).toEqual({ open: 0, closed: 1, landed: 0 });
      expect(await findOpenLandingByChange(db, repoId, 'main', CHANGE)).toBeUndefined();
      // The timeline takes the landing's own events.
      await insertIssueEvents(db, [
        { issueId: id, actorId: o.id, event: 'revision_pushed', data: { revision: 2 }, now },
      ]);
    } finally {
      await db.end();
    }
  });
});
