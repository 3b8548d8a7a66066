// The evaluation cache: a file no trigger of the event can match is answered from its cached
// definitions, exactly as the evaluator would answer, while its blob id is unchanged; a changed
// or broken file is evaluated in the sandbox.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateWorkflows } from './evaluate';
import { EvaluationCache } from './evaluation-cache';
import { LocalBackend } from './sandbox/local';
import type { SandboxBackend } from './sandbox/types';

const backend = new LocalBackend({ killGraceMs: 200 });
const dirs: string[] = [];
afterAll(() => {
  backend.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

let runs = 0;
const counting: SandboxBackend = {
  name: backend.name,
  check: () => backend.check(),
  run: (spec) => {
    runs++;
    return backend.run(spec);
  },
};

const git = (cwd: string, ...args: string[]) =>
  execFileSync(
    'git',
    ['-c', 'safe.directory=*', '-c', 'user.name=t', '-c', 'user.email=t@x', ...args],
    {
      cwd,
    },
  );

function commit(dir: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  git(dir, 'add', '-A');
  git(dir, 'commit', '-qm', 'c');
}

const CI = `from plue import workflow, push, pull_request

@workflow(triggers=[push(branches=["main"]), pull_request()])
def ci(ctx):
    ctx.run(name="test", cmd="echo " + ctx.event["ref"])
`;
const COMMENTS = `from plue import workflow, issue_comment

@workflow(triggers=[issue_comment()])
def answer(ctx):
    ctx.run(name="say", cmd="echo hi")
`;
const PUSH = { type: 'push', repo: 'a/b', ref: 'refs/heads/main', sha: 'c'.repeat(40) };
const COMMENT = {
  type: 'issue_comment',
  repo: 'a/b',
  ref: 'refs/heads/main',
  sha: 'c'.repeat(40),
  action: 'created',
  issue: { number: 1 },
  comment: { body: 'hi' },
};

describe('EvaluationCache', () => {
  it('answers files the event cannot match from their definitions while the blobs stay', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'plue-cache-'));
    dirs.push(ws);
    git(ws, 'init', '-q');
    commit(ws, {
      '.plue/workflows/ci.py': CI,
      '.plue/workflows/comments.py': COMMENTS,
      '.plue/workflows/broken.py': 'from plue import workflow\n)\n',
    });
    const cache = new EvaluationCache();
    runs = 0;
    const [first] = await cache.evaluate({ workspace: ws, events: [PUSH], backend: counting });
    expect(runs).toBe(3);
    expect(first?.map((r) => r.file)).toEqual([
      '.plue/workflows/broken.py',
      '.plue/workflows/ci.py',
      '.plue/workflows/comments.py',
    ]);

    // A comment: ci.py has no issue_comment trigger, so only comments.py and the broken file run.
    runs = 0;
    const [got] = await cache.evaluate({ workspace: ws, events: [COMMENT], backend: counting });
    expect(runs).toBe(2);
    const direct = await evaluateWorkflows({ workspace: ws, event: COMMENT, backend });
    const strip = (rs: typeof direct) => rs.map((r) => ({ ...r, log: '' }));
    expect(strip(got ?? [])).toEqual(strip(direct));

    // ci.py changes: its blob id does too, and it is evaluated again.
    commit(ws, { '.plue/workflows/ci.py': CI.replace('echo ', 'echo changed ') });
    runs = 0;
    await cache.evaluate({ workspace: ws, events: [COMMENT], backend: counting });
    expect(runs).toBe(3);
    runs = 0;
    await cache.evaluate({ workspace: ws, events: [COMMENT, COMMENT], backend: counting });
    expect(runs).toBe(2);
  });

  it('caches nothing in a workspace without git metadata', async () => {
    const ws = mkdtempSync(join(tmpdir(), 'plue-cache-'));
    dirs.push(ws);
    mkdirSync(join(ws, '.plue/workflows'), { recursive: true });
    writeFileSync(join(ws, '.plue/workflows/ci.py'), CI);
    const cache = new EvaluationCache();
    runs = 0;
    await cache.evaluate({ workspace: ws, events: [PUSH], backend: counting });
    await cache.evaluate({ workspace: ws, events: [COMMENT], backend: counting });
    expect(runs).toBe(2);
  });
});
