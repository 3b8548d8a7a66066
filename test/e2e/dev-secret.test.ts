/**
 * The Worker and the public development component secrets, in the real runtime: accepted by the
 * shared test stack (development mode, loopback public URL), refused by a Worker whose public
 * URL is not loopback, and a production-mode Worker configured with one serves nothing (503
 * naming what to set). The old shared `X-Plue-Internal-Secret` is refused by the test stack. Each of the two extra Workers runs without a database: the checks come
 * before any query.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { freePort, startWranglerDev } from '../../scripts/stack';
import { COMPONENT_CREDENTIALS } from '../../common/dev-secret';

const base = inject('baseUrl');
const DEV_SECRET = COMPONENT_CREDENTIALS.controller.devDefault;

/** Runs a Worker with these vars (and an unreachable database) for `fn`. */
async function withWorker(
  vars: Record<string, string>,
  fn: (url: string) => Promise<void>,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'plue-devsecret-'));
  const dead = await freePort();
  const dev = await startWranglerDev({
    host: '127.0.0.1',
    port: await freePort(),
    dataDir: dir,
    vars: {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${dead}/none`,
      DB_WS_PROXY: `127.0.0.1:${dead}/v1`,
      ...vars,
    },
  });
  try {
    await fn(dev.url);
  } finally {
    await dev.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const sweep = (url: string, secret = DEV_SECRET) =>
  fetch(`${url}/internal/controller/sweep`, {
    method: 'POST',
    headers: { 'X-Plue-Controller-Secret': secret },
  });

describe('the development component secrets in the Worker', () => {
  it('are accepted in development mode on loopback (the test stack)', async () => {
    expect((await sweep(base)).status).toBe(200);
  });

  it('refuses the retired shared secret, whatever its value', async () => {
    for (const value of ['dev-internal-secret-change-me', DEV_SECRET]) {
      const res = await fetch(`${base}/internal/controller/sweep`, {
        method: 'POST',
        headers: { 'X-Plue-Internal-Secret': value },
      });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'internal_secret_retired' } });
    }
  });

  it('is refused when the public URL is not loopback, even in development mode', async () => {
    await withWorker({ PLUE_PUBLIC_URL: 'https://plue.example' }, async (url) => {
      const res = await sweep(url);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: { code: 'internal_secret_invalid' } });
    });
  });

  it('makes a production Worker refuse to serve anything', async () => {
    await withWorker(
      { PLUE_ENV: 'production', PLUE_PUBLIC_URL: 'https://plue.example' },
      async (url) => {
        for (const path of ['/', '/api/v1/health', '/login']) {
          const res = await fetch(`${url}${path}`);
          expect(res.status, path).toBe(503);
          expect(await res.text(), path).toContain('PLUE_BRIDGE_SECRET');
        }
        expect((await sweep(url)).status).toBe(503);
      },
    );
  });
});
