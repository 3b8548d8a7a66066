/**
 * The kubelet's and job controller's ways of ending a pod, played on a FakeKubernetes on demand
 * with the status shapes they write: an OOM kill (the exec answers exit 137, then the container
 * is `terminated` with reason `OOMKilled`), the pod's activeDeadlineSeconds (phase Failed, reason
 * `DeadlineExceeded`), the Job's (a `FailureTarget` then `Failed` condition with reason
 * `DeadlineExceeded`, its pods deleted between them), an eviction (phase Failed, reason
 * `Evicted`, a `DisruptionTarget` condition), a sandbox killed with no OOMKilled reason (as
 * gVisor's OOM often reads), and the scheduler's word on a pod no node fits (PodScheduled False,
 * reason Unschedulable).
 */
import type { FakeKubernetes } from './server';

/** Evict a pod as the kubelet does when it passes its ephemeral-storage limit. */
export function evict(fake: FakeKubernetes, name: string, message: string): void {
  const pod = fake.store.objects.Pod.get(name);
  if (!pod) return;
  fake.runtimes.get(name)?.killAll();
  fake.store.write('MODIFIED', {
    ...pod,
    status: {
      phase: 'Failed',
      reason: 'Evicted',
      message,
      conditions: [
        { type: 'DisruptionTarget', status: 'True', reason: 'TerminationByKubelet', message },
      ],
      containerStatuses: [terminatedStep(137, 'Error')],
    },
  });
}

/**
 * The container passed its memory limit: the kernel kills every process in it (cgroup v2's
 * group OOM kill), so an exec in it answers exit 137; the kubelet reports the container
 * `OOMKilled` `afterMs` later, when it notices.
 */
export function oomKill(fake: FakeKubernetes, name: string, afterMs = 0): void {
  fake.runtimes.get(name)?.killAll(false);
  setTimeout(() => {
    const pod = fake.store.objects.Pod.get(name);
    if (!pod) return;
    fake.store.write('MODIFIED', {
      ...pod,
      status: { phase: 'Failed', containerStatuses: [terminatedStep(137, 'OOMKilled')] },
    });
  }, afterMs);
}

/** The pod's own activeDeadlineSeconds passed: the kubelet kills it and says why. */
export function podDeadline(fake: FakeKubernetes, name: string): void {
  const pod = fake.store.objects.Pod.get(name);
  if (!pod) return;
  fake.runtimes.get(name)?.killAll();
  fake.store.write('MODIFIED', {
    ...pod,
    status: {
      phase: 'Failed',
      reason: 'DeadlineExceeded',
      message: 'Pod was active on the node longer than the specified deadline',
      containerStatuses: [terminatedStep(137, 'Error')],
    },
  });
}

/** The Job's activeDeadlineSeconds passed: the job controller fails it and deletes its pods. */
export function jobDeadline(fake: FakeKubernetes, name: string): void {
  const job = fake.store.objects.Job.get(name);
  if (!job) return;
  const now = new Date().toISOString();
  const condition = (type: string) => ({
    type,
    status: 'True',
    reason: 'DeadlineExceeded',
    message: 'Job was active longer than specified deadline',
    lastProbeTime: now,
    lastTransitionTime: now,
  });
  fake.store.write('MODIFIED', {
    ...job,
    status: { conditions: [condition('FailureTarget')], failed: 0, active: 1 },
  });
  for (const pod of [...fake.store.objects.Pod.values()]) {
    if (pod.metadata.labels?.['job-name'] === name) fake.remove(pod, 'Background');
  }
  const current = fake.store.objects.Job.get(name);
  if (current) {
    fake.store.write('MODIFIED', {
      ...current,
      status: { conditions: [condition('FailureTarget'), condition('Failed')], failed: 1 },
    });
  }
}

/**
 * The whole sandbox was killed (the host's OOM killer took gVisor's kernel) and the runtime
 * reported no OOM: the exec ends, then the container is `terminated`, reason `Error`, with
 * `exitCode` (137, or 128/143 as older runsc versions say).
 */
export function sandboxKilled(
  fake: FakeKubernetes,
  name: string,
  exitCode = 137,
  afterMs = 0,
  /** false: leave the processes to end by themselves (an exec that answers another status). */
  kill = true,
) {
  if (kill) fake.runtimes.get(name)?.killAll(false);
  setTimeout(() => {
    const pod = fake.store.objects.Pod.get(name);
    if (!pod) return;
    fake.store.write('MODIFIED', {
      ...pod,
      status: { phase: 'Failed', containerStatuses: [terminatedStep(exitCode, 'Error')] },
    });
  }, afterMs);
}

/** The scheduler found no node for a Pending pod (hold it Pending first: `fake.holdPods`). */
export function unschedulable(fake: FakeKubernetes, name: string, message: string): void {
  const pod = fake.store.objects.Pod.get(name);
  if (!pod) return;
  fake.store.write('MODIFIED', {
    ...pod,
    status: {
      phase: 'Pending',
      conditions: [
        {
          type: 'PodScheduled',
          status: 'False',
          reason: 'Unschedulable',
          message,
          lastProbeTime: null,
          lastTransitionTime: new Date().toISOString(),
        },
      ],
    },
  });
}

/** The step container's status once it has ended, as the kubelet writes it. */
function terminatedStep(exitCode: number, reason: string) {
  const now = new Date().toISOString();
  return {
    name: 'step',
    ready: false,
    restartCount: 0,
    state: { terminated: { exitCode, reason, startedAt: now, finishedAt: now } },
  };
}
