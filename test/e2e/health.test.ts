import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { freePort, startStack } from '../../scripts/stack';

const base = inject('baseUrl');

describe('health', () => {
  it('reports ok with the database reachable', async () => {
    const res = await fetch(`${base}/api/v1/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'ok', db: 'ok' });
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('answers 503 "unreachable" instead of crashing when the database is down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plue-dbdown-'));
    const deadPort = await freePort();
    const stack = await startStack({
      dataDir: dir,
      port: await freePort(),
      skipMigrations: true,
      workerDatabase: {
        databaseUrl: `postgres://postgres@127.0.0.1:${deadPort}/none`,
        wsProxy: `127.0.0.1:${deadPort}/v1`,
      },
    });
    try {
      const res = await fetch(`${stack.url}/api/v1/health`);
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'degraded', db: 'unreachable' });
      // Pages that do not need the database still render.
      const home = await fetch(`${stack.url}/login`);
      expect(home.status).toBe(200);
    } finally {
      await stack.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start with a clear message when the database cannot be migrated', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plue-badstart-'));
    const deadPort = await freePort();
    try {
      await expect(
        startStack({
          dataDir: dir,
          port: await freePort(),
          databaseUrl: `postgres://postgres@127.0.0.1:${deadPort}/none`,
        }),
      ).rejects.toThrow(
        /cannot migrate the database \(postgres:\/\/postgres@127\.0\.0\.1:\d+\/none\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
