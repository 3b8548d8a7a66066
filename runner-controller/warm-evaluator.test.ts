// Warm evaluators (warm-evaluator.ts) in the real sandbox: the same results as evaluators started
// for the file, one file per evaluator, the time limit counted from the request, stale ones
// replaced, output bounded, nothing left behind.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { evaluateWorkflows, evaluateWorkflowsForEvents } from './evaluate';
import { LocalBackend } from './sandbox/local';
import { WarmEvaluators } from './warm-evaluator';

const backend = new LocalBackend({ killGraceMs: 200 });
// Directories the sandbox's user can traverse (mkdtemp makes them 0700).
const dirIn = (parent: string, prefix: string) => {
  const dir = mkdtempSync(join(parent, prefix));
  chmodSync(dir, 0o755);
  return dir;
};
const root = dirIn(tmpdir(), 'plue-warm-test-');
const pools: WarmEvaluators[] = [];
afterAll(() => {
  for (const p of pools) p.close();
  backend.close();
  rmSync(root, { recursive: true, force: true });
});

const PUSH = { type: 'push', repo: 'alice/app', ref: 'refs/heads/main', sha: 'c'.repeat(40) };

function workspace(files: Record<string, string>): string {
  const dir = dirIn(root, 'ws-');
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

function pool(opts: ConstructorParameters<typeof WarmEvaluators>[1] = {}): WarmEvaluators {
  const dataDir = dirIn(root, 'pool-');
  const p = new WarmEvaluators(backend, { dataDir, ...opts });
  pools.push(p);
  p.fill();
  return p;
}

const CI = `from plue import workflow, push

@workflow(triggers=[push(branches=["main"])])
def ci(ctx):
    print("noise on stdout goes to the log")
    ctx.llm("sum", prompt=".plue/prompts/sum.prompt.md")
    ctx.run(name="test", cmd="npm test")
`;
// Module state of the SDK: a warm evaluator serving a second file would let it be seen.
const LEAK = `import plue
from plue import workflow, push
plue.LEAKED = True

@workflow(triggers=[push()])
def leak(ctx):
    ctx.run(name="x", cmd="true")
`;
const PEEK = `import plue
from plue import workflow, push

@workflow(triggers=[push()])
def peek(ctx):
    ctx.run(name="seen" if getattr(plue, "LEAKED", False) else "unseen", cmd="true")
`;

describe('warm evaluators', () => {
  it('give what evaluators started for the file give, one file each', async () => {
    const ws = workspace({
      '.plue/workflows/a_ci.py': CI,
      '.plue/workflows/b_leak.py': LEAK,
      '.plue/workflows/c_peek.py': PEEK,
      '.plue/workflows/d_bad.py': 'from plue import workflow\n\ndef oops(:\n',
      '.plue/prompts/sum.prompt.md': 'Sum up.',
    });
    const warm = pool({ size: 4 });
    const cold = await evaluateWorkflows({ workspace: ws, event: PUSH, backend, concurrency: 1 });
    const hot = await evaluateWorkflows({
      workspace: ws,
      event: PUSH,
      backend,
      warm,
      concurrency: 1,
    });
    expect(warm.served).toBe(4);
    expect(hot).toEqual(cold);
    const peek = hot.find((r) => r.file.endsWith('c_peek.py'));
    expect(peek && 'workflows' in peek && peek.workflows[0]?.steps?.[0]?.name).toBe('unseen');
    const ci = hot.find((r) => r.file.endsWith('a_ci.py'));
    expect(ci?.log).toContain('noise on stdout goes to the log');
    expect(hot.find((r) => r.file.endsWith('d_bad.py'))).toMatchObject({
      error: { line: 3, message: expect.stringContaining('SyntaxError') },
    });
  });

  it('serves the events of one push in one evaluator, as cold', async () => {
    const ws = workspace({ '.plue/workflows/ci.py': CI, '.plue/prompts/sum.prompt.md': 'x' });
    const events = [PUSH, { ...PUSH, ref: 'refs/heads/topic' }];
    const warm = pool({ size: 1 });
    const cold = await evaluateWorkflowsForEvents({ workspace: ws, events, backend });
    const hot = await evaluateWorkflowsForEvents({ workspace: ws, events, backend, warm });
    expect(warm.served).toBe(1);
    expect(hot).toEqual(cold);
  });

  it('refills at once only when none is left waiting, else after the refill delay', async () => {
    const ws = workspace({ '.plue/workflows/ci.py': CI, '.plue/prompts/sum.prompt.md': 'x' });
    const warm = pool({ size: 2, refillDelayMs: 400 });
    await evaluateWorkflows({ workspace: ws, event: PUSH, backend, warm });
    // One was taken and one still waits: no interpreter starts beside the run just queued.
    expect(warm.waiting).toBe(1);
    await vi.waitFor(() => expect(warm.waiting).toBe(2), { timeout: 5000 });
    const single = pool({ size: 1, refillDelayMs: 60_000 });
    await evaluateWorkflows({ workspace: ws, event: PUSH, backend, warm: single });
    expect(single.waiting).toBe(1); // none was left: replaced at once
    expect(single.served).toBe(1);
  });

  it('stops a warm evaluation at its time limit, and the next one is served warm', async () => {
    const warm = pool({ size: 1 });
    const loop = workspace({ '.plue/workflows/loop.py': 'while True:\n    pass\n' });
    const [stuck] = await evaluateWorkflows({
      workspace: loop,
      event: PUSH,
      backend,
      warm,
      timeoutMs: 1000,
    });
    expect(stuck).toMatchObject({ error: { message: 'evaluation took longer than 1 s' } });
    const ok = workspace({ '.plue/workflows/ci.py': CI, '.plue/prompts/sum.prompt.md': 'x' });
    const [fine] = await evaluateWorkflows({ workspace: ok, event: PUSH, backend, warm });
    expect(fine && 'workflows' in fine).toBe(true);
    expect(warm.served).toBe(2);
  });

  it('replaces evaluators idle too long, keeps logs bounded, and leaves nothing behind', async () => {
    const dataDir = dirIn(root, 'stale-');
    // Idle for at most 0 ms: every started evaluator is stale when asked for.
    const warm = new WarmEvaluators(backend, { size: 1, dataDir, maxIdleMs: 0 });
    warm.fill();
    const loud = workspace({
      '.plue/workflows/loud.py': `print("x" * (4 * 1024 * 1024))\n${PEEK}`,
    });
    const [res] = await evaluateWorkflows({ workspace: loud, event: PUSH, backend, warm });
    // The stale one was stopped and the evaluation ran cold; the plan survives a flood of output.
    expect(warm.missed).toBe(1);
    expect(res && 'workflows' in res).toBe(true);
    expect(res?.log.length).toBeLessThanOrEqual(64 * 1024);
    warm.close();
    await vi.waitFor(() => expect(readdirSync(dataDir)).toEqual([]), { timeout: 10_000 });
  });
});
