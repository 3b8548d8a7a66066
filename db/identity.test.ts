import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../test/helpers/databases';
import { findSessionUser, insertSession, revokeSession } from './queries/sessions';
import { deleteSshKey, insertSshKey, listSshKeys, useSshKey } from './queries/ssh-keys';
import { insertToken, listTokens, revokeToken, useToken } from './queries/tokens';
import { createUserWithWallet, findUserById, renameUser } from './queries/users';

const hex64 = (c: string) => c.repeat(64);

describe.each(BACKENDS)('identity tables on %s', (kind) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await tdb?.close();
  });

  it('finds live sessions only (not revoked, not expired)', async () => {
    const db = tdb.open();
    try {
      const u = await createUserWithWallet(db, 'sess-user', '0x' + 'a'.repeat(40));
      const now = new Date();
      await insertSession(db, {
        id: hex64('1'),
        userId: u.id,
        expiresAt: new Date(now.getTime() + 60_000),
        userAgent: 'test',
      });
      await insertSession(db, {
        id: hex64('2'),
        userId: u.id,
        expiresAt: new Date(now.getTime() - 1),
        userAgent: null,
      });
      expect((await findSessionUser(db, hex64('1'), now))?.username).toBe('sess-user');
      expect((await findSessionUser(db, hex64('1'), now))?.address).toBe('0x' + 'a'.repeat(40));
      expect(await findSessionUser(db, hex64('2'), now)).toBeUndefined();
      expect(await revokeSession(db, hex64('1'), now)).toBe(true);
      expect(await revokeSession(db, hex64('1'), now)).toBe(false);
      expect(await findSessionUser(db, hex64('1'), now)).toBeUndefined();
      await expect(
        insertSession(db, { id: 'short', userId: u.id, expiresAt: now, userAgent: null }),
      ).rejects.toThrow(/check constraint/);
    } finally {
      await db.end();
    }
  });

  it('uses, lists and revokes tokens; rejects unknown scopes', async () => {
    const db = tdb.open();
    try {
      const u = await createUserWithWallet(db, 'tok-user', '0x' + 'b'.repeat(40));
      const now = new Date();
      const t = await insertToken(db, {
        userId: u.id,
        name: 'ci',
        hash: hex64('c'),
        scopes: ['repo:read'],
        expiresAt: null,
      });
      await insertToken(db, {
        userId: u.id,
        name: 'old',
        hash: hex64('d'),
        scopes: ['admin'],
        expiresAt: new Date(now.getTime() - 1000),
      });
      const used = await useToken(db, hex64('c'), now);
      expect(used?.user.username).toBe('tok-user');
      expect(used?.token.scopes).toEqual(['repo:read']);
      expect(used?.token.last_used_at).toBeInstanceOf(Date);
      expect(await useToken(db, hex64('d'), now)).toBeUndefined();
      expect((await listTokens(db, u.id)).map((x) => x.name)).toEqual(['old', 'ci']);
      expect(await revokeToken(db, '999999', t.id, now)).toBe(false);
      expect(await revokeToken(db, u.id, t.id, now)).toBe(true);
      expect(await useToken(db, hex64('c'), now)).toBeUndefined();
      await expect(
        insertToken(db, {
          userId: u.id,
          name: 'x',
          hash: hex64('e'),
          scopes: ['root'],
          expiresAt: null,
        }),
      ).rejects.toThrow(/check constraint/);
    } finally {
      await db.end();
    }
  });

  it('keeps SSH key fingerprints unique across users', async () => {
    const db = tdb.open();
    try {
      const a = await createUserWithWallet(db, 'key-a', '0x' + 'c'.repeat(40));
      const b = await createUserWithWallet(db, 'key-b', '0x' + 'd'.repeat(40));
      const key = {
        title: 'laptop',
        keyType: 'ssh-ed25519',
        publicKey: 'AAAA',
        fingerprint: 'SHA256:x',
      };
      const k = await insertSshKey(db, { userId: a.id, ...key });
      expect(k?.fingerprint).toBe('SHA256:x');
      expect(await insertSshKey(db, { userId: b.id, ...key })).toBeUndefined();
      expect((await useSshKey(db, 'SHA256:x', new Date()))?.username).toBe('key-a');
      expect(await listSshKeys(db, a.id)).toHaveLength(1);
      expect(await deleteSshKey(db, b.id, k?.id ?? '')).toBe(false);
      expect(await deleteSshKey(db, a.id, k?.id ?? '')).toBe(true);
      expect(await useSshKey(db, 'SHA256:x', new Date())).toBeUndefined();
    } finally {
      await db.end();
    }
  });

  it('renames users unless the name is taken in any case', async () => {
    const db = tdb.open();
    try {
      const a = await createUserWithWallet(db, 'ren-a', '0x' + 'e'.repeat(40));
      await createUserWithWallet(db, 'ren-b', '0x' + 'f'.repeat(40));
      expect(await renameUser(db, a.id, 'REN-B')).toBe(false);
      expect(await renameUser(db, a.id, 'Ren-A2')).toBe(true);
      expect((await findUserById(db, a.id))?.username).toBe('Ren-A2');
    } finally {
      await db.end();
    }
  });
});
