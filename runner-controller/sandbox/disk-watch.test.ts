// The workspace size limit of the local backend: directoryBytes counts what is there (and stops
// early), and a real sandboxed step that keeps writing into its workspace is stopped, with the
// step's log and status saying why; a step within the limit is untouched.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutorEvent } from '../executor/events';
import { runStep } from '../executor/run-step';
import { directoryBytes } from './disk-watch';
import { LocalBackend } from './local';

const dirs: string[] = [];
const scratch = () => {
  const d = mkdtempSync(join(tmpdir(), 'plue-disk-'));
  dirs.push(d);
  return d;
};
const backend = new LocalBackend({ workspaceMaxBytes: 8 * 1024 * 1024 });
afterAll(() => {
  backend.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const ready = (await backend.check()).ok;

describe('workspace disk limit', () => {
  it('counts file bytes below a directory without following symlinks', async () => {
    const d = scratch();
    mkdirSync(join(d, 'a/b'), { recursive: true });
    writeFileSync(join(d, 'one'), Buffer.alloc(1000));
    writeFileSync(join(d, 'a/b/two'), Buffer.alloc(2345));
    symlinkSync('/usr', join(d, 'link'));
    const link = '/usr'.length;
    expect(await directoryBytes(d)).toBe(1000 + 2345 + link);
    expect(await directoryBytes(join(d, 'missing'))).toBe(0);
  });

  it.skipIf(!ready)('stops a step that keeps filling its workspace, and says why', async () => {
    const events: ExecutorEvent[] = [];
    const outcome = await runStep({
      step: {
        id: 'fill',
        name: 'fill',
        type: 'run',
        cmd: 'echo filling; while :; do head -c 1048576 /dev/zero >> big; done',
        network: false,
      } as never,
      backend,
      workspace: scratch(),
      env: {},
      notices: [],
      maskPatterns: [],
      timeoutMs: 60_000,
      batchMs: 50,
      batchBytes: 65536,
      signal: new AbortController().signal,
      emit: async (e) => {
        events.push(e);
      },
    });
    expect(outcome).toMatchObject({ status: 'failure', note: 'workspace disk limit exceeded' });
    expect(JSON.stringify(events)).toMatch(/workspace grew past its disk limit/);
  });

  it.skipIf(!ready)('leaves a step within the limit alone', async () => {
    const res = await backend.run({
      cmd: 'head -c 1048576 /dev/zero > small && echo ok',
      cwd: scratch(),
      env: {},
      timeoutMs: 30_000,
      network: false,
      onOutput: () => undefined,
    });
    expect(res.exitCode).toBe(0);
    expect(res.diskExceededBytes).toBeUndefined();
  });
});
