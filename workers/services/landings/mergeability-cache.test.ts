/**
 * The mergeability cache on real SQL (PGlite, and PostgreSQL when DATABASE_URL is set): an answer
 * is computed once per (head, base, target tip) and served from the landing's row after; a moved
 * target or head computes again and replaces the row (one per landing); conflicts survive the
 * round trip as {path, kind}. And the push path's protection rules: one read per push, none when
 * the caller hands the list it read over.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../../../test/helpers/databases';
import type { Db } from '../../../db/client';
import { takeNumber } from '../../../db/queries/issues';
import { insertLanding } from '../../../db/queries/landings';
import { insertRepo, type RepoRow } from '../../../db/queries/repositories';
import { createUserWithWallet } from '../../../db/queries/users';
import { parseInput } from '../../../common/schemas/parse';
import { ZERO_OID } from '../../../common/git/refs';
import { protectionGuard } from '../git/receive-protection';
import {
  protectionRequest,
  protectionRules,
  putProtection,
} from '../repos/branch-protection-store';
import { cachedMergeability, type CachedMergeability } from './mergeability-cache';

const oid = (c: string) => c.repeat(40);

/** A Db that counts the statements whose text matches `pattern`. */
function counting(db: Db, pattern: RegExp): { db: Db; count(): number } {
  let n = 0;
  const wrapped: Db = {
    query: (text, params) => {
      if (pattern.test(text)) n++;
      return db.query(text, params);
    },
    transaction: (fn) => db.transaction(fn),
    end: () => db.end(),
  };
  return { db: wrapped, count: () => n };
}

describe.each(BACKENDS)('the land loop’s caches on %s', (kind) => {
  let tdb: TestDatabase;
  let db: Db;
  let repo: RepoRow;
  let owner: { id: string };
  let landingId: string;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    db = tdb.open();
    owner = await createUserWithWallet(db, 'mowner', `0x${'3'.repeat(40)}`);
    repo = (await insertRepo(db, {
      ownerId: owner.id,
      name: 'merges',
      description: '',
      private: false,
      defaultBranch: 'main',
    })) as RepoRow;
    const number = await takeNumber(db, repo.id);
    landingId = await db.transaction((tx) =>
      insertLanding(tx, {
        repoId: repo.id,
        number,
        authorId: owner.id,
        title: 'L',
        body: '',
        targetBranch: 'main',
        sourceBranch: 'topic',
        changeId: null,
        topic: null,
        draft: false,
        now: new Date(),
      }),
    );
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await tdb?.close();
  });

  it('computes once per key, recomputes when the target moves, one row per landing', async () => {
    let computed = 0;
    const answer = (m: CachedMergeability) => async () => {
      computed++;
      return m;
    };
    const key1 = { targetTip: oid('1'), base: oid('0'), head: oid('a') };
    const conflicted: CachedMergeability = {
      clean: false,
      conflicts: [
        { path: 'src/a.ts', kind: 'content' },
        { path: 'b', kind: 'modify/delete' },
      ],
    };
    const now = new Date();
    expect(await cachedMergeability(db, landingId, key1, answer(conflicted), now)).toEqual(
      conflicted,
    );
    expect(computed).toBe(1);
    // Served from the row: the compute callback would give another answer, and is not called.
    const clean = { clean: true, conflicts: [] };
    expect(await cachedMergeability(db, landingId, key1, answer(clean), now)).toEqual(conflicted);
    expect(computed).toBe(1);

    const key2 = { ...key1, targetTip: oid('2') };
    expect(await cachedMergeability(db, landingId, key2, answer(clean), now)).toEqual(clean);
    expect(computed).toBe(2);
    const rows = await db.query<{ target_oid: string }>(
      `SELECT target_oid FROM landing_mergeability WHERE landing_id = $1`,
      [landingId],
    );
    expect(rows).toEqual([{ target_oid: oid('2') }]);
    // A new head (or base) is another key too.
    await cachedMergeability(db, landingId, { ...key2, head: oid('b') }, answer(clean), now);
    await cachedMergeability(
      db,
      landingId,
      { ...key2, head: oid('b'), base: oid('9') },
      answer(clean),
      now,
    );
    expect(computed).toBe(4);
    await cachedMergeability(
      db,
      landingId,
      { ...key2, head: oid('b'), base: oid('9') },
      answer(conflicted),
      now,
    );
    expect(computed).toBe(4);
  });

  it('reads the protection rules once per push, and not at all when handed them', async () => {
    await putProtection(
      db,
      repo,
      'main',
      parseInput(protectionRequest, { required_pull_request_reviews: {} }),
      new Date(),
    );
    const commands = ['main', 'other', 'release'].map((b) => ({
      ref: `refs/heads/${b}`,
      oldOid: ZERO_OID,
      newOid: oid('c'),
    }));
    const objects = () => Promise.reject(new Error('creating branches reads no objects'));
    const user = { id: owner.id, login: 'mowner' };

    const alone = counting(db, /FROM branch_protections/);
    const guard = await protectionGuard(alone.db, repo.id, user);
    await guard?.check(commands, objects);
    await guard?.check(commands, objects);
    expect(alone.count()).toBe(1);

    const rules = await protectionRules(db, repo.id);
    const handed = counting(db, /FROM branch_protections/);
    const again = await protectionGuard(handed.db, repo.id, user, rules);
    expect(again).toBeDefined();
    await again?.check(commands, objects);
    expect(handed.count()).toBe(0);
  });
});
