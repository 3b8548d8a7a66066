/**
 * Why a step's pod ended, read from what the API says about it (pure: a pod and, when the pod
 * was deleted, its Job in; a verdict out), so that a step stopped by a limit on Kubernetes is
 * reported as locally ("out of memory", "timed out", "disk limit") rather than as "exit 137":
 * - the step container's `state.terminated.reason` (or `lastState`) is `OOMKilled`: the kernel
 *   killed it at its memory limit (cgroup v2 kills the whole container, so the exec ends too);
 * - the pod's `status.reason` is `DeadlineExceeded` (the pod's activeDeadlineSeconds), or the
 *   Job's `Failed`/`FailureTarget` condition has that reason (the Job's, which deletes the pod);
 * - the pod was `Evicted` for ephemeral storage: its own limit (the container's
 *   ephemeral-storage, an emptyDir's sizeLimit, or the pod's total), or a node short of disk
 *   while the pod used more than it requested. Evictions for anything else (memory pressure on
 *   the node) are the node's trouble, not the step's, and are reported as they are;
 * - `killed`: the step container was killed (exit 137, or 128/143, reason `Error` or none) while
 *   nobody deleted or disrupted the pod and no deadline passed. Under gVisor that is what a pod
 *   past its memory limit often looks like: gVisor does no memory limiting of its own; the host
 *   kernel's OOM killer kills the sandbox (the gVisor kernel with every process in it) at the
 *   pod's cgroup limit, and whether the kubelet then says `OOMKilled` depends on the runsc and
 *   containerd versions (google/gvisor#2433: `Error`, exit 128; #9723: exit 128 or 143 under
 *   cgroup v2; #12838: `Error`, exit 137 on arm64 while x86-64 says `OOMKilled`). So it is
 *   reported as killed, most likely out of memory, and never as a certain OOM (docs/deploy.md).
 */
import type { V1ContainerStatus, V1Job, V1Pod } from '@kubernetes/client-node';
import { STEP_CONTAINER } from './job-manifest';

export type PodEndKind = 'oom' | 'deadline' | 'disk' | 'killed' | 'other';

export interface PodEnd {
  kind: PodEndKind;
  /** What the API said (reason: message), for the step's log. */
  detail: string;
}

/** Exit codes of a container whose sandbox was killed: SIGKILL's, and runsc's (see above). */
export const KILLED_CODES: ReadonlySet<number> = new Set([137, 128, 143]);

const DISK_EVICTION =
  /ephemeral[- ]?(local )?storage|EmptyDir volume|low on resource: ephemeral-storage/i;

function said(reason: string | undefined, message: string | undefined): string {
  return [reason, message?.trim()].filter(Boolean).join(': ');
}

/** The step container's termination as the kubelet reported it, if it has ended. */
function terminated(pod: V1Pod) {
  // A status from the wire may hold anything: a null entry is no container.
  const statuses = (pod.status?.containerStatuses ?? []) as (V1ContainerStatus | null)[];
  const c = statuses.find((s) => s?.name === STEP_CONTAINER);
  return c?.state?.terminated ?? c?.lastState?.terminated;
}

/** Why the pod ended, or undefined when nothing in it (or its Job) says. */
export function classifyPodEnd(pod: V1Pod | undefined, job?: V1Job): PodEnd | undefined {
  const status = pod?.status;
  const term = pod ? terminated(pod) : undefined;
  if (term?.reason === 'OOMKilled') {
    return { kind: 'oom', detail: said('OOMKilled', `exit code ${term.exitCode}`) };
  }
  if (status?.reason === 'DeadlineExceeded') {
    return { kind: 'deadline', detail: said(status.reason, status.message) };
  }
  if (status?.reason === 'Evicted') {
    const kind = DISK_EVICTION.test(status.message ?? '') ? 'disk' : 'other';
    return { kind, detail: said(status.reason, status.message) };
  }
  const failed = job?.status?.conditions?.find(
    (c) =>
      (c.type === 'Failed' || c.type === 'FailureTarget') &&
      c.status === 'True' &&
      c.reason === 'DeadlineExceeded',
  );
  if (failed) return { kind: 'deadline', detail: said(failed.reason, failed.message) };
  // Killed with no one to blame: not deleted, not disrupted (preempted, drained), no deadline.
  const disrupted = (status?.conditions ?? []).some(
    (c) => c?.type === 'DisruptionTarget' && c.status === 'True',
  );
  if (
    term &&
    KILLED_CODES.has(term.exitCode) &&
    (term.reason === undefined || term.reason === 'Error') &&
    !pod?.metadata?.deletionTimestamp &&
    !disrupted
  ) {
    return {
      kind: 'killed',
      detail: said(term.reason ?? 'terminated', `exit code ${term.exitCode}`),
    };
  }
  if (status?.phase === 'Failed' || status?.phase === 'Succeeded') {
    const why = said(status.reason, status.message) || said(term?.reason, term?.message);
    return { kind: 'other', detail: `${status.phase}${why ? `: ${why}` : ''}` };
  }
  return undefined;
}
