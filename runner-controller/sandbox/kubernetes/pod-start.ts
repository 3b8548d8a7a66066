/**
 * Why a step's pod will never start, so that the step fails at once with the cluster's reason
 * instead of waiting out the start timeout (limits, errors, events and pods in; a sentence or
 * undefined out; only `startRefusal` calls the API, to read the Job's events). Three ways a pod
 * never starts:
 * - limits above the sandbox namespace's LimitRange `max` (known to the controller's settings,
 *   PLUE_K8S_MAX_*): refused before anything is created (`overMax`);
 * - the API server refuses the Job itself (403 Forbidden, 422 Invalid: `apiErrorMessage`), or
 *   the job controller's create of its pod (the LimitRanger admission plugin, Pod Security, an
 *   invalid spec): the Job then gets a `FailedCreate` Warning event, "Error creating: pods
 *   "plue-step-…-" is forbidden: maximum memory usage per Container is 8Gi, but limit is 16Gi"
 *   (`failedCreate`). A refusal for a full ResourceQuota ("exceeded quota") is not final: the
 *   job controller retries as pods end, so it is waited out like a slow start;
 * - the scheduler finds no node for it: condition PodScheduled=False, reason Unschedulable,
 *   "0/3 nodes are available: 3 Insufficient memory." (`unschedulable`); the pool fails the
 *   step when this lasts past a grace (a cluster autoscaler may still add a node).
 */
import type { CoreV1Api, CoreV1Event, V1Pod } from '@kubernetes/client-node';
import type { KubernetesSettings, PodLimits } from './config';

/** A pod the cluster will not start for this step; its message is for the step's log. */
export class PodRefused extends Error {
  override name = 'PodRefused';
}

const MiB = 1024 * 1024;

function mib(bytes: number): string {
  return `${Math.round((bytes / MiB) * 10) / 10} MiB`;
}

/** Each limit of `asked` above `max`, as a sentence naming both; empty when all fit. */
export function overMax(asked: PodLimits, max: PodLimits): string[] {
  const over: string[] = [];
  if (asked.memoryBytes > max.memoryBytes) {
    over.push(`memory ${mib(asked.memoryBytes)} asked, at most ${mib(max.memoryBytes)} allowed`);
  }
  if (asked.cpus > max.cpus) over.push(`cpus ${asked.cpus} asked, at most ${max.cpus} allowed`);
  if (asked.ephemeralBytes > max.ephemeralBytes) {
    over.push(
      `scratch disk ${mib(asked.ephemeralBytes)} asked, at most ${mib(max.ephemeralBytes)} allowed`,
    );
  }
  return over;
}

/** The Status message of a refused API call (the client's error text holds headers and all). */
export function apiErrorMessage(err: unknown): string {
  const e = err as { code?: unknown; body?: unknown; message?: unknown };
  let body = e?.body;
  if (typeof body === 'string') {
    const text = body.trim();
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      // Not JSON: the text itself is what the server said.
      if (text) return `${String(e.code ?? '')} ${text}`.trim();
    }
  }
  const status = body as { message?: unknown; reason?: unknown } | undefined;
  if (status && typeof status.message === 'string' && status.message) {
    const reason = typeof status.reason === 'string' ? `${status.reason}: ` : '';
    return `${reason}${status.message}`;
  }
  return String(e?.message ?? err);
}

/** True when a refused create is worth waiting out (a full quota frees up as pods end). */
export function transientRefusal(message: string): boolean {
  return /exceeded quota/i.test(message);
}

/**
 * The job controller's final word on creating the Job's pod, from the Job's events: the newest
 * `FailedCreate` that is no full quota, without its "Error creating: " prefix.
 */
export function failedCreate(events: readonly (CoreV1Event | null)[]): string | undefined {
  const refusals = events
    .filter((e): e is CoreV1Event => e?.reason === 'FailedCreate' && Boolean(e.message))
    .map((e) => ({
      at: String(e.lastTimestamp ?? e.eventTime ?? e.metadata?.creationTimestamp ?? ''),
      message: String(e.message).replace(/^Error creating: /, ''),
    }))
    .filter((e) => !transientRefusal(e.message))
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  return refusals.at(-1)?.message;
}

/** The scheduler's message while the pod is Pending as Unschedulable, else undefined. */
export function unschedulable(pod: V1Pod): string | undefined {
  if (pod.status?.phase !== 'Pending') return undefined;
  const conditions = (pod.status.conditions ?? []) as ({
    type?: string;
    status?: string;
    reason?: string;
    message?: string;
  } | null)[];
  const c = conditions.find((x) => x?.type === 'PodScheduled');
  if (c?.status !== 'False' || c.reason !== 'Unschedulable') return undefined;
  return c.message?.trim() || 'Unschedulable';
}

export interface StartState {
  core: CoreV1Api;
  settings: Pick<KubernetesSettings, 'namespace' | 'unschedulableGraceMs'>;
  job: string;
  /** The Job's pod, once the watch has seen it. */
  pod?: string | undefined;
  /** Since when (first seen) and why the scheduler finds no node for the pod. */
  unschedulable?: { since: number; message: string } | undefined;
  /** When a step claimed the pod (the grace counts from there at the earliest). */
  claimedAt?: number | undefined;
}

/**
 * Why a claimed pod will never start, if the cluster says so: no node fits it past the grace,
 * or (while no pod exists) the job controller could not create it. Undefined: keep waiting.
 */
export async function startRefusal(s: StartState): Promise<string | undefined> {
  const stuck = s.unschedulable;
  const waited = stuck ? Date.now() - Math.max(stuck.since, s.claimedAt ?? 0) : 0;
  if (stuck && waited >= s.settings.unschedulableGraceMs) {
    const secs = Math.round(waited / 1000);
    return `no node can run the step's pod (Unschedulable for ${secs} s): ${stuck.message}`;
  }
  if (s.pod !== undefined) return undefined;
  try {
    const events = await s.core.listNamespacedEvent({
      namespace: s.settings.namespace,
      fieldSelector: `involvedObject.kind=Job,involvedObject.name=${s.job}`,
    });
    const why = failedCreate(events.items);
    return why && `the cluster refused the step's pod: ${why}`;
  } catch {
    return undefined; // Events unreadable: the start timeout still ends the wait.
  }
}
