/**
 * The controller loop: claim an event (evaluate it, report), claim runs while fewer than
 * `concurrency` run here (each executes in the background), and back off while idle (doubling
 * up to `maxIdleMs`). `stop()` stops claiming and waits for the runs in progress; `stop({abandon:
 * true})` abandons them at once without completing (their leases expire and the Worker requeues
 * them), which is also how tests simulate a crashed controller.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Provider, type AgentConfig } from '../agent/provider';
import { selectBackend } from '../sandbox/select';
import type { SandboxBackend } from '../sandbox/types';
import { ControllerApi } from './api';
import { handleEvent } from './handle-event';
import { handleRun } from './handle-run';
import { describeLimits, stepLimitsFromEnv, type StepLimits } from '../sandbox/limits';

export interface ControllerOptions {
  /** The Worker's origin, e.g. http://127.0.0.1:8787. */
  url: string;
  /** The controller's credential (PLUE_CONTROLLER_SECRET, sent as X-Plue-Controller-Secret). */
  secret: string;
  /** Default per-step limits (default: PLUE_STEP_MEMORY_MB, _PIDS_MAX, _CPUS or built-ins). */
  stepLimits?: StepLimits;
  /** Runs at once (default 2); steps of one run at once (default 2). */
  concurrency?: number;
  stepConcurrency?: number;
  /** Where workspaces are made (default: the OS temp directory). */
  dataDir?: string;
  /** Lease asked for runs (default 30 s) and events (default 120 s); heartbeat (default 10 s). */
  leaseSeconds?: number;
  eventLeaseSeconds?: number;
  heartbeatMs?: number;
  /** Longest idle back-off between polls (default 2000 ms). */
  maxIdleMs?: number;
  /** The sandbox backend; default: selectBackend() (bubblewrap, or refuse). */
  backend?: SandboxBackend;
  /** Claim only work of repositories owned by this user (a dedicated pool; tests). */
  repoOwner?: string;
  /** The model provider for llm/agent steps (main.ts reads it from the environment); absent:
   *  those steps fail with a note saying how to configure one. */
  agent?: AgentConfig;
  /** This controller's lease owner id (default host-pid-random). */
  id?: string;
  log?: (message: string) => void;
}

export interface Controller {
  readonly id: string;
  readonly backend: SandboxBackend;
  /** Runs executing now. */
  readonly active: number;
  /** Items handled (events + runs), and the last loop error if any. */
  readonly stats: { events: number; runs: number; lastError: string | null };
  stop(opts?: { abandon?: boolean }): Promise<void>;
}

/** Starts the loop; resolves once the backend is chosen and the first poll is under way. */
export async function startController(opts: ControllerOptions): Promise<Controller> {
  const log = opts.log ?? ((m: string) => console.log(`runner-controller: ${m}`));
  const selected: { backend: SandboxBackend; detail?: string } = opts.backend
    ? { backend: opts.backend }
    : await selectBackend();
  const { backend } = selected;
  const id = opts.id ?? `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const api = new ControllerApi({
    baseUrl: opts.url,
    secret: opts.secret,
    repoOwner: opts.repoOwner,
  });
  const concurrency = Math.max(1, opts.concurrency ?? 2);
  const maxIdle = opts.maxIdleMs ?? 2000;
  const abandon = new AbortController();
  const running = new Set<Promise<void>>();
  const stats = { events: 0, runs: 0, lastError: null as string | null };
  let stopping = false;
  let wake: (() => void) | undefined;

  const nap = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const limits = opts.stepLimits ?? stepLimitsFromEnv(process.env);
  const runCtx = {
    api,
    backend,
    limits,
    dataDir: opts.dataDir,
    stepConcurrency: Math.max(1, opts.stepConcurrency ?? 2),
    heartbeatMs: opts.heartbeatMs ?? 10_000,
    log,
    abandon: abandon.signal,
    models: opts.agent ? new Provider(opts.agent) : undefined,
  };

  const step = async (): Promise<boolean> => {
    let worked = false;
    const ev = await api.claimEvent(id, opts.eventLeaseSeconds ?? 120);
    if (ev && !stopping) {
      worked = true;
      stats.events++;
      await handleEvent({ api, backend, dataDir: opts.dataDir, log, signal: abandon.signal }, ev);
    }
    while (!stopping && running.size < concurrency) {
      const claimed = await api.claimRun(id, opts.leaseSeconds ?? 30);
      if (!claimed) break;
      worked = true;
      stats.runs++;
      const task = handleRun(runCtx, claimed)
        .catch((err: unknown) => {
          stats.lastError = String(err);
          log(`run ${claimed.run.id}: ${String(err)}`);
        })
        .finally(() => {
          running.delete(task);
          wake?.();
        });
      running.add(task);
    }
    return worked;
  };

  const loop = (async () => {
    let idle = 100;
    while (!stopping) {
      let worked = false;
      try {
        worked = await step();
      } catch (err) {
        stats.lastError = String(err);
        log(`poll failed: ${String(err)}`);
      }
      if (stopping) break;
      idle = worked ? 100 : Math.min(idle * 2, maxIdle);
      if (!worked || running.size >= concurrency) await nap(worked ? maxIdle : idle);
    }
  })();

  log(`${id} polling ${opts.url} with the ${backend.name} backend, ${concurrency} run(s) at once`);
  // What the backend's own check found (e.g. whether steps with network=True can run here).
  if (selected.detail) log(`sandbox: ${selected.detail}`);
  // Exactly which step limits hold here, one line each: none is dropped without a word.
  const support = backend.limitSupport;
  if (support) for (const line of describeLimits(limits, support)) log(`limit: ${line}`);
  else log(`limit: none holds: the ${backend.name} backend sets no step limits`);
  return {
    id,
    backend,
    get active() {
      return running.size;
    },
    stats,
    async stop(o = {}) {
      stopping = true;
      if (o.abandon) abandon.abort();
      wake?.();
      await loop;
      await Promise.all([...running]);
    },
  };
}
