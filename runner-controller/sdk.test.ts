// Runs the `plue` SDK's Python unittest suite (runner-controller/sdk/tests) so `npm test` fails
// when it fails. The Python output is attached to the assertion message.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sdkDir = fileURLToPath(new URL('./sdk/', import.meta.url));

describe('plue Python SDK', () => {
  it('passes its unittest suite', () => {
    const res = spawnSync('python3', ['-m', 'unittest', 'discover', '-s', 'tests', '-t', '.'], {
      cwd: sdkDir,
      env: { ...process.env, PYTHONPATH: sdkDir, PYTHONDONTWRITEBYTECODE: '1' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    const output = `${res.stdout}\n${res.stderr}`;
    expect(res.error, output).toBeUndefined();
    expect(res.status, output).toBe(0);
    expect(output).toMatch(/Ran [1-9]\d* tests/);
  });
});
