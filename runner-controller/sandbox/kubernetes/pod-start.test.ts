// A step whose pod the cluster will never start fails at once with the cluster's reason in its
// log, not after the start timeout: limits above the sandbox's LimitRange (known to the
// settings) are refused before any Job; against the loopback API server, a Job the API server
// refuses, a pod the LimitRanger refuses (the job controller's FailedCreate event, in the real
// plugin's words) and a pod no node fits past the grace each end the step with that message,
// and its Job is deleted. A pod that is scheduled within the grace runs normally.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { CoreV1Event } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { canonical, limitRangeRefusal } from '../../../test/helpers/fake-kubernetes/admission';
import { unschedulable } from '../../../test/helpers/fake-kubernetes/kubelet';
import { FakeKubernetes } from '../../../test/helpers/fake-kubernetes/server';
import type { RunSpec } from '../types';
import { KubernetesBackend } from './backend';
import { DEFAULT_SETTINGS, settingsFromEnv, type KubernetesSettings } from './config';
import { apiErrorMessage, failedCreate, overMax, PodRefused } from './pod-start';

const GiB = 1024 ** 3;
/** deploy/base/sandbox/limit-range.yaml's max. */
const LIMIT_RANGE_MAX = { cpu: '4', memory: '8Gi', 'ephemeral-storage': '16Gi' };

let fake: FakeKubernetes;
const backends: KubernetesBackend[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  fake = await FakeKubernetes.start();
  fake.limitRangeMax = LIMIT_RANGE_MAX;
});
afterEach(async () => {
  fake.holdPods = false;
  await Promise.all(backends.splice(0).map((b) => b.close()));
});
afterAll(async () => {
  await fake.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function backend(settings: Partial<KubernetesSettings> = {}) {
  const b = new KubernetesBackend({
    kubeConfig: fake.kubeConfig(),
    settings: {
      ...DEFAULT_SETTINGS,
      warmPool: 0,
      warmPoolNetwork: 0,
      startPollMs: 50,
      ...settings,
    },
    controllerId: `start-${backends.length}`,
    log: () => undefined,
  });
  backends.push(b);
  return b;
}

/** Runs `cmd`; the log (what onOutput got) and the error, if the step could not run. */
async function run(b: KubernetesBackend, extra: Partial<RunSpec> = {}) {
  const cwd = mkdtempSync(join(tmpdir(), 'plue-k8s-start-'));
  dirs.push(cwd);
  let log = '';
  try {
    const result = await b.run({
      cmd: 'echo ran',
      cwd,
      env: {},
      timeoutMs: 60_000,
      network: false,
      onOutput: (_s, chunk) => {
        log += Buffer.from(chunk).toString();
      },
      ...extra,
    });
    return { log, result, error: undefined };
  } catch (error) {
    return { log, result: undefined, error: error as Error };
  }
}

/** The Job the backend created last, and that it was deleted (Background) afterwards. */
function lastJobDeleted(): boolean {
  const name = fake.createdJobs.at(-1)?.metadata.name;
  return fake.deletions.some((d) => d.kind === 'Job' && d.name === name);
}

describe('a step whose pod will never start', () => {
  it('fails before any Job when it asks for more than the LimitRange allows', async () => {
    const b = backend();
    const before = fake.createdJobs.length;
    const { log, error } = await run(b, { memoryBytes: 16 * GiB, cpus: 6 });
    expect(error).toBeInstanceOf(PodRefused);
    expect(log).toContain(
      'plue: the step asks for more than the sandbox namespace allows per pod (its LimitRange): ' +
        'memory 16384 MiB asked, at most 8192 MiB allowed; cpus 6 asked, at most 4 allowed',
    );
    expect(fake.createdJobs).toHaveLength(before);
    // A controller whose own pod limits pass the max refuses to start.
    const wrong = backend({ limits: { ...DEFAULT_SETTINGS.limits, memoryBytes: 12 * GiB } });
    const check = await wrong.check();
    expect(check.ok).toBe(false);
    expect(check.detail).toContain('memory 12288 MiB asked, at most 8192 MiB allowed');
  });

  it("fails with the LimitRanger's words when the cluster's max is lower than the settings'", async () => {
    // The settings say 64 GiB, the namespace's LimitRange 8 GiB: the job controller's create of
    // the pod is refused, which only its FailedCreate event on the Job says.
    const b = backend({ maxLimits: { ...DEFAULT_SETTINGS.maxLimits, memoryBytes: 64 * GiB } });
    const { log, error } = await run(b, { memoryBytes: 16 * GiB });
    const job = fake.createdJobs.at(-1)?.metadata.name ?? '';
    const said =
      `the cluster refused the step's pod: pods "${job}-" is forbidden: ` +
      'maximum memory usage per Container is 8Gi, but limit is 16Gi';
    expect(error?.message).toBe(said);
    expect(log).toContain(`plue: ${said}`);
    expect(error?.message).not.toContain('start timeout');
    expect(fake.podOf(job)).toBeUndefined();
    expect(lastJobDeleted()).toBe(true);
  });

  it("fails with the API server's message when the Job itself is refused", async () => {
    const message =
      'jobs.batch "x" is forbidden: exceeded quota: plue-sandbox, requested: count/jobs.batch=1, ' +
      'used: count/jobs.batch=100, limited: count/jobs.batch=100';
    fake.refuseNextJob = { code: 403, reason: 'Forbidden', message };
    const { log, error } = await run(backend());
    expect(error?.message).toBe(`the API server refused the step's Job: Forbidden: ${message}`);
    expect(log).toContain(`plue: the API server refused the step's Job: Forbidden: ${message}`);
    expect(log).not.toContain('HTTP-Code');
  });

  it("fails with the scheduler's message when no node fits the pod past the grace", async () => {
    const b = backend({ unschedulableGraceMs: 200 });
    fake.holdPods = true;
    const before = fake.createdJobs.length;
    const running = run(b);
    await expect.poll(() => fake.podOf(fake.createdJobs[before]?.metadata.name ?? '')).toBeTruthy();
    const pod = fake.podOf(fake.createdJobs[before]?.metadata.name ?? '')?.metadata.name ?? '';
    const why =
      '0/3 nodes are available: 3 Insufficient memory. preemption: 0/3 nodes are available.';
    unschedulable(fake, pod, why);
    const { log, error } = await running;
    expect(error).toBeInstanceOf(PodRefused);
    expect(error?.message).toMatch(/^no node can run the step's pod \(Unschedulable for \d+ s\): /);
    expect(error?.message).toContain(why);
    expect(log).toContain(why);
    expect(lastJobDeleted()).toBe(true);
  });

  it('runs normally when the pod is scheduled within the grace', async () => {
    const b = backend({ unschedulableGraceMs: 60_000 });
    fake.holdPods = true;
    const before = fake.createdJobs.length;
    const running = run(b);
    await expect.poll(() => fake.podOf(fake.createdJobs[before]?.metadata.name ?? '')).toBeTruthy();
    const pod = fake.podOf(fake.createdJobs[before]?.metadata.name ?? '')?.metadata.name ?? '';
    unschedulable(fake, pod, '0/3 nodes are available: 3 Insufficient cpu.');
    fake.releasePods();
    const { log, result, error } = await running;
    expect(error).toBeUndefined();
    expect(result?.exitCode).toBe(0);
    expect(log).toBe('ran\n');
  });
});

describe('the pure parts', () => {
  it('name each limit past the max, and nothing when all fit', () => {
    const max = settingsFromEnv({}).maxLimits;
    expect(overMax(DEFAULT_SETTINGS.limits, max)).toEqual([]);
    expect(overMax(max, max)).toEqual([]);
    expect(overMax({ memoryBytes: 9 * GiB, cpus: 4.5, ephemeralBytes: 17 * GiB }, max)).toEqual([
      'memory 9216 MiB asked, at most 8192 MiB allowed',
      'cpus 4.5 asked, at most 4 allowed',
      'scratch disk 17408 MiB asked, at most 16384 MiB allowed',
    ]);
    const env = settingsFromEnv({ PLUE_K8S_MAX_MEMORY: '4Gi', PLUE_K8S_MAX_CPUS: '1500m' });
    expect(env.maxLimits).toMatchObject({ memoryBytes: 4 * GiB, cpus: 1.5 });
    expect(() => settingsFromEnv({ PLUE_K8S_MAX_CPUS: 'lots' })).toThrow(/not a CPU amount/);
  });

  it("take the job controller's newest final FailedCreate, and wait out a full quota", () => {
    const event = (message: string, at: string, reason = 'FailedCreate'): CoreV1Event =>
      ({ reason, message, lastTimestamp: at, involvedObject: {}, metadata: {} }) as never;
    expect(failedCreate([])).toBeUndefined();
    expect(
      failedCreate([
        event('Error creating: pods "j-" is forbidden: exceeded quota: q, requested: pods=1', 'b'),
        event('Created pod: j-abcde', 'c', 'SuccessfulCreate'),
      ]),
    ).toBeUndefined();
    expect(
      failedCreate([
        event('Error creating: pods "j-" is forbidden: newer', '2026-12-07T20:00:02Z'),
        event('Error creating: pods "j-" is forbidden: older', '2026-12-07T20:00:01Z'),
        null as never,
      ]),
    ).toBe('pods "j-" is forbidden: newer');
    for (let i = 0; i < 200; i++) {
      const junk = JSON.parse(
        JSON.stringify([{ reason: i % 2 ? 'FailedCreate' : undefined, message: i % 3 ? 'x' : 7 }]),
      ) as CoreV1Event[];
      expect(() => failedCreate(junk)).not.toThrow();
    }
  });

  it("read the API server's Status out of the client's error, whatever its body", () => {
    const status = { kind: 'Status', reason: 'Invalid', message: 'Job.batch "x" is invalid' };
    expect(apiErrorMessage({ code: 422, body: JSON.stringify(status) })).toBe(
      'Invalid: Job.batch "x" is invalid',
    );
    expect(apiErrorMessage({ code: 422, body: status })).toBe('Invalid: Job.batch "x" is invalid');
    expect(apiErrorMessage({ code: 502, body: 'bad gateway' })).toBe('502 bad gateway');
    expect(apiErrorMessage(new Error('socket hang up'))).toBe('socket hang up');
    for (let i = 0; i < 100; i++) {
      expect(typeof apiErrorMessage({ body: randomBytes(i).toString('latin1') })).toBe('string');
    }
  });

  it("print the LimitRanger's refusal as the real plugin does", () => {
    expect(canonical('16384Mi')).toBe('16Gi');
    expect(canonical('4096Mi')).toBe('4Gi');
    expect(canonical('1536Mi')).toBe('1536Mi');
    expect(canonical('6000m')).toBe('6');
    expect(canonical('500m')).toBe('500m');
    const pod = (limits: Record<string, string>) => ({
      metadata: { generateName: 'plue-step-1-' },
      spec: { containers: [{ resources: { limits } }] },
    });
    const fits = { cpu: '2000m', memory: '2048Mi', 'ephemeral-storage': '4096Mi' };
    expect(limitRangeRefusal(pod(fits), LIMIT_RANGE_MAX)).toBeUndefined();
    expect(
      limitRangeRefusal(pod({ ...fits, cpu: '6000m', memory: '16384Mi' }), LIMIT_RANGE_MAX),
    ).toBe(
      'pods "plue-step-1-" is forbidden: [maximum cpu usage per Container is 4, but limit is 6, ' +
        'maximum memory usage per Container is 8Gi, but limit is 16Gi]',
    );
  });
});
