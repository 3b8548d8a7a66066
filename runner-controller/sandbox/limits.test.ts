// Step limits: the cgroup v2 file protocol (a delegated subtree, in a scratch tree that stands in
// for /sys/fs/cgroup), the start report of which limits hold, and — on this host's real cgroups,
// through the executor and the local bubblewrap backend — a step that fills memory and a fork
// bomb, each stopped, with the run saying why. Where this host cannot set a limit, its test skips
// and says why; with PLUE_CI_CGROUPS=1 (a CI that has writable cgroups) it fails instead.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutorEvent } from '../executor/events';
import { runPlan } from '../executor/run-plan';
import type { WorkflowPlan } from '../executor/plan';
import { probeLimits, StepCgroup, type CgroupEnv } from './cgroup';
import { describeLimits, limitsForRun, stepLimitsFromEnv, DEFAULT_STEP_LIMITS } from './limits';
import { LocalBackend } from './local';

const scratch: string[] = [];
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

/** A scratch cgroup v2 tree whose process lives in `/svc`, delegating `controllers`. */
function fakeV2(controllers: string): CgroupEnv & { own: string } {
  const root = mkdtempSync(join(tmpdir(), 'plue-cg2-'));
  scratch.push(root);
  const own = join(root, 'svc');
  mkdirSync(own);
  writeFileSync(join(root, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
  writeFileSync(join(own, 'cgroup.controllers'), `${controllers}\n`);
  writeFileSync(join(own, 'cgroup.subtree_control'), '');
  writeFileSync(join(own, 'cgroup.procs'), '4242\n');
  writeFileSync(join(root, 'self-cgroup'), '0::/svc\n');
  return { root, procSelfCgroup: join(root, 'self-cgroup'), own };
}

describe('cgroup v2 (delegated subtree)', () => {
  it('moves the controller into a leaf, enables the controllers and writes every limit', () => {
    const env = fakeV2('cpu memory pids');
    const g = StepCgroup.open(
      'step-1',
      { memoryBytes: 256 * 1024 ** 2, pidsMax: 64, cpus: 1.5 },
      env,
    );
    expect(g.version).toBe(2);
    expect(g.missing).toEqual({ memory: undefined, pids: undefined, cpu: undefined });
    // The controller's own processes went to a leaf, as v2's "no internal processes" rule needs.
    expect(readFileSync(join(env.own, 'plue-controller', 'cgroup.procs'), 'utf8')).toBe('4242');
    expect(readFileSync(join(env.own, 'cgroup.subtree_control'), 'utf8')).toMatch(/memory/);
    const step = join(env.own, 'step-1');
    expect(readFileSync(join(step, 'memory.max'), 'utf8')).toBe(String(256 * 1024 ** 2));
    expect(readFileSync(join(step, 'pids.max'), 'utf8')).toBe('64');
    expect(readFileSync(join(step, 'cpu.max'), 'utf8')).toBe('150000 100000');
    expect(g.procsFiles()).toEqual([join(step, 'cgroup.procs')]);
    // What the kernel reports back.
    writeFileSync(join(step, 'memory.events'), 'low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n');
    writeFileSync(join(step, 'pids.events'), 'max 17\n');
    expect(g.oomKills()).toBe(1);
    expect(g.pidsRefusals()).toBe(17);
  });

  it('names each limit the delegation does not allow, and the start report says so', () => {
    const env = fakeV2('memory pids');
    const g = StepCgroup.open('step-2', { memoryBytes: 1 << 30, pidsMax: 100, cpus: 2 }, env);
    expect(g.missing.memory).toBeUndefined();
    expect(g.missing.cpu).toMatch(/no writable cgroup v2 cpu controller/);
    const lines = describeLimits(DEFAULT_STEP_LIMITS, {
      version: g.version,
      problems: g.missing,
    });
    expect(lines).toEqual([
      'memory 2 GiB per step: holds (cgroup v2)',
      'pids 2048 per step: holds (cgroup v2)',
      'cpu 2 per step: DOES NOT HOLD: no writable cgroup v2 cpu controller',
    ]);
  });

  it('reports nothing holding without any cgroup of its own', () => {
    const root = mkdtempSync(join(tmpdir(), 'plue-cg0-'));
    scratch.push(root);
    writeFileSync(join(root, 'self'), 'garbage\n');
    const support = probeLimits({ root, procSelfCgroup: join(root, 'self') });
    expect(Object.values(support.problems).every((p) => p !== undefined)).toBe(true);
  });
});

describe('limit settings', () => {
  it('reads the defaults from the environment and refuses nonsense', () => {
    expect(stepLimitsFromEnv({})).toEqual(DEFAULT_STEP_LIMITS);
    expect(
      stepLimitsFromEnv({
        PLUE_STEP_MEMORY_MB: '512',
        PLUE_STEP_PIDS_MAX: '100',
        PLUE_STEP_CPUS: '0.5',
      }),
    ).toEqual({ memoryBytes: 512 * 1024 ** 2, pidsMax: 100, cpus: 0.5 });
    for (const bad of ['0', '-1', 'lots', 'NaN']) {
      expect(() => stepLimitsFromEnv({ PLUE_STEP_PIDS_MAX: bad })).toThrow(/PLUE_STEP_PIDS_MAX/);
    }
  });

  it('lets a workflow set its own, up to the maxima, and keeps the defaults for the rest', () => {
    const d = DEFAULT_STEP_LIMITS;
    expect(limitsForRun(d, null)).toEqual(d);
    expect(limitsForRun(d, { memory_bytes: 1024 ** 2 * 300, pids: null })).toEqual({
      ...d,
      memoryBytes: 1024 ** 2 * 300,
    });
    expect(limitsForRun(d, { pids: 10 ** 9, cpus: 1000 })).toMatchObject({
      pidsMax: 32768,
      cpus: 64,
    });
  });
});

/** Runs a one-step plan with the local backend and these limits; the events it emitted. */
async function runStepWith(
  cmd: string,
  limits: { memoryBytes?: number; pidsMax?: number; cpus?: number },
  timeout = 20,
): Promise<ExecutorEvent[]> {
  const ws = mkdtempSync(join(tmpdir(), 'plue-limits-ws-'));
  scratch.push(ws);
  const plan: WorkflowPlan = {
    name: 'limits',
    file: '.plue/workflows/limits.py',
    line: 1,
    triggers: [{ type: 'push' }],
    image: null,
    timeout: 60,
    env: {},
    matched: true,
    result: null,
    steps: [
      {
        id: 'step',
        name: 'step',
        type: 'run',
        cmd,
        env: {},
        secret_env: {},
        secrets: [],
        depends_on: [],
        timeout,
        continue_on_error: false,
        network: false,
        line: null,
      },
    ],
  };
  const events: ExecutorEvent[] = [];
  await runPlan({
    plan,
    backend: new LocalBackend({ killGraceMs: 300 }),
    workspace: ws,
    ...limits,
    batchMs: 50,
    onEvent: (e) => {
      events.push(e);
    },
  });
  return events;
}

const logOf = (events: ExecutorEvent[]): string =>
  events.map((e) => (e.type === 'step_output' ? e.data : '')).join('');
const completed = (events: ExecutorEvent[]) => events.find((e) => e.type === 'step_completed');

describe('limits on this host (real cgroups, bubblewrap)', () => {
  const support = probeLimits();
  const needs = (kind: 'memory' | 'pids', ctx: { skip: (why: string) => void }) => {
    const problem = support.problems[kind];
    if (problem === undefined) return;
    if (process.env.PLUE_CI_CGROUPS === '1') {
      throw new Error(`PLUE_CI_CGROUPS=1 but the ${kind} limit does not hold: ${problem}`);
    }
    ctx.skip(`the ${kind} limit does not hold here: ${problem}`);
  };

  it('stops a step that fills memory past its limit, and the run says why', async (ctx) => {
    needs('memory', ctx);
    const events = await runStepWith(
      'python3 -c "x = bytearray(400 * 1024 * 1024); print(len(x))"',
      { memoryBytes: 64 * 1024 ** 2 },
    );
    expect(completed(events)).toMatchObject({ status: 'failure', note: 'out of memory' });
    expect(logOf(events)).toContain('plue: the step ran out of memory and was killed');
    expect(logOf(events)).not.toContain(String(400 * 1024 * 1024));
  });

  it('stops a fork bomb at the pids limit; the run says why and nothing is left', async (ctx) => {
    needs('pids', ctx);
    const marker = `bomb-${process.pid}-${Date.now()}`;
    // The bomb runs for two seconds inside the step, then the step reports and ends by itself.
    const events = await runStepWith(
      `timeout -s KILL 3 sh -c 'f() { f | f & }; f; sleep 10' ${marker} 2>/dev/null; echo survived`,
      { pidsMax: 64, cpus: 0.5 },
      30,
    );
    expect(logOf(events)).toMatch(
      /plue: the step hit its process limit \(64\): \d+ fork\(s\) refused/,
    );
    expect(completed(events)).toMatchObject({ status: 'success' });
    expect(logOf(events)).toContain('survived');
  });
});
