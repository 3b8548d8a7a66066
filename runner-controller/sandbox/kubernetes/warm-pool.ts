/**
 * The sandbox pods of one controller: a warm pool of pods started ahead of any step (one pool
 * for steps without network, one for steps with it; sizes from the settings), refilled whenever
 * a pod is claimed or lost, and cold pods for steps whose limits differ from the pool's. Pod
 * state comes from an informer (the client's list + watch, which resumes from the last
 * resourceVersion after a dropped watch and relists after 410 Gone); an informer error restarts
 * it after a pause. Each pod lives in a Job of its own; a pod is used by one step and then its
 * Job is deleted with propagationPolicy Background. Nothing here is shared between controllers:
 * every object carries this controller's label, and what a crashed controller leaves behind ends
 * at its Jobs' activeDeadlineSeconds. A step waiting for its pod fails at once when the cluster
 * will never start it (pod-start.ts): its Job or pod refused, or no node fits it past a grace.
 */
import { randomBytes } from 'node:crypto';
import {
  makeInformer,
  type BatchV1Api,
  type CoreV1Api,
  type Informer,
  type KubeConfig,
  type V1Job,
  type V1Pod,
} from '@kubernetes/client-node';
import type { KubernetesSettings, PodLimits } from './config';
import { buildJob, LABEL_CONTROLLER, STEP_CONTAINER } from './job-manifest';
import { classifyPodEnd, type PodEnd } from './pod-end';
import { apiErrorMessage, PodRefused, startRefusal, unschedulable } from './pod-start';

export interface PoolOptions {
  kubeConfig: KubeConfig;
  core: CoreV1Api;
  batch: BatchV1Api;
  settings: KubernetesSettings;
  /** Label value naming this controller. */
  controller: string;
  /** Seconds a claimed pod may run a step at most (added to its Job's deadline). */
  maxStepSeconds: number;
  log(message: string): void;
}

/** A pod that is this step's alone; `release` ends it. */
export interface PodLease {
  job: string;
  pod: string;
  warm: boolean;
}

interface JobState {
  network: boolean;
  warm: boolean;
  claimed: boolean;
  pod?: string;
  ready: boolean;
  /** Why the pod ended before it was ready (or was lost while idle). */
  failed?: string;
  /** The pod as last seen (its status says why it ended). */
  lastPod?: V1Pod;
  /** Since when (first seen) and why the scheduler finds no node for the pod. */
  unschedulable?: { since: number; message: string };
  claimedAt?: number;
  waiters: { resolve(): void; reject(err: Error): void }[];
  /** Called once when the pod ends (ending() waits on it). */
  endWaiters: (() => void)[];
}

const JOB_NAME_LABELS = ['batch.kubernetes.io/job-name', 'job-name'];

function jobOf(pod: V1Pod): string | undefined {
  const labels = pod.metadata?.labels ?? {};
  for (const key of JOB_NAME_LABELS) if (labels[key]) return labels[key];
  return undefined;
}

/** Why a pod can no longer run a step, or undefined while it can (or still may). */
export function podEnded(pod: V1Pod): string | undefined {
  if (pod.metadata?.deletionTimestamp) return 'the pod is being deleted';
  const phase = pod.status?.phase;
  if (phase === 'Failed' || phase === 'Succeeded') {
    const why = [pod.status?.reason, pod.status?.message].filter(Boolean).join(': ');
    return `the pod ended (${phase}${why ? `: ${why}` : ''})`;
  }
  // The step container stopped (OOM-killed, say) before the pod's phase caught up.
  const c = pod.status?.containerStatuses?.find((s) => s.name === STEP_CONTAINER);
  const term = c?.state?.terminated;
  if (term) return `the step container ended (${term.reason ?? `exit code ${term.exitCode}`})`;
  return undefined;
}

function podReady(pod: V1Pod): boolean {
  if (pod.status?.phase !== 'Running') return false;
  const c = pod.status.containerStatuses?.find((s) => s.name === STEP_CONTAINER);
  return c?.ready === true || c?.state?.running !== undefined;
}

export class WarmPool {
  private readonly jobs = new Map<string, JobState>();
  private informer: Informer<V1Pod> | undefined;
  private closed = false;
  private retry: NodeJS.Timeout | undefined;
  /** Names of the Jobs this pool created, oldest first (for tests and reports). */
  readonly created: string[] = [];

  constructor(private readonly opts: PoolOptions) {}

  /** List and watch this controller's pods, then fill the pool. */
  async start(): Promise<void> {
    const { settings, controller } = this.opts;
    const labelSelector = `${LABEL_CONTROLLER}=${controller}`;
    const path = `/api/v1/namespaces/${settings.namespace}/pods`;
    const informer = makeInformer<V1Pod>(
      this.opts.kubeConfig,
      path,
      () => this.opts.core.listNamespacedPod({ namespace: settings.namespace, labelSelector }),
      labelSelector,
    );
    informer.on('add', (pod) => this.observe(pod));
    informer.on('update', (pod) => this.observe(pod));
    informer.on('delete', (pod) => this.lost(pod, 'the pod was deleted'));
    informer.on('error', (err: unknown) => {
      if (this.closed) return;
      this.opts.log(`sandbox pod watch failed (${String(err)}); restarting it`);
      this.retry = setTimeout(() => void informer.start().catch(() => undefined), 1000);
    });
    this.informer = informer;
    await informer.start();
    this.refill();
  }

  /** Warm pods that are ready now, by network flag (for reports and tests). */
  readyCount(network: boolean): number {
    return [...this.jobs.values()].filter(
      (j) => j.warm && !j.claimed && j.ready && j.network === network,
    ).length;
  }

  /**
   * A pod for one step: a warm one when the limits and image are the pool's, else a cold one
   * (`image` undefined: the settings' image).
   */
  async acquire(
    network: boolean,
    limits: PodLimits,
    signal?: AbortSignal,
    image?: string,
  ): Promise<PodLease> {
    const poolLimits =
      sameLimits(limits, this.opts.settings.limits) &&
      (image === undefined || image === this.opts.settings.image);
    let name: string | undefined;
    if (poolLimits) {
      const free = [...this.jobs.entries()].filter(
        ([, j]) => j.warm && !j.claimed && !j.failed && j.network === network,
      );
      // A ready one first; else the warm pod that is furthest along (it was started earlier).
      name = (free.find(([, j]) => j.ready) ?? free[0])?.[0];
    }
    const warm = name !== undefined;
    if (name === undefined) name = await this.create(false, network, limits, image);
    const state = this.jobs.get(name);
    if (!state) throw new Error(`sandbox job ${name} vanished`);
    state.claimed = true;
    state.claimedAt = Date.now();
    this.refill();
    try {
      await this.whenReady(name, state, signal);
    } catch (err) {
      await this.release({ job: name, pod: state.pod ?? '', warm });
      throw err;
    }
    // whenReady resolved, so the pod is known.
    return { job: name, pod: state.pod ?? '', warm };
  }

  /** Why a claimed pod ended on its own (evicted, deadline, deleted), if it did. */
  failure(lease: PodLease): string | undefined {
    return this.jobs.get(lease.job)?.failed;
  }

  /**
   * Why a claimed pod ended, waiting up to `waitMs` for the watch to report it (the kubelet
   * reports a container's end a moment after the exec in it ended); undefined when the pod is
   * still running then. A pod deleted without a reason of its own is explained by its Job's
   * conditions (activeDeadlineSeconds), read until the wait is over.
   */
  async ending(lease: PodLease, waitMs: number): Promise<PodEnd | undefined> {
    const state = this.jobs.get(lease.job);
    if (!state) return undefined;
    const until = Date.now() + waitMs;
    if (!state.failed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, waitMs);
        state.endWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (!state.failed) return undefined;
    const fromPod = classifyPodEnd(state.lastPod);
    if (fromPod) return fromPod;
    for (;;) {
      const job = await this.readJob(lease.job);
      const fromJob = job ? classifyPodEnd(state.lastPod, job) : undefined;
      if (fromJob || Date.now() >= until) return fromJob ?? { kind: 'other', detail: state.failed };
      await new Promise((r) => setTimeout(r, Math.min(250, Math.max(0, until - Date.now()))));
    }
  }

  private async readJob(name: string): Promise<V1Job | undefined> {
    try {
      return await this.opts.batch.readNamespacedJob({
        name,
        namespace: this.opts.settings.namespace,
      });
    } catch {
      return undefined;
    }
  }

  /** End the step's pod: its Job is deleted, and the pod with it (in the background). */
  async release(lease: PodLease): Promise<void> {
    this.jobs.delete(lease.job);
    await this.deleteJob(lease.job);
  }

  /** Stop watching and delete the idle warm pods. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    await this.informer?.stop();
    const idle = [...this.jobs.entries()].filter(([, j]) => !j.claimed).map(([n]) => n);
    for (const n of idle) this.jobs.delete(n);
    await Promise.all(idle.map((n) => this.deleteJob(n)));
  }

  private async deleteJob(name: string): Promise<void> {
    try {
      await this.opts.batch.deleteNamespacedJob({
        name,
        namespace: this.opts.settings.namespace,
        propagationPolicy: 'Background',
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 404) {
        this.opts.log(`cannot delete sandbox job ${name}: ${String(err)}`);
      }
    }
  }

  /** Start enough warm Jobs that each pool holds its size of unclaimed pods. */
  private refill(): void {
    if (this.closed) return;
    const { warmPool, warmPoolNetwork, limits } = this.opts.settings;
    for (const [network, size] of [
      [false, warmPool],
      [true, warmPoolNetwork],
    ] as const) {
      const have = [...this.jobs.values()].filter(
        (j) => j.warm && !j.claimed && !j.failed && j.network === network,
      ).length;
      for (let i = have; i < size; i++) {
        this.create(true, network, limits).catch((err: unknown) => {
          this.opts.log(`cannot start a warm sandbox pod: ${String(err)}; retrying`);
          if (!this.retry && !this.closed) {
            this.retry = setTimeout(() => {
              this.retry = undefined;
              this.refill();
            }, 5000);
          }
        });
      }
    }
  }

  private async create(
    warm: boolean,
    network: boolean,
    limits: PodLimits,
    image?: string,
  ): Promise<string> {
    const { controller, maxStepSeconds } = this.opts;
    const settings = image ? { ...this.opts.settings, image } : this.opts.settings;
    const name = `plue-step-${randomBytes(5).toString('hex')}`;
    this.jobs.set(name, {
      network,
      warm,
      claimed: false,
      ready: false,
      waiters: [],
      endWaiters: [],
    });
    const deadlineSeconds = (warm ? settings.warmIdleSeconds : 0) + maxStepSeconds;
    try {
      await this.opts.batch.createNamespacedJob({
        namespace: settings.namespace,
        body: buildJob({
          name,
          settings,
          controller,
          pool: warm ? 'warm' : 'cold',
          network,
          limits,
          deadlineSeconds,
        }),
      });
    } catch (err) {
      this.jobs.delete(name);
      const code = (err as { code?: unknown }).code;
      // Refused (403 Forbidden, 422 Invalid…): no retry will do better; say what the server said.
      if (typeof code === 'number' && code >= 400 && code < 500 && code !== 409) {
        throw new PodRefused(`the API server refused the step's Job: ${apiErrorMessage(err)}`);
      }
      throw err;
    }
    this.created.push(name);
    return name;
  }

  private whenReady(name: string, state: JobState, signal?: AbortSignal): Promise<void> {
    if (state.failed) return Promise.reject(new Error(state.failed));
    if (state.ready) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => fail(new Error(`no sandbox pod for ${name} within the start timeout`)),
        this.opts.settings.startTimeoutMs,
      );
      const onAbort = () => fail(new Error('aborted while the sandbox pod started'));
      signal?.addEventListener('abort', onAbort, { once: true });
      const poll = setInterval(() => {
        void this.startFailure(name, state).then((why) => why && fail(new PodRefused(why)));
      }, this.opts.settings.startPollMs);
      const done = () => {
        clearTimeout(timer);
        clearInterval(poll);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (err: Error) => {
        done();
        reject(err);
      };
      state.waiters.push({
        resolve: () => {
          done();
          resolve();
        },
        reject: fail,
      });
    });
  }

  private startFailure(name: string, state: JobState): Promise<string | undefined> {
    const { core, settings } = this.opts;
    return startRefusal({ core, settings, job: name, ...state });
  }

  private observe(pod: V1Pod): void {
    const job = jobOf(pod);
    const state = job ? this.jobs.get(job) : undefined;
    if (!state) return;
    state.pod = pod.metadata?.name;
    state.lastPod = pod;
    const ended = podEnded(pod);
    if (ended) {
      this.lost(pod, ended);
      return;
    }
    const stuck = unschedulable(pod);
    state.unschedulable = stuck
      ? { since: state.unschedulable?.since ?? Date.now(), message: stuck }
      : undefined;
    if (!state.ready && podReady(pod)) {
      state.ready = true;
      for (const w of state.waiters.splice(0)) w.resolve();
    }
  }

  private lost(pod: V1Pod, why: string): void {
    const job = jobOf(pod);
    const state = job ? this.jobs.get(job) : undefined;
    if (!job || !state) return;
    state.lastPod = pod;
    if (state.failed) return;
    state.failed = why;
    for (const w of state.waiters.splice(0)) w.reject(new Error(why));
    for (const w of state.endWaiters.splice(0)) w();
    if (!state.claimed) {
      this.jobs.delete(job);
      void this.deleteJob(job);
      this.refill();
    }
  }
}

function sameLimits(a: PodLimits, b: PodLimits): boolean {
  return (
    a.memoryBytes === b.memoryBytes && a.cpus === b.cpus && a.ephemeralBytes === b.ephemeralBytes
  );
}
