/**
 * The `kubernetes` sandbox backend (docs/design/sandbox.md §3): each step runs in a pod of its
 * own on the gVisor RuntimeClass, taken from a warm pool (warm-pool.ts) when its limits are the
 * pool's, else started cold. The workspace goes in and comes back as tar over exec
 * (workspace-sync.ts); the step itself is one more exec.
 *
 * Why exec rather than the pod log: a warm pod was started before its step existed, so the
 * command must be handed to a running container, which only exec (or attach) can do; exec also
 * keeps stdout and stderr apart (a pod log merges them), reports the exit status on its status
 * channel without a pod status round trip, and carries the step's environment on stdin, so
 * secrets are in no pod spec (which anyone who may read pods sees, and etcd keeps) and in no URL
 * (which audit logs keep). The step runs under `env -i` with exactly the spec's environment plus
 * PATH and HOME, as locally; not the container's (KUBERNETES_SERVICE_HOST and the like).
 *
 * A timeout or a cancel deletes the step's Job (propagationPolicy Background), which ends the pod
 * and with it the exec. Limits map to the pod: memory, CPU and scratch disk hold (container
 * limits and emptyDir sizes); a per-step process limit does not exist per pod (the nodes'
 * podPidsLimit is the only one), and a step that asks for one is told so. A step whose exec ends
 * by SIGKILL or without a status is explained by its pod's status (pod-end.ts): OOMKilled is
 * reported as out of memory, DeadlineExceeded as timed out, an ephemeral-storage eviction as past
 * the disk limit, as the local backend reports them; a pod killed with nobody to blame as killed,
 * most likely out of memory (what gVisor's OOM often looks like); any other end is an error.
 * Limits above the namespace's LimitRange, and a pod the cluster refuses or cannot schedule, fail
 * the step at once with the reason in its log (pod-start.ts), not after the start timeout.
 */
import { BatchV1Api, CoreV1Api, Exec, type KubeConfig } from '@kubernetes/client-node';
import { Readable } from 'node:stream';
import {
  DEFAULT_MAX_OUTPUT_BYTES,
  SANDBOX_PATH,
  SANDBOX_WORKSPACE,
  type RunResult,
  type RunSpec,
  type SandboxBackend,
} from '../types';
import type { LimitSupport } from '../cgroup';
import type { KubernetesSettings, PodLimits } from './config';
import { labelValue, STEP_CONTAINER } from './job-manifest';
import { KILLED_CODES, type PodEnd } from './pod-end';
import { overMax, PodRefused } from './pod-start';
import { execInPod, type PodExecResult } from './pod-exec';
import { WarmPool, type PodLease } from './warm-pool';
import { downloadWorkspace, uploadInputs, type PodRef } from './workspace-sync';

export interface KubernetesBackendOptions {
  kubeConfig: KubeConfig;
  settings: KubernetesSettings;
  /** This controller's id (pods carry it as a label). */
  controllerId: string;
  /** Longest step the controller runs (a pod's Job deadline allows for it). */
  maxStepSeconds?: number;
  log?: (message: string) => void;
}

type SpecLimits = Pick<RunSpec, 'memoryBytes' | 'pidsMax' | 'cpus'>;

/** What a SIGKILLed process exits with (the kernel's OOM killer, a container runtime's kill). */
const KILLED_EXIT = 128 + 9;

const PIDS_NOT_HELD =
  "Kubernetes has no per-pod process limit: the sandbox node pool's podPidsLimit bounds each pod";

/** `'…'` for /bin/sh: nothing inside is expanded. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** The script a step's exec reads on stdin: exactly its environment, then its command. */
export function stepScript(cmd: string, env: Record<string, string>): string {
  const vars = { ...env, PATH: SANDBOX_PATH, HOME: SANDBOX_WORKSPACE };
  const assignments = Object.entries(vars)
    .filter(([k]) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(k))
    .map(([k, v]) => shellQuote(`${k}=${v}`));
  return (
    `cd ${SANDBOX_WORKSPACE} || exit 125\n` +
    `exec /usr/bin/env -i ${assignments.join(' ')} /bin/sh -c ${shellQuote(cmd)} </dev/null\n`
  );
}

export class KubernetesBackend implements SandboxBackend {
  readonly name = 'kubernetes';
  private readonly core: CoreV1Api;
  private readonly exec: Exec;
  private readonly settings: KubernetesSettings;
  private readonly log: (message: string) => void;
  readonly pool: WarmPool;
  /** Memory and CPU hold (pod limits); a per-step process limit cannot (see the header). */
  readonly limitSupport: LimitSupport = {
    version: undefined,
    problems: { memory: undefined, cpu: undefined, pids: PIDS_NOT_HELD },
  };
  private started: Promise<void> | undefined;

  constructor(private readonly opts: KubernetesBackendOptions) {
    this.settings = opts.settings;
    this.log = opts.log ?? ((m) => console.error(`runner-controller: ${m}`));
    this.core = opts.kubeConfig.makeApiClient(CoreV1Api);
    this.exec = new Exec(opts.kubeConfig);
    this.pool = new WarmPool({
      kubeConfig: opts.kubeConfig,
      core: this.core,
      batch: opts.kubeConfig.makeApiClient(BatchV1Api),
      settings: opts.settings,
      controller: labelValue(opts.controllerId),
      maxStepSeconds: opts.maxStepSeconds ?? 6 * 3600,
      log: this.log,
    });
  }

  /** Reach the API (list pods in the namespace), then start the warm pool. */
  async check(): Promise<{ ok: boolean; detail: string }> {
    const s = this.settings;
    const server = this.opts.kubeConfig.getCurrentCluster()?.server ?? 'no cluster';
    const over = overMax(s.limits, s.maxLimits);
    if (over.length) {
      return {
        ok: false,
        detail: `the step pods' own limits pass PLUE_K8S_MAX_*: ${over.join('; ')}`,
      };
    }
    try {
      await this.core.listNamespacedPod({ namespace: s.namespace, limit: 1 });
      await this.start();
    } catch (err) {
      return {
        ok: false,
        detail: `kubernetes API at ${server}, namespace ${s.namespace}: ${String(err)}`,
      };
    }
    return {
      ok: true,
      detail:
        `kubernetes at ${server}: namespace ${s.namespace}, image ${s.image}, runtimeClass ` +
        `${s.runtimeClassName}, warm pool ${s.warmPool} (+${s.warmPoolNetwork} with network), ` +
        `ephemeral-storage ${s.limits.ephemeralBytes} bytes per pod`,
    };
  }

  /** Start watching pods and filling the pool (once). */
  start(): Promise<void> {
    this.started ??= this.pool.start();
    return this.started;
  }

  /** Stop the pool and delete its idle pods. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  /** The pod limits a step gets: the settings', with the spec's where it sets one. */
  limitsFor(spec: SpecLimits): { limits: PodLimits; notHeld: string[] } {
    const limits = { ...this.settings.limits };
    if (spec.memoryBytes !== undefined) limits.memoryBytes = spec.memoryBytes;
    if (spec.cpus !== undefined) limits.cpus = spec.cpus;
    // The default is reported once at start (limitSupport); a workflow's own value per step.
    const notHeld =
      spec.pidsMax !== undefined && spec.pidsMax !== this.settings.pidsMax
        ? [`the process limit (${spec.pidsMax}) does not hold: ${PIDS_NOT_HELD}`]
        : [];
    return { limits, notHeld };
  }

  async run(spec: RunSpec): Promise<RunResult> {
    const started = performance.now();
    const empty = { exitCode: null, timedOut: false, outputBytes: 0, droppedBytes: 0 };
    if (spec.signal?.aborted) return { ...empty, cancelled: true, durationMs: 0 };
    const asked = this.limitsFor(spec);
    const { notHeld } = asked;
    // Workflow evaluation (read-only, seconds long, on the push → first line path) takes a warm
    // pod when its smaller limits fit in the pool's, rather than waiting for a cold one.
    const pool = this.settings.limits;
    const fits =
      asked.limits.memoryBytes <= pool.memoryBytes &&
      asked.limits.cpus <= pool.cpus &&
      asked.limits.ephemeralBytes <= pool.ephemeralBytes;
    const limits = spec.workspaceReadOnly && fits ? pool : asked.limits;
    const over = overMax(limits, this.settings.maxLimits);
    if (over.length) {
      await this.refused(
        spec,
        new PodRefused(
          `the step asks for more than the sandbox namespace allows per pod (its LimitRange): ` +
            over.join('; '),
        ),
      );
    }
    await this.start();
    const stop = new AbortController();
    let timedOut = false;
    let cancelled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stop.abort();
    }, spec.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      stop.abort();
    };
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    let lease: PodLease | undefined;
    const finish = (outcome: Omit<RunResult, 'durationMs' | 'cancelled'>): RunResult => ({
      ...outcome,
      cancelled: cancelled && !outcome.timedOut,
      durationMs: Math.round(performance.now() - started),
      ...(notHeld.length ? { limitsNotHeld: notHeld } : {}),
    });
    try {
      lease = await this.pool.acquire(spec.network, limits, stop.signal, spec.image);
      // The Job goes as soon as the step is stopped: that ends the pod and the exec with it.
      const current = lease;
      stop.signal.addEventListener('abort', () => void this.pool.release(current), { once: true });
      const ref = this.podRef(lease, stop.signal);
      await uploadInputs(ref, spec.cwd, spec.mounts ?? []);
      const { error: _error, ...outcome } = await this.runStepIn(ref, spec, stop.signal);
      // Killed, or the connection dropped: did the pod end, and why?
      // 128 and 143 too: what runsc has reported for a sandbox killed at its memory limit.
      const killed = outcome.exitCode === null || KILLED_CODES.has(outcome.exitCode);
      const end =
        killed && !stop.signal.aborted
          ? await this.pool.ending(lease, this.settings.endGraceMs)
          : undefined;
      if (end && !stop.signal.aborted) {
        return finish({ ...outcome, timedOut, ...(await this.limitHit(spec, end, limits)) });
      }
      if (outcome.exitCode === KILLED_EXIT && !stop.signal.aborted) {
        await say(
          spec,
          "the step ended with SIGKILL's exit status (137) while its pod kept running: not by Plue " +
            '(no timeout, no cancel) nor a deadline, and Kubernetes reported no OOM kill; its ' +
            `memory limit is ${mib(limits.memoryBytes)}`,
        );
      }
      if (!spec.workspaceReadOnly && outcome.exitCode !== null && !stop.signal.aborted) {
        await downloadWorkspace(ref, spec.cwd);
      }
      return finish({ ...outcome, timedOut });
    } catch (err) {
      if (err instanceof PodRefused && !stop.signal.aborted) await this.refused(spec, err);
      if (!stop.signal.aborted) {
        // The exec or a copy failed because the pod ended under it (evicted, say, or its
        // sandbox killed at the memory limit): the kubelet says so a moment later.
        const end = lease ? await this.pool.ending(lease, this.settings.endGraceMs) : undefined;
        if (!end) throw err;
        return finish({ ...empty, timedOut, ...(await this.limitHit(spec, end, limits)) });
      }
      return {
        ...empty,
        timedOut,
        cancelled: cancelled && !timedOut,
        durationMs: Math.round(performance.now() - started),
      };
    } finally {
      clearTimeout(timer);
      spec.signal?.removeEventListener('abort', onAbort);
      if (lease) await this.pool.release(lease);
    }
  }

  /**
   * A step stopped by its pod's end: the limit it hit, as the local backend reports it (and the
   * API's own words in the step's log); an end that is no limit of the step's is an error.
   */
  private async limitHit(
    spec: RunSpec,
    end: PodEnd,
    limits: PodLimits,
  ): Promise<Partial<RunResult>> {
    if (end.kind === 'other') throw new Error(`the step's pod ended: ${end.detail}`);
    await say(spec, `the step's pod ended: ${end.detail}`);
    if (end.kind === 'killed') {
      // Not certain enough to call it out of memory (pod-end.ts): said so, not claimed.
      await say(
        spec,
        `the step was killed, not by Plue (no timeout, no cancel) nor a deadline; most likely ` +
          `it ran out of memory (limit ${mib(limits.memoryBytes)}): under gVisor a pod past its ` +
          'memory limit is killed whole and not always reported as OOMKilled',
      );
      return {};
    }
    if (end.kind === 'oom') return { oomKilled: true };
    if (end.kind === 'deadline') return { timedOut: true };
    return { diskExceededBytes: limits.ephemeralBytes };
  }

  /** A pod the cluster will not start: its reason in the step's log, then the step fails. */
  private async refused(spec: RunSpec, err: PodRefused): Promise<never> {
    await say(spec, err.message);
    throw err;
  }

  private podRef(lease: PodLease, signal: AbortSignal): PodRef {
    return {
      exec: this.exec,
      namespace: this.settings.namespace,
      pod: lease.pod,
      container: STEP_CONTAINER,
      signal,
    };
  }

  /** The step itself, by exec (inputs are in; the workspace comes out after). */
  private async runStepIn(ref: PodRef, spec: RunSpec, signal: AbortSignal): Promise<PodExecResult> {
    const res = await execInPod({
      ...ref,
      command: ['/bin/sh', '-s'],
      stdin: Readable.from([Buffer.from(stepScript(spec.cmd, spec.env))]),
      maxOutputBytes: spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES,
      onOutput: (stream, chunk) => spec.onOutput(stream, chunk),
    });
    if (res.exitCode === null && res.error && !signal.aborted) {
      throw new Error(`exec in the step's pod failed: ${res.error}`);
    }
    return res;
  }
}

/** A line of Plue's own in the step's log (stderr), as the executor writes its notes. */
async function say(spec: RunSpec, text: string): Promise<void> {
  await spec.onOutput('stderr', Buffer.from(`\nplue: ${text}\n`));
}

function mib(bytes: number): string {
  return `${Math.round(bytes / 1024 ** 2)} MiB`;
}
