import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'plue-bridge-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bridge's entry point with `env`; it must refuse before listening. */
function start(env: Record<string, string>) {
  return spawnSync(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'ssh-bridge/main.ts'], {
    env: { PATH: process.env.PATH, PLUE_DATA_DIR: dir, PLUE_SSH_PORT: '1', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

describe('ssh-bridge startup', () => {
  it('refuses the dev default secret in production mode', () => {
    const r = start({ PLUE_ENV: 'production' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/development default/);
  });

  it('refuses the dev default secret off loopback, even in development mode', () => {
    const listen = start({ PLUE_ENV: 'development', PLUE_SSH_HOST: '0.0.0.0' });
    expect(listen.status).toBe(1);
    expect(listen.stderr).toMatch(/loopback \(not 0\.0\.0\.0\)/);
    const upstream = start({ PLUE_URL: 'https://plue.example' });
    expect(upstream.status).toBe(1);
    expect(upstream.stderr).toMatch(/loopback/);
  });
});
