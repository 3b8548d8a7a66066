/**
 * The databases a test runs against: always embedded PGlite, plus the real PostgreSQL server
 * when DATABASE_URL is set (as in CI). Each gets a fresh, migrated database reached through the
 * production driver (the Neon driver over the local WebSocket proxy).
 */
import { afterAll, beforeAll } from 'vitest';
import ws from 'ws';
import { createDb, type Db } from '../../db/client';
import { startLocalDatabase, type LocalDatabase } from '../../db/local-server/index';
import { runMigrations } from '../../scripts/stack';
import { scratchDatabase } from '../../scripts/clients/scratch-database';

export interface TestDatabase {
  name: 'pglite' | 'postgres';
  local: LocalDatabase;
  /** Opens a new handle (end it when done). */
  open(): Db;
  close(): Promise<void>;
}

export const BACKENDS: Array<'pglite' | 'postgres'> = process.env.DATABASE_URL
  ? ['pglite', 'postgres']
  : ['pglite'];

/** Starts a migrated test database of the given kind. */
export async function openTestDatabase(kind: 'pglite' | 'postgres'): Promise<TestDatabase> {
  let scratch: { url: string; drop(): Promise<void> } | undefined;
  if (kind === 'postgres') {
    const server = process.env.DATABASE_URL;
    if (!server) throw new Error('DATABASE_URL is not set');
    scratch = await scratchDatabase(server);
  }
  const local = await startLocalDatabase({ databaseUrl: scratch?.url });
  await runMigrations(local);
  return {
    name: kind,
    local,
    open: () =>
      createDb({
        databaseUrl: local.databaseUrl,
        wsProxy: local.wsProxy,
        webSocketConstructor: ws,
      }),
    close: async () => {
      await local.close();
      await scratch?.drop();
    },
  };
}

/**
 * For a `describe` block: a migrated database of `kind` opened before its tests and closed after
 * them, and one handle they share, returned at once (it forwards to the handle `beforeAll` opens,
 * so use it inside tests).
 */
export function useTestDatabase(kind: 'pglite' | 'postgres'): Db {
  let tdb: TestDatabase | undefined;
  let db: Db | undefined;
  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    db = tdb.open();
  }, 60_000);
  afterAll(async () => {
    await db?.end();
    await tdb?.close();
  });
  const open = (): Db => {
    if (!db) throw new Error('the test database is not open yet (use it inside a test)');
    return db;
  };
  return {
    query: (text, params) => open().query(text, params),
    transaction: (fn) => open().transaction(fn),
    transactionLocked: (key, fn) => {
      const handle = open();
      if (!handle.transactionLocked) throw new Error('the handle cannot take a lock with BEGIN');
      return handle.transactionLocked(key, fn);
    },
    warm: () => open().warm?.(),
    // Ended by the block's afterAll.
    end: () => Promise.resolve(),
  };
}

/**
 * `db` with every statement sent through it recorded, as its first `words` words (whitespace
 * collapsed), and with `marks`, each transaction's BEGIN and COMMIT: tests that count round trips.
 */
export function recordStatements(
  db: Db,
  opts: { words?: number; marks?: boolean } = {},
): { db: Db; statements: string[] } {
  const { words = 1, marks = true } = opts;
  const statements: string[] = [];
  const wrap = (d: Db): Db => ({
    query: (text, params) => {
      statements.push(text.trim().split(/\s+/).slice(0, words).join(' '));
      return d.query(text, params);
    },
    transaction: async (fn) => {
      if (marks) statements.push('BEGIN');
      const value = await d.transaction((tx) => fn(wrap(tx)));
      if (marks) statements.push('COMMIT');
      return value;
    },
    end: () => d.end(),
  });
  return { db: wrap(db), statements };
}
