// Workflow evaluation inside the sandbox: sample workflows (the issue's example among them),
// every error kind with file and line, and a workflow file that tries to get out.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  evaluateWorkflows,
  evaluateWorkflowsForEvents,
  listWorkflowFiles,
  type FileEvaluation,
} from './evaluate';
import { LocalBackend } from './sandbox/local';
import type { SandboxBackend } from './sandbox/types';

const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const backend = new LocalBackend({ killGraceMs: 200 });
const dirs: string[] = [];
afterAll(() => {
  backend.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PUSH_MAIN = { type: 'push', repo: 'alice/app', ref: 'refs/heads/main', sha: 'c'.repeat(40) };

const ISSUE_EXAMPLE = `from plue import workflow, push, pull_request

@workflow(triggers=[push(branches=["main"]), pull_request(types=["opened", "synchronize"])],
          image="ubuntu:22.04")
def ci(ctx):
    install = ctx.run(name="install", cmd="npm ci")
    ctx.parallel([
        ctx.run(name="test", cmd="npm test", depends_on=[install]),
        ctx.run(name="lint", cmd="npm run lint", depends_on=[install]),
    ])
    return ctx.success()
`;

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'plue-eval-'));
  dirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function byFile(results: FileEvaluation[]): Record<string, FileEvaluation> {
  return Object.fromEntries(results.map((r) => [r.file.replace('.plue/workflows/', ''), r]));
}

describe('evaluateWorkflows', () => {
  it('evaluates the issue example and other files into plans', async () => {
    const ws = repo({
      '.plue/workflows/ci.py': ISSUE_EXAMPLE,
      '.plue/workflows/nightly.py':
        'from plue import workflow, schedule\n@workflow(triggers=[schedule(cron="0 3 * * *")])\ndef nightly(ctx):\n    ctx.run("n", "true")\n',
      '.plue/workflows/README.md': 'not a workflow',
    });
    expect(listWorkflowFiles(ws)).toEqual(['.plue/workflows/ci.py', '.plue/workflows/nightly.py']);
    const results = byFile(await evaluateWorkflows({ workspace: ws, event: PUSH_MAIN, backend }));
    const ci = results['ci.py'];
    if (!ci || !('workflows' in ci)) throw new Error(JSON.stringify(ci));
    const [wf] = ci.workflows;
    expect(wf).toMatchObject({
      name: 'ci',
      file: '.plue/workflows/ci.py',
      image: 'ubuntu:22.04',
      matched: true,
      result: { status: 'success', message: null },
    });
    expect(wf?.steps?.map((s) => [s.id, s.depends_on])).toEqual([
      ['install', []],
      ['test', ['install']],
      ['lint', ['install']],
    ]);
    const nightly = results['nightly.py'];
    expect(nightly && 'workflows' in nightly && nightly.workflows[0]?.matched).toBe(false);
    // The event and the SDK are mounted read-only; nothing was written into the workspace.
    expect(readdirSync(join(ws, '.plue/workflows')).sort()).toEqual([
      'README.md',
      'ci.py',
      'nightly.py',
    ]);
  });

  it('evaluates several files at once, at most `concurrency`, results in file order', async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 7; i++) {
      files[`.plue/workflows/w${i}.py`] =
        `from plue import workflow, push\n@workflow(triggers=[push(branches=["main"])])\ndef w${i}(ctx):\n    ctx.run("s", "true")\n`;
    }
    let inFlight = 0;
    let most = 0;
    const counting: SandboxBackend = {
      name: backend.name,
      check: () => backend.check(),
      run: async (spec) => {
        most = Math.max(most, ++inFlight);
        try {
          return await backend.run(spec);
        } finally {
          inFlight--;
        }
      },
    };
    const results = await evaluateWorkflows({
      workspace: repo(files),
      event: PUSH_MAIN,
      backend: counting,
      concurrency: 3,
    });
    expect(results.map((r) => r.file)).toEqual(Object.keys(files));
    expect(results.map((r) => ('workflows' in r ? r.workflows[0]?.name : r.error.message))).toEqual(
      Object.keys(files).map((_, i) => `w${i}`),
    );
    expect(most).toBe(3);
  });

  it('lists workflows without running them when there is no event', async () => {
    const ws = repo({ '.plue/workflows/ci.py': ISSUE_EXAMPLE });
    const [r] = await evaluateWorkflows({ workspace: ws, event: null, backend });
    expect(r && 'workflows' in r && r.workflows[0]).toMatchObject({ matched: null, steps: null });
  });

  it('reports each kind of error with file and line', async () => {
    const header = 'from plue import workflow, push\n@workflow(triggers=[push()])\ndef ci(ctx):\n';
    const ws = repo({
      '.plue/workflows/syntax.py': 'from plue import workflow\ndef broken(:\n',
      '.plue/workflows/trigger.py':
        'from plue import workflow\n\n@workflow(triggers=["on_push"])\ndef ci(ctx):\n    pass\n',
      '.plue/workflows/cycle.py': `${header}    ctx.run("a", "true", depends_on="b")\n    ctx.run("b", "true", depends_on="a")\n`,
      '.plue/workflows/dupe.py': `${header}    ctx.run("a", "true")\n    ctx.run("a", "false")\n`,
      '.plue/workflows/imports.py': `import subprocess\n${header}    pass\n`,
      '.plue/workflows/nothing.py': '# empty\n',
    });
    const r = byFile(await evaluateWorkflows({ workspace: ws, event: PUSH_MAIN, backend }));
    const expected: Record<string, [RegExp, number | null]> = {
      'syntax.py': [/SyntaxError/, 2],
      'trigger.py': [/unknown trigger 'on_push'/, 3],
      'cycle.py': [/cycle in depends_on: a -> b -> a/, 4],
      'dupe.py': [/duplicate step name 'a'/, 5],
      'imports.py': [/import of 'subprocess' is not allowed/, 1],
      'nothing.py': [/no @workflow/, null],
    };
    for (const [file, [message, line]] of Object.entries(expected)) {
      const res = r[file];
      if (!res || !('error' in res)) throw new Error(`${file}: ${JSON.stringify(res)}`);
      expect(res.error.message, file).toMatch(message);
      expect(res.error.line, file).toBe(line);
      expect(res.error.file).toBe(`.plue/workflows/${file}`);
    }
  });

  it('contains a workflow file that defeats the import rule: the sandbox still holds', async () => {
    process.env.PLUE_EVAL_TEST_SECRET = 'controller-secret-value';
    let connections = 0;
    const server = createServer((sock) => {
      connections++;
      sock.destroy();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const ws = repo({
        '.plue/workflows/evil.py': `import plue.evaluate
os = plue.evaluate.os
from plue import workflow, push

def attempt(fn):
    try:
        return str(fn())[:80]
    except Exception as e:
        return "denied:" + type(e).__name__

@workflow(triggers=[push()])
def evil(ctx):
    probes = {
        "write": attempt(lambda: os.open("/workspace/pwned", os.O_CREAT | os.O_WRONLY)),
        "environ": attempt(lambda: plue.evaluate.builtins.open("/proc/1/environ").read()),
        "repo": attempt(lambda: os.listdir("${repoRoot}")),
        "home": attempt(lambda: os.listdir("/root")),
        "net": attempt(lambda: os.system("python3 -c 'import socket; socket.create_connection((\\"127.0.0.1\\", ${port}), timeout=1)' 2>/dev/null")),
    }
    for key, value in probes.items():
        ctx.run(key, "echo " + value.replace("\\x00", " ").replace("'", ""))
`,
      });
      const [r] = await evaluateWorkflows({ workspace: ws, event: PUSH_MAIN, backend });
      if (!r || !('workflows' in r)) throw new Error(JSON.stringify(r));
      const probes = Object.fromEntries(
        (r.workflows[0]?.steps ?? []).map((s) => [s.name, s.type === 'run' ? s.cmd : '']),
      );
      expect(probes.write).toBe('echo denied:OSError');
      expect(probes.environ).not.toContain('controller-secret-value');
      expect(probes.repo).toBe('echo denied:FileNotFoundError');
      expect(probes.home).toBe('echo denied:FileNotFoundError');
      expect(probes.net).not.toBe('echo 0');
      expect(connections).toBe(0);
      expect(readdirSync(ws)).toEqual(['.plue']);
    } finally {
      server.close();
      delete process.env.PLUE_EVAL_TEST_SECRET;
    }
  });

  it('stops a workflow file that never finishes', async () => {
    const ws = repo({ '.plue/workflows/loop.py': 'while True:\n    pass\n' });
    const [r] = await evaluateWorkflows({
      workspace: ws,
      event: PUSH_MAIN,
      backend,
      timeoutMs: 1500,
    });
    expect(r && 'error' in r && r.error.message).toMatch(/longer than 1.5 s/);
  });

  it('does not trust a forged evaluator document', async () => {
    const ws = repo({
      '.plue/workflows/forge.py': `import plue.evaluate
plue.evaluate.sys.__stdout__.write('{"workflows": [{"name": "x"}]}\\n')
plue.evaluate.sys.__stdout__.flush()
plue.evaluate.os._exit(0)
`,
    });
    const [r] = await evaluateWorkflows({ workspace: ws, event: PUSH_MAIN, backend });
    expect(r && 'error' in r && r.error.message).toMatch(/invalid plan/);
  });

  it('returns nothing for a repository without workflows', async () => {
    const ws = repo({ 'README.md': 'hi' });
    expect(await evaluateWorkflows({ workspace: ws, event: PUSH_MAIN, backend })).toEqual([]);
  });
});

describe('evaluateWorkflowsForEvents', () => {
  it('evaluates each file once for all events, with results per event as if alone', async () => {
    const ws = repo({
      '.plue/workflows/ci.py': ISSUE_EXAMPLE,
      '.plue/workflows/broken.py': 'from plue import workflow\ndef (:\n',
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
    const events = [
      PUSH_MAIN,
      { ...PUSH_MAIN, ref: 'refs/heads/other' },
      { ...PUSH_MAIN, type: 'pull_request', action: 'opened' },
    ];
    const all = await evaluateWorkflowsForEvents({ workspace: ws, events, backend: counting });
    expect(runs).toBe(2);
    expect(all).toHaveLength(3);
    const matched = all.map((results) => {
      const ci = byFile(results)['ci.py'];
      return ci && 'workflows' in ci ? ci.workflows[0]?.matched : undefined;
    });
    expect(matched).toEqual([true, false, true]);
    const alone = byFile(await evaluateWorkflows({ workspace: ws, event: PUSH_MAIN, backend }));
    const first = byFile(all[0] ?? []);
    expect(first['ci.py'] && 'workflows' in first['ci.py'] && first['ci.py'].workflows).toEqual(
      alone['ci.py'] && 'workflows' in alone['ci.py'] && alone['ci.py'].workflows,
    );
    for (const results of all) {
      const broken = byFile(results)['broken.py'];
      expect(broken && 'error' in broken && broken.error).toMatchObject({ line: 2 });
    }
  });

  it('does not trust a forged document with the wrong number of results', async () => {
    const ws = repo({
      '.plue/workflows/forge.py': `import plue.evaluate
plue.evaluate.sys.__stdout__.write('{"results": [{"workflows": []}]}\\n')
plue.evaluate.sys.__stdout__.flush()
plue.evaluate.os._exit(0)
`,
    });
    const events = [PUSH_MAIN, { ...PUSH_MAIN, ref: 'refs/heads/b' }];
    const all = await evaluateWorkflowsForEvents({ workspace: ws, events, backend });
    expect(all).toHaveLength(2);
    for (const [r] of all) expect(r && 'error' in r && r.error.message).toMatch(/invalid plan/);
  });
});
