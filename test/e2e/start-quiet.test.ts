/**
 * `npm start` (scripts/start.ts) as a person runs it, on free ports and a fresh data directory:
 * once it says it is running, an idle Plue prints nothing, and its runner controller long-polls
 * (issue #21): it asks for work about once per held claim (20 s), not twice a second. The
 * controller's `/health` counts the claim requests it has sent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { scratchDatabase } from '../../scripts/clients/scratch-database';
import { freePort } from '../../scripts/stack';

interface Health {
  status: string;
  claims_asked: number;
}

describe('npm start, idle', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'plue-start-quiet-'));
  let child: ChildProcess | undefined;
  let drop: (() => Promise<void>) | undefined;
  let output = '';

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child?.once('exit', r));
      child.kill('SIGTERM');
      const killer = setTimeout(() => {
        // start.ts stops its children on SIGTERM; if it hangs, its whole group goes.
        if (child?.pid) process.kill(-child.pid, 'SIGKILL');
      }, 20_000);
      await exited;
      clearTimeout(killer);
    }
    await drop?.();
    rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  it('prints nothing once running, and its controller asks for work once per held claim', async () => {
    const port = await freePort();
    const sshPort = await freePort();
    const runnerPort = await freePort();
    let databaseUrl = '';
    if (process.env.DATABASE_URL) {
      const scratch = await scratchDatabase(process.env.DATABASE_URL);
      databaseUrl = scratch.url;
      drop = scratch.drop;
    }
    child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'scripts/start.ts'], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        PORT: String(port),
        PLUE_SSH_PORT: String(sshPort),
        PLUE_RUNNER_PORT: String(runnerPort),
        PLUE_DATA_DIR: dataDir,
        DATABASE_URL: databaseUrl,
        PLUE_CLAIM_WAIT_SECONDS: '',
      },
    });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));

    const health = async (): Promise<Health | undefined> => {
      const r = await fetch(`http://127.0.0.1:${runnerPort}/health`).catch(() => undefined);
      return r?.status === 200 ? ((await r.json()) as Health) : undefined;
    };
    await expect
      .poll(() => output.includes('Press Ctrl-C to stop.') && output.includes('claiming from'), {
        timeout: 150_000,
        interval: 250,
      })
      .toBe(true);
    expect(output).toMatch(/claiming from \S+ \(long poll, 20 s\)/);
    await expect.poll(health, { timeout: 30_000 }).toBeDefined();
    const before = await health();
    if (!before) throw new Error('the runner controller has no /health');
    const printed = output.length;

    // eslint-disable-next-line no-restricted-syntax -- quiet is the absence of output over a while
    await new Promise((r) => setTimeout(r, 6000));

    const after = await health();
    // Nothing printed by any component while idle (a polling controller asked ~6 times a loop).
    expect(output.slice(printed).trim()).toBe('');
    expect(after?.status).toBe('ok');
    expect((after?.claims_asked ?? 0) - before.claims_asked).toBeLessThanOrEqual(2);
  }, 240_000);
});
