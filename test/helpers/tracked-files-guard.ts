/**
 * A global setup for every test project: tests must not rewrite tracked files (what they write
 * goes under ignored paths such as `test/artifacts/` or a temporary directory). It notes the
 * working tree's changes to tracked files before the run and fails the run when they differ
 * after it, naming the files. Outside a git checkout it does nothing.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', ['-C', root, ...args], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return undefined;
  }
}

/** Per changed tracked file, a digest of its diff against HEAD. */
function trackedChanges(): Map<string, string> | undefined {
  const names = git(['diff', '--name-only', 'HEAD']);
  if (names === undefined) return undefined;
  const out = new Map<string, string>();
  for (const name of names.split('\n').filter(Boolean)) {
    const diff = git(['diff', 'HEAD', '--', name]) ?? '';
    out.set(name, createHash('sha1').update(diff).digest('hex'));
  }
  return out;
}

let before: Map<string, string> | undefined;

export function setup(): void {
  before = trackedChanges();
}

export function teardown(): void {
  if (!before) return;
  const after = trackedChanges() ?? new Map<string, string>();
  const touched = [...new Set([...before.keys(), ...after.keys()])].filter(
    (name) => before?.get(name) !== after.get(name),
  );
  if (touched.length > 0) {
    // Vitest reports a teardown's exception without failing the run, so fail it here.
    console.error(
      `tracked files changed while the tests ran (a test must write under an ignored path, ` +
        `e.g. test/artifacts/, or a temporary directory): ${touched.join(', ')}`,
    );
    process.exitCode = 1;
  }
}
