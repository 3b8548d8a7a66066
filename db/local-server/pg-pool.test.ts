import ws from 'ws';
import { describe, expect, it, vi } from 'vitest';
import { createDb, type Db } from '../client';
import { BackendFramer, BackendTracker } from './pg-frames';
import { startLocalDatabase, type LocalDatabase } from './index';

/** A backend message: type, int32 length, body. */
function msg(type: string, body: number[]): number[] {
  const len = body.length + 4;
  return [
    type.charCodeAt(0),
    len >>> 24,
    (len >>> 16) & 255,
    (len >>> 8) & 255,
    len & 255,
    ...body,
  ];
}
const READY_T = msg('Z', ['T'.charCodeAt(0)]);
const READY_I = msg('Z', ['I'.charCodeAt(0)]);
const ROW = msg('D', [0, 1, 0, 0, 0, 1, 0x5a]); // a DataRow whose value byte is 'Z'
const STREAM = Uint8Array.from([...ROW, ...READY_T, ...ROW, ...ROW, ...READY_I]);

describe('BackendTracker', () => {
  it('counts ReadyForQuery and keeps the last status however the stream is cut', () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const t = new BackendTracker();
      const n = t.push(STREAM.subarray(0, cut)) + t.push(STREAM.subarray(cut));
      expect(n).toBe(2);
      expect(t.status).toBe('I');
      expect(t.atBoundary()).toBe(true);
    }
  });

  it('byte by byte, and not at a boundary inside a message or after a non-ready message', () => {
    const t = new BackendTracker();
    let n = 0;
    for (const b of STREAM) n += t.push(Uint8Array.of(b));
    expect(n).toBe(2);
    t.push(Uint8Array.from(ROW.slice(0, 3)));
    expect(t.atBoundary()).toBe(false);
    t.push(Uint8Array.from(ROW.slice(3)));
    expect(t.atBoundary()).toBe(false);
  });

  it('rejects impossible lengths and survives random input with plain errors', () => {
    expect(() => new BackendTracker().push(Uint8Array.of(0x5a, 0, 0, 0, 2))).toThrow(/length/);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) % 256;
    for (let k = 0; k < 200; k++) {
      const bytes = Uint8Array.from({ length: 1 + (rnd() % 64) }, rnd);
      try {
        new BackendTracker().push(bytes);
        new BackendFramer().push(bytes);
      } catch (err) {
        expect(err).toBeInstanceOf(Error);
      }
    }
  });
});

describe('BackendFramer', () => {
  it('yields whole messages only, holding a truncated one until it completes', () => {
    const f = new BackendFramer();
    expect(f.push(STREAM.subarray(0, ROW.length + 3))).toHaveLength(1);
    const rest = f.push(STREAM.subarray(ROW.length + 3));
    expect(rest.map((m) => String.fromCharCode(m.type))).toEqual(['Z', 'D', 'D', 'Z']);
    expect(Array.from(rest[3]?.bytes ?? [])).toEqual(READY_I);
  });
});

describe.runIf(process.env.DATABASE_URL)('the session pool in front of PostgreSQL', () => {
  const server = process.env.DATABASE_URL as string;
  const open = (local: LocalDatabase): Db =>
    createDb({ databaseUrl: server, wsProxy: local.wsProxy, webSocketConstructor: ws });
  const pid = async (local: LocalDatabase, sql?: string): Promise<number> => {
    const db = open(local);
    try {
      if (sql) await db.query(sql);
      const rows = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      return Number(rows[0]?.pid);
    } finally {
      await db.end();
    }
  };
  /** Waits (bounded) until every open server connection is back in the pool. */
  const settle = (local: LocalDatabase): Promise<void> =>
    vi.waitFor(
      () => {
        const c = local.serverConnections();
        expect(c.idle).toBe(c.open);
      },
      { timeout: 5000, interval: 10 },
    );

  it('reuses a server connection for the next client, with the session reset', async () => {
    const local = await startLocalDatabase({ databaseUrl: server, maxServerConnections: 4 });
    try {
      const first = await pid(local, `SET application_name = 'pool-test'`);
      await settle(local);
      const db = open(local);
      try {
        const rows = await db.query<{ pid: number; app: string }>(
          `SELECT pg_backend_pid() AS pid, current_setting('application_name') AS app`,
        );
        expect(Number(rows[0]?.pid)).toBe(first);
        expect(rows[0]?.app).not.toBe('pool-test');
        // A temporary table of an earlier session is gone (DISCARD ALL).
        await db.query('CREATE TEMP TABLE pool_tmp (a int)');
      } finally {
        await db.end();
      }
      await settle(local);
      const again = open(local);
      try {
        const rows = await again.query(`SELECT to_regclass('pg_temp.pool_tmp') AS t`);
        expect(rows[0]?.t).toBeNull();
      } finally {
        await again.end();
      }
      expect(local.serverConnections().opened).toBe(1);
    } finally {
      await local.close();
    }
  }, 30_000);

  it('never hands on a connection left inside a transaction', async () => {
    const local = await startLocalDatabase({ databaseUrl: server, maxServerConnections: 4 });
    try {
      const first = await pid(local, 'BEGIN');
      await settle(local);
      expect(await pid(local)).not.toBe(first);
      expect(local.serverConnections().opened).toBe(2);
    } finally {
      await local.close();
    }
  }, 30_000);

  it('serves a burst of clients through a few server connections, none failing', async () => {
    const local = await startLocalDatabase({ databaseUrl: server, maxServerConnections: 3 });
    let most = 0;
    const watch = setInterval(() => {
      most = Math.max(most, local.serverConnections().open);
    }, 2);
    try {
      const got = await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const db = open(local);
          try {
            const rows = await db.query<{ n: number }>('SELECT $1::int AS n', [i]);
            return rows[0]?.n;
          } finally {
            await db.end();
          }
        }),
      );
      expect(got).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(most).toBeLessThanOrEqual(3);
      expect(local.serverConnections().opened).toBeLessThanOrEqual(3);
    } finally {
      clearInterval(watch);
      await local.close();
    }
  }, 30_000);
});
