import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../test/helpers/databases';
import { createUserWithWallet, findUserByUsername, findUserByWallet } from './queries/users';
import { lockedTransaction } from './client';
import { loadMigrations } from './load-migrations';
import { migrate, parseMigrationName } from './migrate';

describe('migration names', () => {
  it('parses NNNN_name.sql and rejects others', () => {
    expect(parseMigrationName('0001_users.sql')).toEqual({ version: 1, name: 'users' });
    expect(parseMigrationName('1_users.sql')).toBeUndefined();
    expect(parseMigrationName('0001_Users.sql')).toBeUndefined();
    expect(parseMigrationName('0001_users.txt')).toBeUndefined();
  });
  it('ships migrations with unique versions', () => {
    const versions = loadMigrations().map((m) => m.version);
    expect(new Set(versions).size).toBe(versions.length);
  });
});

describe.each(BACKENDS)('database on %s', (kind) => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
  }, 60_000);
  afterAll(async () => {
    await tdb?.close();
  });

  it('re-running migrations applies nothing', async () => {
    const db = tdb.open();
    try {
      expect(await migrate(db, loadMigrations())).toEqual([]);
    } finally {
      await db.end();
    }
  });

  it('creates and finds users by wallet (any case) and username (any case)', async () => {
    const db = tdb.open();
    try {
      const addr = '0xAbCdEf0123456789aBcDeF0123456789AbCdEf01';
      const u = await createUserWithWallet(db, 'alice', addr);
      expect(u.address).toBe(addr.toLowerCase());
      expect((await findUserByWallet(db, addr.toUpperCase().replace('0X', '0x')))?.id).toBe(u.id);
      expect((await findUserByUsername(db, 'ALICE'))?.id).toBe(u.id);
      await expect(createUserWithWallet(db, 'Alice', '0x' + '1'.repeat(40))).rejects.toThrow(
        /duplicate key/,
      );
    } finally {
      await db.end();
    }
  });

  it('rolls a failed transaction back completely', async () => {
    const db = tdb.open();
    try {
      await expect(
        db.transaction(async (tx) => {
          await tx.query(`INSERT INTO users (username) VALUES ('rollback-me')`);
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      expect(await findUserByUsername(db, 'rollback-me')).toBeUndefined();
    } finally {
      await db.end();
    }
  });

  it('takes an advisory lock with the BEGIN, and releases it at COMMIT or on a failure', async () => {
    const db = tdb.open();
    const held = async (tx: { query: typeof db.query }) =>
      (
        await tx.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM pg_locks WHERE locktype = 'advisory' AND granted
             AND pid = pg_backend_pid()`,
        )
      )[0]?.n;
    try {
      expect(db.transactionLocked).toBeTypeOf('function');
      expect(await lockedTransaction(db, 'test:lock', (tx) => held(tx))).toBe('1');
      expect(await held(db)).toBe('0');
      await expect(
        lockedTransaction(db, 'test:lock', async (tx) => {
          await tx.query('SELECT 1/0');
        }),
      ).rejects.toThrow(/division by zero/);
      expect(await held(db)).toBe('0');
      // Inside a transaction (or a handle without it) the lock is a statement of its own.
      expect(
        await db.transaction((tx) => lockedTransaction(tx, 'test:lock', (inner) => held(inner))),
      ).toBe('1');
      expect(() => lockedTransaction(db, "x'); DROP TABLE users; --", held)).toThrow(
        /not a lock name/,
      );
    } finally {
      await db.end();
    }
  });

  it('queues concurrent connections instead of failing', async () => {
    const handles = Array.from({ length: 8 }, () => tdb.open());
    try {
      const results = await Promise.all(
        handles.map((h, i) =>
          h.transaction(async (tx) => {
            await tx.query('SELECT pg_sleep(0.02)');
            const [row] = await tx.query<{ n: number }>('SELECT $1::int AS n', [i]);
            return row?.n;
          }),
        ),
      );
      expect(results).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    } finally {
      await Promise.all(handles.map((h) => h.end()));
    }
  });

  it('reports an unreachable database as unavailable', async () => {
    const { createDb } = await import('./client');
    const db = createDb({
      databaseUrl: 'postgres://x@127.0.0.1:1/none',
      wsProxy: '127.0.0.1:1/v1',
      webSocketConstructor: (await import('ws')).default,
      connectTimeoutMs: 2000,
    });
    await expect(db.query('SELECT 1')).rejects.toMatchObject({ kind: 'unavailable' });
    await db.end();
  });

  it('connects ahead on warm() and reports a failed warm-up on the next query', async () => {
    const db = tdb.open();
    db.warm?.();
    db.warm?.(); // once is enough; again changes nothing
    expect(await db.query<{ n: number }>('SELECT 1 AS n')).toEqual([{ n: 1 }]);
    await db.end();
    db.warm?.(); // after end(): no new connection, no error
    await expect(db.query('SELECT 1')).rejects.toThrow(/after end/);

    const { createDb } = await import('./client');
    const down = createDb({
      databaseUrl: 'postgres://x@127.0.0.1:1/none',
      wsProxy: '127.0.0.1:1/v1',
      webSocketConstructor: (await import('ws')).default,
      connectTimeoutMs: 2000,
    });
    down.warm?.();
    await expect(down.query('SELECT 1')).rejects.toMatchObject({ kind: 'unavailable' });
    await down.end();
  });
});
