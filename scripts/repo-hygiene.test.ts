/**
 * What the repository must never hold: Python bytecode caches, and anything under the tests'
 * artifact folder (screenshots, differential logs), which must stay ignored.
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const git = (...args: string[]) =>
  execFileSync('git', ['-C', root, ...args], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);

describe('repository hygiene', () => {
  it('tracks no __pycache__ and no .pyc', () => {
    expect(git('ls-files').filter((f) => /(^|\/)__pycache__\/|\.pyc$/.test(f))).toEqual([]);
  });

  it('tracks nothing under test/artifacts/, and ignores what tests write there', () => {
    expect(git('ls-files', 'test/artifacts')).toEqual([]);
    const probes = ['test/artifacts/run-page.png', 'runner-controller/sdk/__pycache__/x.pyc'];
    expect(git('check-ignore', '--no-index', ...probes)).toEqual(probes);
  });
});
