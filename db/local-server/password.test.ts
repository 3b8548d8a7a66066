// The embedded database's endpoints ask for a password: psql (TCP) and the production driver
// (WebSocket) get in with the connection string startLocalDatabase returns, and not without
// it or with a wrong one. The password is made once per data directory.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ws from 'ws';
import { createDb } from '../client';
import { startLocalDatabase, type LocalDatabase } from './index';
import { PASSWORD_FILE, parsePasswordMessage, passwordMatches } from './password';

const exec = promisify(execFile);

function withPassword(url: string, password: string | undefined): string {
  const u = new URL(url);
  u.password = password ?? '';
  return u.toString();
}

/** Runs psql without any way to ask for or find a password; resolves to stdout or the error. */
async function psql(url: string): Promise<{ ok: boolean; out: string }> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  try {
    const r = await exec('psql', ['-w', '-X', '-A', '-t', '-c', 'SELECT 40 + 2', url], {
      env: { ...env, PGPASSFILE: '/nonexistent', PGCONNECT_TIMEOUT: '5' },
      timeout: 15_000,
    });
    return { ok: true, out: r.stdout.trim() };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: string }).stderr ?? err) };
  }
}

async function driverQuery(db: LocalDatabase, url: string): Promise<string> {
  const h = createDb({
    databaseUrl: url,
    wsProxy: db.wsProxy,
    webSocketConstructor: ws,
    connectTimeoutMs: 5000,
  });
  try {
    const rows = await h.query<{ n: number }>('SELECT 40 + 2 AS n');
    return String(rows[0]?.n);
  } finally {
    await h.end().catch(() => undefined);
  }
}

describe('embedded database password', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plue-db-pw-'));
  let db: LocalDatabase;
  beforeAll(async () => {
    db = await startLocalDatabase({ dataDir: join(dir, 'pglite') });
  }, 120_000);
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('psql gets in only with the password', async () => {
    const url = db.tcpUrl as string;
    expect(new URL(url).password).toMatch(/^[0-9a-f]{48}$/);
    expect(await psql(url)).toEqual({ ok: true, out: '42' });
    const none = await psql(withPassword(url, undefined));
    expect(none.ok).toBe(false);
    expect(none.out).toMatch(/password/i);
    const wrong = await psql(withPassword(url, 'plue'));
    expect(wrong.ok).toBe(false);
    expect(wrong.out).toMatch(/password authentication failed/);
  });

  it('the driver gets in over the WebSocket endpoint only with the password', async () => {
    expect(await driverQuery(db, db.databaseUrl)).toBe('42');
    await expect(driverQuery(db, withPassword(db.databaseUrl, 'plue'))).rejects.toThrow();
    await expect(driverQuery(db, withPassword(db.databaseUrl, undefined))).rejects.toThrow();
    // A failed attempt leaves the database usable for the next client.
    expect(await driverQuery(db, db.databaseUrl)).toBe('42');
  });

  it('keeps one password per data directory, readable by its owner only', async () => {
    const file = join(dir, 'pglite', PASSWORD_FILE);
    expect(statSync(file).mode & 0o077).toBe(0);
    const first = new URL(db.databaseUrl).password;
    await db.close();
    db = await startLocalDatabase({ dataDir: join(dir, 'pglite') });
    expect(new URL(db.databaseUrl).password).toBe(first);
    const other = await startLocalDatabase();
    try {
      expect(new URL(other.databaseUrl).password).not.toBe(first);
      expect(await driverQuery(other, other.databaseUrl)).toBe('42');
    } finally {
      await other.close();
    }
  }, 120_000);
});

describe('parsePasswordMessage', () => {
  const msg = (pw: string): Uint8Array => {
    const body = Buffer.from(`${pw}\0`);
    const b = Buffer.alloc(5 + body.length);
    b[0] = 0x70;
    b.writeInt32BE(4 + body.length, 1);
    body.copy(b, 5);
    return new Uint8Array(b);
  };

  it('reads a password message and compares it', () => {
    const p = parsePasswordMessage(msg('s3cret'));
    expect(p && Buffer.from(p).toString()).toBe('s3cret');
    expect(passwordMatches(p as Uint8Array, 's3cret')).toBe(true);
    expect(passwordMatches(p as Uint8Array, 's3cret2')).toBe(false);
    expect(passwordMatches(new Uint8Array(), '')).toBe(true);
  });

  it('answers truncated, mislabelled and random bytes with undefined', () => {
    const good = msg('s3cret');
    for (let cut = 0; cut < good.length; cut++) {
      expect(parsePasswordMessage(good.subarray(0, cut))).toBeUndefined();
    }
    expect(parsePasswordMessage(new Uint8Array([0x51, ...good.subarray(1)]))).toBeUndefined();
    expect(parsePasswordMessage(new Uint8Array([...good, 0]))).toBeUndefined();
    const inner = msg('a\0b');
    expect(parsePasswordMessage(inner)).toBeUndefined();
    for (let i = 0; i < 300; i++) {
      const r = new Uint8Array(randomBytes(1 + (i % 40)));
      const p = parsePasswordMessage(r);
      if (p) expect(r[0]).toBe(0x70);
    }
  });
});
