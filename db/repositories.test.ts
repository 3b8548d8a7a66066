import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../test/helpers/databases';
import {
  deleteCollaborator,
  deleteRepo,
  findCollaboratorPermission,
  findRepo,
  insertRepo,
  listCollaborators,
  listReposOfOwner,
  updateRepo,
  upsertCollaborator,
} from './queries/repositories';
import { createUserWithWallet } from './queries/users';

describe.each(BACKENDS)('repository tables on %s', (kind) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await tdb?.close();
  });

  it('creates, finds (any case), updates and deletes repositories', async () => {
    const db = tdb.open();
    try {
      const o = await createUserWithWallet(db, 'owner1', '0x' + '1'.repeat(40));
      const base = { ownerId: o.id, description: '', private: false, defaultBranch: 'main' };
      const r = await insertRepo(db, { ...base, name: 'Hello.World' });
      expect(r).toMatchObject({ name: 'Hello.World', owner_login: 'owner1', private: false });
      expect(await insertRepo(db, { ...base, name: 'hello.world' })).toBeUndefined();
      expect((await findRepo(db, 'OWNER1', 'HELLO.WORLD'))?.id).toBe(r?.id);
      await expect(insertRepo(db, { ...base, name: 'bad/name' })).rejects.toThrow(/check/);
      const u = await updateRepo(
        db,
        r?.id ?? '',
        { description: 'd', private: true },
        new Date(Date.now() + 1000),
      );
      expect(u).toMatchObject({ description: 'd', private: true, default_branch: 'main' });
      expect(u && r && u.updated_at > r.updated_at).toBe(true);
      expect(await deleteRepo(db, r?.id ?? '')).toBe(true);
      expect(await findRepo(db, 'owner1', 'hello.world')).toBeUndefined();
    } finally {
      await db.end();
    }
  });

  it('lists private repositories only to the owner and collaborators, paginated', async () => {
    const db = tdb.open();
    try {
      const o = await createUserWithWallet(db, 'owner2', '0x' + '2'.repeat(40));
      const c = await createUserWithWallet(db, 'collab2', '0x' + '3'.repeat(40));
      const s = await createUserWithWallet(db, 'stranger2', '0x' + '4'.repeat(40));
      const mk = (name: string, priv: boolean) =>
        insertRepo(db, {
          ownerId: o.id,
          name,
          description: '',
          private: priv,
          defaultBranch: 'main',
        });
      await mk('a-pub', false);
      const secret = await mk('b-secret', true);
      await mk('c-pub', false);
      const page = { limit: 10, offset: 0 };
      expect((await listReposOfOwner(db, o.id, o.id, page)).total).toBe(3);
      expect((await listReposOfOwner(db, o.id, s.id, page)).rows.map((r) => r.name)).toEqual([
        'a-pub',
        'c-pub',
      ]);
      expect((await listReposOfOwner(db, o.id, null, page)).total).toBe(2);
      await upsertCollaborator(db, secret?.id ?? '', c.id, 'read');
      await upsertCollaborator(db, secret?.id ?? '', c.id, 'write');
      expect(await findCollaboratorPermission(db, secret?.id ?? '', c.id)).toBe('write');
      expect(await listCollaborators(db, secret?.id ?? '')).toEqual([
        { user_id: c.id, login: 'collab2', permission: 'write' },
      ]);
      const seen = await listReposOfOwner(db, o.id, c.id, { limit: 1, offset: 1 });
      expect(seen).toMatchObject({ total: 3, rows: [{ name: 'b-secret' }] });
      expect(await deleteCollaborator(db, secret?.id ?? '', c.id)).toBe(true);
      expect(await findCollaboratorPermission(db, secret?.id ?? '', c.id)).toBeUndefined();
    } finally {
      await db.end();
    }
  });
});
