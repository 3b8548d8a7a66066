/**
 * Renames, transfers and the redirects they leave (migration 0007), on real SQL: redirects point
 * at ids (no chains), a case-only rename leaves none, a new repository or user taking the name
 * ends the redirect, a transfer drops the new owner's collaborator row, and a move onto a taken
 * name changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../test/helpers/databases';
import {
  endRepoRedirect,
  findRedirectedRepo,
  findRedirectedUser,
  moveRepo,
  renameUserWithRedirect,
} from './queries/redirects';
import { findCollaboratorPermission, insertRepo, upsertCollaborator } from './queries/repositories';
import { createUserWithWallet, findUserById } from './queries/users';

describe.each(BACKENDS)('redirects on %s', (kind) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await tdb?.close();
  });

  it('renames and transfers repositories, leaving redirects to their id', async () => {
    const db = tdb.open();
    try {
      const a = await createUserWithWallet(db, 'mover-a', '0x' + '7'.repeat(40));
      const b = await createUserWithWallet(db, 'mover-b', '0x' + '8'.repeat(40));
      const base = { description: '', private: false, defaultBranch: 'main' };
      const r = await insertRepo(db, { ...base, ownerId: a.id, name: 'one' });
      if (!r) throw new Error('insert failed');
      const two = await moveRepo(db, r, { ownerId: a.id, name: 'two' }, new Date());
      const three = two && (await moveRepo(db, two, { ownerId: a.id, name: 'Three' }, new Date()));
      if (!three) throw new Error('rename failed');
      // Both old names lead to the repository itself (no chain through "two").
      expect((await findRedirectedRepo(db, 'MOVER-A', 'ONE'))?.name).toBe('Three');
      expect((await findRedirectedRepo(db, 'mover-a', 'two'))?.name).toBe('Three');
      // A case-only rename leaves no redirect.
      const same = await moveRepo(db, three, { ownerId: a.id, name: 'three' }, new Date());
      if (!same) throw new Error('case-only rename failed');
      expect(same.name).toBe('three');
      const count = await db.query<{ n: string }>(
        `SELECT count(*)::text AS n FROM repository_redirects WHERE repo_id = $1`,
        [r.id],
      );
      expect(count[0]?.n).toBe('2');

      // Transfer: the new owner stops being a collaborator.
      await upsertCollaborator(db, r.id, b.id, 'write');
      const other = await insertRepo(db, { ...base, ownerId: b.id, name: 'three' });
      expect(
        await moveRepo(db, same, { ownerId: b.id, name: 'three' }, new Date()),
      ).toBeUndefined();
      const moved = await moveRepo(db, same, { ownerId: b.id, name: 'gift' }, new Date());
      expect(moved).toMatchObject({ owner_login: 'mover-b', name: 'gift' });
      expect(await findCollaboratorPermission(db, r.id, b.id)).toBeUndefined();
      expect((await findRedirectedRepo(db, 'mover-a', 'three'))?.name).toBe('gift');
      expect(other).toBeDefined();

      // A new repository taking an old name ends its redirect.
      await insertRepo(db, { ...base, ownerId: a.id, name: 'one' });
      await endRepoRedirect(db, a.id, 'one');
      expect((await findRedirectedRepo(db, 'mover-a', 'one'))?.id).not.toBe(r.id);
    } finally {
      await db.end();
    }
  });

  it('renames users with a redirect until someone takes the old name', async () => {
    const db = tdb.open();
    try {
      const u = await createUserWithWallet(db, 'u-cafe0001', '0x' + '9'.repeat(40));
      expect(u.username_chosen).toBe(false);
      await createUserWithWallet(db, 'held', '0x' + 'a1'.repeat(20));
      expect(await renameUserWithRedirect(db, u.id, 'u-cafe0001', 'HELD')).toBe(false);
      expect(await renameUserWithRedirect(db, u.id, 'u-cafe0001', 'chosen')).toBe(true);
      expect(await findUserById(db, u.id)).toMatchObject({
        username: 'chosen',
        username_chosen: true,
      });
      expect(await findRedirectedUser(db, 'U-CAFE0001')).toBe(u.id);
      // Someone new gets the old name: the redirect ends.
      await createUserWithWallet(db, 'u-cafe0001', '0x' + 'b2'.repeat(20));
      expect(await findRedirectedUser(db, 'u-cafe0001')).toBeUndefined();
    } finally {
      await db.end();
    }
  });
});
