// A step stopped by a limit on Kubernetes is reported as locally: against the loopback API server
// (test/helpers/fake-kubernetes), which plays the kubelet's and job controller's ways of ending a
// pod with the status shapes they write, a step whose container is OOM-killed says "out of
// memory" (not "exit 137"), one past its pod's or Job's activeDeadlineSeconds "timed out", one
// evicted for ephemeral storage "disk limit"; one whose sandbox was killed with no OOMKilled
// reason (how gVisor's OOM often reads) "killed, most likely out of memory (limit X)", never a
// certain OOM; any other end of its pod is an error naming it.
// Also: stopping a step deletes its Job (the DELETE arrives, and the pod is gone), whether it was
// running, still waiting for its pod, or on a warm pod (which the pool then replaces).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  evict,
  jobDeadline,
  oomKill,
  podDeadline,
  sandboxKilled,
} from '../../../test/helpers/fake-kubernetes/kubelet';
import { FakeKubernetes } from '../../../test/helpers/fake-kubernetes/server';
import type { ExecutorEvent } from '../../executor/events';
import { runStep, type StepRunOutcome } from '../../executor/run-step';
import { KubernetesBackend } from './backend';
import { DEFAULT_SETTINGS, type KubernetesSettings } from './config';
import { classifyPodEnd } from './pod-end';

let fake: FakeKubernetes;
const backends: KubernetesBackend[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  fake = await FakeKubernetes.start();
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
    settings: { ...DEFAULT_SETTINGS, warmPool: 0, warmPoolNetwork: 0, ...settings },
    controllerId: `end-${backends.length}`,
    log: () => undefined,
  });
  backends.push(b);
  return b;
}

/** The pod of the Job the backend created last. */
function lastPod(): string {
  const job = fake.createdJobs.at(-1)?.metadata.name ?? '';
  const pod = fake.podOf(job);
  if (!pod) throw new Error(`no pod for ${job}`);
  return pod.metadata.name;
}

/**
 * Runs `cmd` as a workflow step through runStep; once it printed `started`, `act` ends its pod.
 */
async function step(
  b: KubernetesBackend,
  cmd: string,
  act: (pod: string, job: string) => void,
  opts: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<{ outcome: StepRunOutcome; log: string }> {
  const ws = mkdtempSync(join(tmpdir(), 'plue-k8s-end-'));
  dirs.push(ws);
  const events: ExecutorEvent[] = [];
  let acted = false;
  const outcome = await runStep({
    step: {
      id: 's',
      name: 's',
      type: 'run',
      cmd,
      network: false,
      depends_on: [],
      env: {},
      secrets: [],
      continue_on_error: false,
    } as never,
    backend: b,
    workspace: ws,
    env: {},
    notices: [],
    maskPatterns: [],
    timeoutMs: opts.timeoutMs ?? 60_000,
    batchMs: 20,
    batchBytes: 65536,
    signal: opts.signal ?? new AbortController().signal,
    emit: async (e) => {
      events.push(e);
      if (!acted && JSON.stringify(e).includes('started')) {
        acted = true;
        act(lastPod(), fake.createdJobs.at(-1)?.metadata.name ?? '');
      }
    },
  });
  const log = events
    .flatMap((e) => (e.type === 'step_output' ? [JSON.stringify(e)] : []))
    .join('\n');
  return { outcome, log };
}

describe('a step stopped by a limit of its pod', () => {
  it('is out of memory when its container was OOM-killed, even though the exec said 137', async () => {
    // The kubelet reports the container's end a moment after the exec ended.
    const { outcome, log } = await step(backend(), 'echo started; sleep 60', (pod) =>
      oomKill(fake, pod, 300),
    );
    expect(outcome).toMatchObject({
      status: 'failure',
      note: 'out of memory',
      oomKilled: true,
      exitCode: 137,
    });
    expect(log).toContain('ran out of memory');
    expect(log).toContain('OOMKilled');
  });

  it('timed out when the pod passed its activeDeadlineSeconds', async () => {
    const { outcome, log } = await step(backend(), 'echo started; sleep 60', (pod) =>
      podDeadline(fake, pod),
    );
    expect(outcome).toMatchObject({ status: 'timed_out', note: 'step timed out' });
    expect(log).toContain('DeadlineExceeded');
  });

  it("timed out when its Job passed its activeDeadlineSeconds (the pod deleted, the Job's condition read)", async () => {
    const { outcome, log } = await step(backend(), 'echo started; sleep 60', (_pod, job) =>
      jobDeadline(fake, job),
    );
    expect(outcome).toMatchObject({ status: 'timed_out', note: 'step timed out' });
    expect(log).toContain('Job was active longer than specified deadline');
  });

  it('past its disk limit when evicted for ephemeral storage', async () => {
    const { outcome, log } = await step(backend(), 'echo started; sleep 60', (pod) =>
      evict(
        fake,
        pod,
        'Pod ephemeral local storage usage exceeds the total limit of containers 4Gi. ',
      ),
    );
    expect(outcome).toMatchObject({ status: 'failure', note: 'workspace disk limit exceeded' });
    expect(log).toContain('grew past its disk limit');
    expect(log).toContain('Evicted: Pod ephemeral local storage usage exceeds');
  });

  it('an error naming the reason when the node evicted it for its own trouble', async () => {
    const { outcome } = await step(backend(), 'echo started; sleep 60', (pod) =>
      evict(fake, pod, 'The node was low on resource: memory. '),
    );
    expect(outcome.status).toBe('failure');
    expect(outcome.note).toMatch(
      /sandbox error: the step's pod ended: Evicted: The node was low on resource: memory\.$/,
    );
  });

  it('is a plain exit 137 when the step killed itself and its pod lives on', async () => {
    const b = backend({ endGraceMs: 200 });
    const { outcome, log } = await step(b, 'echo started; kill -9 $$', () => undefined);
    expect(outcome).toMatchObject({ status: 'failure', exitCode: 137 });
    expect(outcome.note).toBeUndefined();
    expect(log).not.toContain('ran out of memory');
    // Said what is known, and nothing more: no memory verdict.
    expect(log).toContain("ended with SIGKILL's exit status (137) while its pod kept running");
    expect(log).toContain('Kubernetes reported no OOM kill; its memory limit is 2048 MiB');
  });

  it('is killed too when the exec itself answered 128, as older runsc does', async () => {
    const { outcome, log } = await step(backend(), 'echo started; sleep 0.3; exit 128', (pod) =>
      sandboxKilled(fake, pod, 128, 0, false),
    );
    expect(outcome).toMatchObject({ status: 'failure', exitCode: 128 });
    expect(log).toContain(`the step's pod ended: Error: exit code 128`);
    expect(log).toContain('most likely it ran out of memory (limit 2048 MiB)');
  });

  for (const code of [137, 128, 143]) {
    it(`is killed, most likely out of memory, when its sandbox ended with ${code} and no reason`, async () => {
      const b = backend({ limits: { ...DEFAULT_SETTINGS.limits, memoryBytes: 1024 ** 3 } });
      const { outcome, log } = await step(b, 'echo started; sleep 60', (pod) =>
        sandboxKilled(fake, pod, code, 300),
      );
      expect(outcome.status).toBe('failure');
      expect(outcome.oomKilled).toBeUndefined();
      expect(outcome.note).not.toBe('out of memory');
      expect(log).toContain(`the step's pod ended: Error: exit code ${code}`);
      expect(log).toContain('most likely it ran out of memory (limit 1024 MiB)');
      expect(log).not.toContain('the step ran out of memory and was killed');
    });
  }
});

describe('stopping a step deletes its pod', () => {
  const deletedWithPod = (job: string) => {
    expect(fake.deletions).toContainEqual({
      kind: 'Job',
      name: job,
      propagationPolicy: 'Background',
    });
    expect(fake.podOf(job)).toBeUndefined();
  };

  it('when cancelled while its cold pod is still Pending', async () => {
    const b = backend();
    fake.holdPods = true;
    const abort = new AbortController();
    const before = fake.createdJobs.length;
    const running = b.run({
      cmd: 'echo never',
      cwd: mkdtempSync(join(tmpdir(), 'plue-k8s-end-')),
      env: {},
      timeoutMs: 60_000,
      network: false,
      signal: abort.signal,
      onOutput: () => undefined,
    });
    await expect.poll(() => fake.createdJobs.length).toBe(before + 1);
    abort.abort();
    expect(await running).toMatchObject({ cancelled: true, exitCode: null });
    deletedWithPod(fake.createdJobs.at(-1)?.metadata.name ?? '');
  });

  it('when a step on a warm pod times out, and the pool starts a replacement', async () => {
    const b = backend({ warmPool: 1 });
    await b.check();
    await expect.poll(() => b.pool.readyCount(false)).toBe(1);
    const warm = b.pool.created[0] ?? '';
    const { outcome } = await step(b, 'echo started; sleep 60', () => undefined, {
      timeoutMs: 1500,
    });
    expect(outcome).toMatchObject({ status: 'timed_out', note: 'step timed out' });
    deletedWithPod(warm);
    await expect.poll(() => b.pool.readyCount(false)).toBe(1);
    expect(b.pool.created).toHaveLength(2);
  });
});

describe('classifyPodEnd', () => {
  it('reads the real status shapes, and says nothing of a running pod', () => {
    const running: V1Pod = { status: { phase: 'Running' } };
    expect(classifyPodEnd(running)).toBeUndefined();
    expect(classifyPodEnd(undefined)).toBeUndefined();
    const oom: V1Pod = {
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'step',
            image: 'x',
            imageID: 'x',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode: 137, reason: 'OOMKilled' } },
          },
        ],
      },
    };
    expect(classifyPodEnd(oom)?.kind).toBe('oom');
    for (const message of [
      'Container step exceeded its local ephemeral storage limit "4Gi". ',
      'Usage of EmptyDir volume "workspace" exceeds the limit "4Gi". ',
      'The node was low on resource: ephemeral-storage. Threshold quantity: 10Gi, available: 9Gi. ',
    ]) {
      expect(
        classifyPodEnd({ status: { phase: 'Failed', reason: 'Evicted', message } })?.kind,
      ).toBe('disk');
    }
    expect(
      classifyPodEnd({ status: { phase: 'Failed', reason: 'Evicted', message: 'low on memory' } })
        ?.kind,
    ).toBe('other');
    expect(
      classifyPodEnd(running, {
        status: { conditions: [{ type: 'Failed', status: 'False', reason: 'DeadlineExceeded' }] },
      }),
    ).toBeUndefined();
  });

  it('calls a container killed with nobody to blame killed, and one deleted or disrupted not', () => {
    const ended = (exitCode: number, reason?: string, extra: Partial<V1Pod> = {}): V1Pod => ({
      ...extra,
      status: {
        phase: 'Failed',
        ...extra.status,
        containerStatuses: [
          {
            name: 'step',
            image: 'x',
            imageID: 'x',
            ready: false,
            restartCount: 0,
            state: { terminated: { exitCode, ...(reason ? { reason } : {}) } },
          },
        ],
      },
    });
    for (const code of [137, 128, 143]) {
      expect(classifyPodEnd(ended(code, 'Error'))).toEqual({
        kind: 'killed',
        detail: `Error: exit code ${code}`,
      });
      expect(classifyPodEnd(ended(code))?.kind).toBe('killed');
    }
    // OOMKilled stays certain; other codes and reasons are no kill.
    expect(classifyPodEnd(ended(137, 'OOMKilled'))?.kind).toBe('oom');
    expect(classifyPodEnd(ended(1, 'Error'))?.kind).toBe('other');
    expect(classifyPodEnd(ended(137, 'Completed'))?.kind).toBe('other');
    // Deleted (drained, kubectl delete, the Job's deadline) or disrupted (preempted): not memory.
    const deleted = ended(137, 'Error', { metadata: { deletionTimestamp: new Date() } });
    expect(classifyPodEnd(deleted)?.kind).toBe('other');
    const preempted = ended(137, 'Error', {
      status: {
        conditions: [{ type: 'DisruptionTarget', status: 'True', reason: 'PreemptionByScheduler' }],
      },
    });
    expect(classifyPodEnd(preempted)?.kind).toBe('other');
    // A pod past its own deadline is timed out, whatever its container says.
    const late = ended(137, 'Error', { status: { phase: 'Failed', reason: 'DeadlineExceeded' } });
    expect(classifyPodEnd(late)?.kind).toBe('deadline');
  });

  it('never throws on truncated or random statuses', () => {
    for (let i = 0; i < 300; i++) {
      const junk = JSON.parse(
        JSON.stringify({
          status: {
            phase: ['Failed', 'Running', randomBytes(2).toString('hex')][i % 3],
            reason: i % 2 ? 'Evicted' : randomBytes(3).toString('latin1'),
            message: i % 5 ? randomBytes(8).toString('latin1') : undefined,
            containerStatuses: i % 4 ? [{ name: 'step', state: { terminated: {} } }] : [null],
          },
        }),
      ) as V1Pod;
      const end = (() => {
        try {
          return classifyPodEnd(junk, { status: { conditions: [] } });
        } catch (err) {
          return err;
        }
      })();
      expect(
        end === undefined ||
          ['oom', 'deadline', 'disk', 'killed', 'other'].includes((end as { kind: string }).kind),
      ).toBe(true);
    }
  });
});
