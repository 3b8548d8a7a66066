// Backend selection refuses to run unsandboxed unless the operator opts in, and the unsandboxed
// backend still clears the environment and kills the step's process group on timeout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { selectBackend } from './select';
import type { SandboxBackend } from './types';
import { UnsandboxedBackend } from './unsandboxed';

const broken: SandboxBackend = {
  name: 'local',
  check: async () => ({ ok: false, detail: 'bwrap: not found' }),
  run: async () => {
    throw new Error('must not run');
  },
};
const dir = mkdtempSync(join(tmpdir(), 'plue-unsandboxed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('selectBackend', () => {
  it('picks the local backend when its check passes', async () => {
    const { backend, detail } = await selectBackend({ env: {} });
    expect(backend.name).toBe('local');
    if ('close' in backend && typeof backend.close === 'function') backend.close();
    expect(detail).toMatch(/bubblewrap/);
  });

  it('refuses to run unsandboxed without the explicit opt-in', async () => {
    await expect(selectBackend({ env: {}, candidate: broken })).rejects.toThrow(
      /no usable sandbox: bwrap: not found.*PLUE_ALLOW_UNSANDBOXED=1/,
    );
    await expect(
      selectBackend({ env: { PLUE_ALLOW_UNSANDBOXED: 'yes' }, candidate: broken }),
    ).rejects.toThrow(/no usable sandbox/);
  });

  it('falls back to the unsandboxed backend with a loud warning when opted in', async () => {
    const warnings: string[] = [];
    const { backend } = await selectBackend({
      env: { PLUE_ALLOW_UNSANDBOXED: '1' },
      candidate: broken,
      warn: (m) => warnings.push(m),
    });
    expect(backend.name).toBe('unsandboxed');
    expect(warnings.join('\n')).toMatch(/WARNING.*UNSANDBOXED/s);
  });
});

describe('unsandboxed backend', () => {
  it('passes only the step environment and kills the process group on timeout', async () => {
    process.env.PLUE_UNSANDBOXED_TEST = 'controller-only';
    let out = '';
    const b = new UnsandboxedBackend(200);
    try {
      const res = await b.run({
        cmd: 'env; sleep 30 & sleep 30',
        cwd: dir,
        env: { A: '1' },
        timeoutMs: 500,
        network: false,
        onOutput: (_s, c) => {
          out += Buffer.from(c).toString();
        },
      });
      expect(res.timedOut).toBe(true);
      expect(out).toContain('A=1');
      expect(out).not.toContain('controller-only');
    } finally {
      delete process.env.PLUE_UNSANDBOXED_TEST;
    }
  });
});
