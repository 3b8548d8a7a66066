/**
 * Settings of the `kubernetes` sandbox backend (PLUE_SANDBOX_BACKEND=kubernetes), read from the
 * controller's environment in one place. Every setting has a default that matches deploy/ (the
 * `plue-sandbox` namespace, the `gvisor` RuntimeClass, the LimitRange's default limits), so a
 * controller deployed from the manifests needs only the step image. A pod's memory and CPU are the
 * controller's step limits (PLUE_STEP_MEMORY_MB, PLUE_STEP_CPUS: sandbox/limits.ts), the same
 * settings the local backend enforces with cgroups. The most a step pod may ask for
 * (PLUE_K8S_MAX_*) is the sandbox namespace's LimitRange `max` (deploy/base/sandbox/
 * limit-range.yaml; deploy/manifests.test.ts checks the two agree): a step asking for more fails
 * at once rather than leaving a Job whose pod admission refuses. Documented in docs/deploy.md.
 */
import { stepLimitsFromEnv } from '../limits';

/** The step pod's limits (container resources; the workspace's emptyDir size). */
export interface PodLimits {
  memoryBytes: number;
  /** CPUs' worth of time (a fraction is fine: 0.5 → 500m). */
  cpus: number;
  /** Scratch disk: the writable volumes and the container's own layer together. */
  ephemeralBytes: number;
}

export interface KubernetesSettings {
  namespace: string;
  image: string;
  runtimeClassName: string;
  /** Warm pods kept ready for steps without network, and for steps with network. */
  warmPool: number;
  warmPoolNetwork: number;
  /** Limits of every pod unless a step asks for others (then it gets a cold pod of its own). */
  limits: PodLimits;
  /** The most a pod may ask for: the sandbox namespace's LimitRange `max` per Container. */
  maxLimits: PodLimits;
  /** Requests (what the scheduler reserves) as a fraction of the limits. */
  requestRatio: number;
  /** How long a warm pod may idle before its Job's deadline ends it (and the pool replaces it). */
  warmIdleSeconds: number;
  /** Longest wait for a cold pod to be scheduled and its image pulled. */
  startTimeoutMs: number;
  /**
   * How long a claimed pod may stay Pending as Unschedulable (no node fits it) before its step
   * fails with the scheduler's message; long enough for a cluster autoscaler to add a node.
   */
  unschedulableGraceMs: number;
  /** How often a step waiting for its pod to appear asks for its Job's FailedCreate events. */
  startPollMs: number;
  /**
   * How long a step whose exec ended by SIGKILL (or without a status) waits for the watch to say
   * whether its pod ended (OOM-killed, evicted, past its deadline) before it is reported as
   * killed: the kubelet reports a container's end a moment after the processes in it died.
   */
  endGraceMs: number;
  /** Resolvers of a networked pod (the NetworkPolicy admits no cluster DNS). */
  nameservers: string[];
  /** uid/gid the step runs as (the step image's `runner`). */
  uid: number;
  /** The controller's default process limit (a step asking for another is told it cannot hold). */
  pidsMax: number;
}

export const DEFAULT_SETTINGS: KubernetesSettings = {
  namespace: 'plue-sandbox',
  image: 'plue-step:latest',
  runtimeClassName: 'gvisor',
  warmPool: 2,
  warmPoolNetwork: 1,
  limits: { memoryBytes: 2 * 1024 ** 3, cpus: 2, ephemeralBytes: 4 * 1024 ** 3 },
  maxLimits: { memoryBytes: 8 * 1024 ** 3, cpus: 4, ephemeralBytes: 16 * 1024 ** 3 },
  requestRatio: 0.25,
  warmIdleSeconds: 3600,
  startTimeoutMs: 300_000,
  unschedulableGraceMs: 120_000,
  startPollMs: 1000,
  endGraceMs: 5000,
  nameservers: ['8.8.8.8', '1.1.1.1'],
  uid: 1001,
  pidsMax: 2048,
};

/** A size such as `2Gi`, `512Mi`, `1G` or plain bytes. */
export function parseBytes(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(Ki|Mi|Gi|Ti|K|M|G|T)?$/.exec(text.trim());
  if (!m) throw new Error(`not a size: ${JSON.stringify(text)} (e.g. 2Gi, 512Mi)`);
  const units: Record<string, number> = {
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    K: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };
  return Math.round(Number(m[1]) * (m[2] ? (units[m[2]] ?? 1) : 1));
}

/** CPUs as a number or a Kubernetes quantity (`4`, `0.5`, `500m`). */
export function parseCpus(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(m?)$/.exec(text.trim());
  if (!m) throw new Error(`not a CPU amount: ${JSON.stringify(text)} (e.g. 4, 500m)`);
  return Number(m[1]) / (m[2] ? 1000 : 1);
}

function count(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a whole number, not ${text}`);
  return n;
}

/** The backend's settings from PLUE_K8S_* (see docs/deploy.md); throws on a malformed value. */
export function settingsFromEnv(env: Record<string, string | undefined>): KubernetesSettings {
  const d = DEFAULT_SETTINGS;
  const step = stepLimitsFromEnv(env);
  return {
    namespace: env.PLUE_K8S_NAMESPACE || d.namespace,
    image: env.PLUE_K8S_STEP_IMAGE || d.image,
    runtimeClassName: env.PLUE_K8S_RUNTIME_CLASS || d.runtimeClassName,
    warmPool: count('PLUE_K8S_WARM_POOL', env.PLUE_K8S_WARM_POOL, d.warmPool),
    warmPoolNetwork: count(
      'PLUE_K8S_WARM_POOL_NETWORK',
      env.PLUE_K8S_WARM_POOL_NETWORK,
      d.warmPoolNetwork,
    ),
    limits: {
      memoryBytes: step.memoryBytes,
      cpus: step.cpus,
      ephemeralBytes: env.PLUE_K8S_EPHEMERAL_STORAGE
        ? parseBytes(env.PLUE_K8S_EPHEMERAL_STORAGE)
        : d.limits.ephemeralBytes,
    },
    maxLimits: {
      memoryBytes: env.PLUE_K8S_MAX_MEMORY
        ? parseBytes(env.PLUE_K8S_MAX_MEMORY)
        : d.maxLimits.memoryBytes,
      cpus: env.PLUE_K8S_MAX_CPUS ? parseCpus(env.PLUE_K8S_MAX_CPUS) : d.maxLimits.cpus,
      ephemeralBytes: env.PLUE_K8S_MAX_EPHEMERAL_STORAGE
        ? parseBytes(env.PLUE_K8S_MAX_EPHEMERAL_STORAGE)
        : d.maxLimits.ephemeralBytes,
    },
    requestRatio: d.requestRatio,
    warmIdleSeconds: count('PLUE_K8S_WARM_IDLE_SECONDS', env.PLUE_K8S_WARM_IDLE_SECONDS, 3600),
    startTimeoutMs:
      count('PLUE_K8S_START_TIMEOUT_SECONDS', env.PLUE_K8S_START_TIMEOUT_SECONDS, 300) * 1000,
    unschedulableGraceMs:
      count(
        'PLUE_K8S_UNSCHEDULABLE_GRACE_SECONDS',
        env.PLUE_K8S_UNSCHEDULABLE_GRACE_SECONDS,
        d.unschedulableGraceMs / 1000,
      ) * 1000,
    startPollMs: d.startPollMs,
    endGraceMs: d.endGraceMs,
    nameservers: (env.PLUE_K8S_NAMESERVERS ?? d.nameservers.join(','))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    uid: d.uid,
    pidsMax: step.pidsMax,
  };
}
