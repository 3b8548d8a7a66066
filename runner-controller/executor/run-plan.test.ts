// The plan executor with the real local sandbox and real commands: ordering, parallelism,
// skips, continue_on_error, timeouts, cancellation, masking, batching, model steps without a
// provider (agent/model-step.test.ts runs them with one).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../sandbox/local';
import type { SandboxBackend } from '../sandbox/types';
import type { ExecutorEvent } from './events';
import type { PlanStep, WorkflowPlan } from './plan';
import { AGENT_STEP_NOTE, runPlan, type RunPlanOptions } from './run-plan';

const backend = new LocalBackend({ killGraceMs: 200 });
const dirs: string[] = [];
afterAll(() => {
  backend.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type StepInput = Partial<PlanStep> & { id: string };

function step(s: StepInput): PlanStep {
  const base = {
    name: s.id,
    env: {},
    secret_env: {},
    secrets: [],
    depends_on: [],
    timeout: 20,
    continue_on_error: false,
    network: false,
    line: null,
  };
  if (s.type === 'agent' || s.type === 'llm') {
    return {
      ...base,
      type: 'agent',
      prompt: '.plue/prompts/x.prompt.md',
      model: null,
      vars: {},
      max_turns: 5,
      ...s,
    } as PlanStep;
  }
  return { ...base, type: 'run', cmd: 'true', ...s } as PlanStep;
}

function plan(steps: StepInput[], extra: Partial<WorkflowPlan> = {}): WorkflowPlan {
  return {
    name: 'ci',
    file: '.plue/workflows/ci.py',
    line: 1,
    triggers: [{ type: 'push' }],
    image: null,
    timeout: 60,
    env: {},
    matched: true,
    steps: steps.map(step),
    result: { status: 'success', message: null },
    ...extra,
  };
}

async function execute(p: WorkflowPlan, extra: Partial<RunPlanOptions> = {}) {
  const events: ExecutorEvent[] = [];
  const workspace = mkdtempSync(join(tmpdir(), 'plue-exec-'));
  dirs.push(workspace);
  const summary = await runPlan({
    plan: p,
    backend,
    workspace,
    batchMs: 50,
    onEvent: (e) => {
      events.push(e);
    },
    ...extra,
  });
  const output = (id: string) =>
    events
      .filter((e) => e.type === 'step_output' && e.step_id === id)
      .map((e) => (e.type === 'step_output' ? e.data : ''))
      .join('');
  const completed = (id: string) =>
    events.find((e) => e.type === 'step_completed' && e.step_id === id) as Extract<
      ExecutorEvent,
      { type: 'step_completed' }
    >;
  const index = (type: string, id: string) =>
    events.findIndex((e) => e.type === type && 'step_id' in e && e.step_id === id);
  return { summary, events, output, completed, index };
}

describe('runPlan', () => {
  it('runs the DAG in dependency order and emits the event sequence', async () => {
    const r = await execute(
      plan([
        { id: 'install', cmd: 'echo installed > marker && echo install done' },
        { id: 'test', cmd: 'cat marker', depends_on: ['install'] },
        { id: 'lint', cmd: 'echo lint >&2', depends_on: ['install'] },
      ]),
    );
    expect(r.summary.conclusion).toBe('success');
    expect(r.events[0]?.type).toBe('run_started');
    expect(r.events.at(-1)).toEqual({ type: 'run_completed', conclusion: 'success' });
    expect(r.output('test')).toBe('installed\n');
    expect(r.index('step_started', 'test')).toBeGreaterThan(r.index('step_completed', 'install'));
    expect(r.index('step_started', 'lint')).toBeGreaterThan(r.index('step_completed', 'install'));
    for (const id of ['install', 'test', 'lint']) {
      expect(r.completed(id)).toMatchObject({ status: 'success', exit_code: 0 });
      const seqs = r.events.flatMap((e) =>
        e.type === 'step_output' && e.step_id === id ? [e.seq] : [],
      );
      expect(seqs).toEqual(seqs.map((_, i) => i + 1));
      expect(r.index('step_completed', id)).toBeGreaterThan(r.index('step_started', id));
    }
    const lint = r.events.find((e) => e.type === 'step_output' && e.step_id === 'lint');
    expect(lint).toMatchObject({ stream: 'stderr', seq: 1, data: 'lint\n' });
  });

  it('runs independent steps in parallel, up to the concurrency limit', async () => {
    // a and b each wait for the other's file: they only finish if they run at the same time.
    const wait = (f: string) =>
      `i=0; while [ ! -e ${f} ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; [ -e ${f} ]`;
    const r = await execute(
      plan([
        { id: 'a', cmd: `touch a; ${wait('b')}` },
        { id: 'b', cmd: `touch b; ${wait('a')}` },
        { id: 'c', cmd: 'true' },
      ]),
      { concurrency: 2 },
    );
    expect(r.summary.conclusion).toBe('success');
    let active = 0;
    let peak = 0;
    for (const e of r.events) {
      if (e.type === 'step_started') peak = Math.max(peak, ++active);
      if (e.type === 'step_completed') active--;
    }
    expect(peak).toBe(2);
    expect(r.index('step_started', 'c')).toBeGreaterThan(
      Math.min(r.index('step_completed', 'a'), r.index('step_completed', 'b')),
    );
  });

  it('skips dependants of a failed step, transitively; continue_on_error lets them run', async () => {
    const r = await execute(
      plan([
        { id: 'build', cmd: 'echo broken >&2; exit 2' },
        { id: 'test', depends_on: ['build'] },
        { id: 'deploy', depends_on: ['test'] },
        { id: 'flaky', cmd: 'exit 1', continue_on_error: true },
        { id: 'after-flaky', cmd: 'echo ran', depends_on: ['flaky'] },
      ]),
    );
    expect(r.completed('build')).toMatchObject({ status: 'failure', exit_code: 2 });
    expect(r.completed('test')).toMatchObject({
      status: 'skipped',
      note: 'dependency build failure',
    });
    expect(r.completed('deploy')).toMatchObject({ status: 'skipped' });
    expect(r.index('step_started', 'test')).toBe(-1);
    expect(r.completed('flaky')).toMatchObject({ status: 'failure', exit_code: 1 });
    expect(r.output('after-flaky')).toBe('ran\n');
    expect(r.summary.conclusion).toBe('failure');

    const tolerated = await execute(
      plan([{ id: 'flaky', cmd: 'exit 1', continue_on_error: true }]),
    );
    expect(tolerated.summary.conclusion).toBe('success');
  });

  it('times out a step, killing it, and skips its dependants', async () => {
    const r = await execute(
      plan([
        { id: 'hang', cmd: 'echo start; sleep 1000 & sleep 1000', timeout: 1 },
        { id: 'next', depends_on: ['hang'] },
      ]),
    );
    expect(r.completed('hang')).toMatchObject({ status: 'timed_out' });
    expect(r.output('hang')).toBe('start\n');
    expect(r.completed('next')).toMatchObject({ status: 'skipped' });
    expect(r.summary.conclusion).toBe('failure');
  });

  it('enforces the workflow timeout over the whole run', async () => {
    const r = await execute(
      plan(
        [
          { id: 'long', cmd: 'sleep 1000', timeout: 30 },
          { id: 'later', depends_on: ['long'] },
        ],
        {
          timeout: 1,
        },
      ),
    );
    expect(r.completed('long')).toMatchObject({ status: 'timed_out', note: 'workflow timed out' });
    expect(r.completed('later')).toMatchObject({ status: 'skipped', note: 'workflow timed out' });
    expect(r.summary.conclusion).toBe('timed_out');
  });

  it('cancellation kills running steps and cancels the rest', async () => {
    const abort = new AbortController();
    const events: ExecutorEvent[] = [];
    const workspace = mkdtempSync(join(tmpdir(), 'plue-exec-'));
    dirs.push(workspace);
    const summary = await runPlan({
      plan: plan([
        { id: 'long', cmd: 'echo go; sleep 1000' },
        { id: 'later', depends_on: ['long'] },
      ]),
      backend,
      workspace,
      batchMs: 10,
      signal: abort.signal,
      onEvent: (e) => {
        events.push(e);
        if (e.type === 'step_output') abort.abort();
      },
    });
    expect(summary.conclusion).toBe('cancelled');
    expect(summary.steps.long?.status).toBe('cancelled');
    expect(summary.steps.later).toMatchObject({ status: 'cancelled', note: 'run cancelled' });
    expect(events.at(-1)).toEqual({ type: 'run_completed', conclusion: 'cancelled' });
  });

  it('gives secrets only to steps that declare them and masks them, even split across writes', async () => {
    const secret = 'hunter2-correct-horse';
    const r = await execute(
      plan([
        {
          id: 'uses',
          cmd: `echo "token=$TOKEN"; printf 'split: hunter2-cor'; sleep 0.2; printf 'rect-horse\\n'; printf '%s' "$TOKEN" | base64`,
          secret_env: { TOKEN: 'API_TOKEN' },
          secrets: ['API_TOKEN'],
        },
        { id: 'other', cmd: 'echo "other=${TOKEN:-unset} ${API_TOKEN:-unset}"' },
        { id: 'missing', cmd: 'echo "${X:-unset}"', secret_env: { X: 'NOPE' }, secrets: ['NOPE'] },
      ]),
      { secrets: { API_TOKEN: secret } },
    );
    const all = r.events.map((e) => JSON.stringify(e)).join('\n');
    expect(all).not.toContain(secret);
    expect(all).not.toContain(Buffer.from(secret).toString('base64').slice(0, 20));
    expect(r.output('uses')).toMatch(/^token=\*\*\*\nsplit: \*\*\*\n\*\*\*/);
    expect(r.output('other')).toBe('other=unset unset\n');
    expect(r.output('missing')).toContain(
      'plue: secret NOPE is not available to this run; X is not set',
    );
    expect(r.output('missing')).toContain('unset\n');
  });

  it('batches large output into ≤ 64 KiB events with contiguous seq', async () => {
    const r = await execute(plan([{ id: 'big', cmd: 'head -c 300000 /dev/zero | tr "\\0" x' }]));
    const batches = r.events.filter((e) => e.type === 'step_output');
    expect(batches.length).toBeGreaterThanOrEqual(5);
    for (const [i, b] of batches.entries()) {
      expect(b).toMatchObject({ seq: i + 1, stream: 'stdout' });
      if (b.type === 'step_output') expect(Buffer.byteLength(b.data)).toBeLessThanOrEqual(65536);
    }
    expect(r.output('big')).toBe('x'.repeat(300000));
  });

  it('reports output past the cap as truncated', async () => {
    const r = await execute(plan([{ id: 'loud', cmd: 'head -c 5000 /dev/zero | tr "\\0" y' }]), {
      maxOutputBytes: 1000,
    });
    expect(r.completed('loud')).toMatchObject({ status: 'success', output_truncated_bytes: 4000 });
    expect(r.output('loud')).toContain('plue: output truncated: 4000 more bytes');
  });

  it('fails model steps without a provider, with a note, and skips their dependants', async () => {
    const r = await execute(
      plan([
        { id: 'review', type: 'agent' },
        { id: 'after', depends_on: ['review'] },
        { id: 'plain', cmd: 'true' },
      ]),
    );
    expect(r.completed('review')).toMatchObject({ status: 'failure', note: AGENT_STEP_NOTE });
    expect(r.completed('after')).toMatchObject({ status: 'skipped' });
    expect(r.completed('plain')).toMatchObject({ status: 'success' });
    expect(r.summary.conclusion).toBe('failure');
  });

  it('a plan that failed at evaluation runs nothing and fails', async () => {
    const r = await execute(
      plan([{ id: 'x' }], { result: { status: 'failure', message: 'nope' } }),
    );
    expect(r.completed('x')).toMatchObject({ status: 'skipped' });
    expect(r.index('step_started', 'x')).toBe(-1);
    expect(r.events.at(-1)).toEqual({
      type: 'run_completed',
      conclusion: 'failure',
      message: 'nope',
    });
  });

  it('a sandbox error fails the step with a note', async () => {
    const failing: SandboxBackend = {
      name: 'broken',
      check: async () => ({ ok: true, detail: '' }),
      run: async () => {
        throw new Error('spawn bwrap ENOENT');
      },
    };
    const r = await execute(plan([{ id: 'x' }]), { backend: failing });
    expect(r.completed('x')).toMatchObject({
      status: 'failure',
      note: 'sandbox error: spawn bwrap ENOENT',
    });
  });

  it('a failing event sink cancels the run and rejects', async () => {
    const workspace = mkdtempSync(join(tmpdir(), 'plue-exec-'));
    dirs.push(workspace);
    await expect(
      runPlan({
        plan: plan([{ id: 'long', cmd: 'echo hi; sleep 1000' }]),
        backend,
        workspace,
        batchMs: 10,
        onEvent: async (e) => {
          if (e.type === 'step_output') throw new Error('RunStream unavailable');
        },
      }),
    ).rejects.toThrow('RunStream unavailable');
  });
});
