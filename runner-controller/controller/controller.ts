/**
 * The controller's claim loops, each a long poll (the Worker holds an empty claim until work
 * is queued, up to `claimWaitSeconds`, then answers "ready" without claiming and the loop asks
 * again at once: a controller that left is never handed work, services/runs/claim-wait.ts):
 * `eventConcurrency` event lanes (each claims an event, evaluates it, reports it), so one push of
 * a thousand branches being handled does not hold back another repository's event; and runs
 * while fewer than `concurrency` run here (each executes in the background). An event's reports
 * carry a run claim while a run slot is free, and the run they bring starts at once. Failed
 * claims back off (doubling up to `maxIdleMs`). `stop()` stops claiming and waits for the runs
 * in progress; `stop({abandon: true})` abandons them at once without completing (their leases
 * expire and the Worker requeues them), which is also how tests simulate a crashed controller.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { Provider, type AgentConfig } from '../agent/provider';
import { selectBackend } from '../sandbox/select';
import type { SandboxBackend } from '../sandbox/types';
import {
  CLAIM_READY,
  ControllerApi,
  type ClaimedEvent,
  type ClaimedRun,
  type ClaimWait,
} from './api';
import { handleEvent, type EventContext } from './handle-event';
import type { Trace } from './trace';
import { WorkspaceCache } from './workspace-cache';
import { WarmEvaluators } from '../warm-evaluator';
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
  /** Events (event claims) handled at once (default 2). */
  eventConcurrency?: number;
  stepConcurrency?: number;
  /** Where workspaces are made (default: the OS temp directory). */
  dataDir?: string;
  /** Lease asked for runs (default 30 s) and events (default 120 s); heartbeat (default 10 s). */
  leaseSeconds?: number;
  eventLeaseSeconds?: number;
  heartbeatMs?: number;
  /** Longest back-off after a failed or unheld claim (default 2000 ms). */
  maxIdleMs?: number;
  /** How long the Worker may hold each claim until work is queued (0–25 s, default 20; 0 polls). */
  claimWaitSeconds?: number;
  /** The sandbox backend; default: selectBackend() (bubblewrap, or refuse). */
  backend?: SandboxBackend;
  /**
   * Workflow evaluators kept started (warm-evaluator.ts; default PLUE_WARM_EVALUATORS or 2; 0:
   * none), where the backend can have them.
   */
  warmEvaluators?: number;
  /** Claim only work of repositories owned by this user (a dedicated pool; tests). */
  repoOwner?: string;
  /** The model provider for llm/agent steps (main.ts reads it from the environment); absent:
   *  those steps fail with a note saying how to configure one. */
  agent?: AgentConfig;
  /** Marks the moments of each event and run (benchmarks: where push → first line goes). */
  trace?: Trace;
  /** This controller's lease owner id (default host-pid-random). */
  id?: string;
  log?: (message: string) => void;
}

export interface Controller {
  readonly id: string;
  readonly backend: SandboxBackend;
  /** Runs executing now. */
  readonly active: number;
  /** Items handled (events + runs), claim requests sent, and the last loop error if any. */
  readonly stats: { events: number; runs: number; claims: number; lastError: string | null };
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
  const claimWait = Math.min(Math.max(opts.claimWaitSeconds ?? 20, 0), 25);
  const abandon = new AbortController();
  // Aborts the claims the Worker is holding when the controller stops.
  const claims = new AbortController();
  const running = new Set<Promise<void>>();
  const stats = { events: 0, runs: 0, claims: 0, lastError: null as string | null };
  let stopping = false;
  const { nap, wakeAll } = napper();

  const workspaces = new WorkspaceCache();
  const runCtx = {
    api,
    backend,
    limits: opts.stepLimits ?? stepLimitsFromEnv(process.env),
    dataDir: opts.dataDir,
    stepConcurrency: Math.max(1, opts.stepConcurrency ?? 2),
    heartbeatMs: opts.heartbeatMs ?? 10_000,
    log,
    abandon: abandon.signal,
    models: opts.agent ? new Provider(opts.agent) : undefined,
    trace: opts.trace,
    workspaces,
  };

  /** Run slots held for run claims sent with event reports (handle-event.ts reserveRun). */
  const held = { slots: 0 };
  const freeSlot = () => running.size + held.slots < concurrency;
  const startRun = (claimed: ClaimedRun) => {
    opts.trace?.('run_claimed', claimed.run.id);
    stats.runs++;
    const task = handleRun(runCtx, claimed)
      .catch((err: unknown) => {
        stats.lastError = String(err);
        log(`run ${claimed.run.id}: ${String(err)}`);
      })
      .finally(() => {
        running.delete(task);
        wakeAll();
      });
    running.add(task);
  };

  const loop: LoopContext = {
    stopping: () => stopping,
    asked: () => void stats.claims++,
    claimWait,
    signal: claims.signal,
    maxIdle: opts.maxIdleMs ?? 2000,
    nap,
    failed: (what, err) => {
      stats.lastError = String(err);
      log(`${what} claim failed: ${String(err)}`);
    },
  };
  const runLease = opts.leaseSeconds ?? 30;
  const eventCtx = {
    api,
    backend,
    dataDir: opts.dataDir,
    log,
    signal: abandon.signal,
    trace: opts.trace,
    workspaces,
    warm: warmPool(backend, opts),
    // A run of the event's, claimed with its report while a slot is free (the run loop: the
    // rest). The slot is held until the answer, so the run loop cannot fill it meanwhile.
    reserveRun: () =>
      stopping
        ? undefined
        : reserveSlot(held, freeSlot, api.runClaim(id, runLease), startRun, wakeAll),
  };
  const claimOneEvent = eventClaimer(api, id, opts.eventLeaseSeconds ?? 120, eventCtx, (ev) => {
    if (stopping) return false;
    stats.events++;
    opts.trace?.('event_claimed', ev.event.id);
    return true;
  });
  const eventLanes = Array.from({ length: Math.max(1, opts.eventConcurrency ?? 2) }, () =>
    claimLoop(loop, 'event', () => true, claimOneEvent),
  );
  const loops = Promise.all([
    ...eventLanes,
    claimLoop(loop, 'run', freeSlot, async (wait) => {
      const claimed = await api.claimRun(id, runLease, wait);
      if (claimed === CLAIM_READY || !claimed) return claimed ?? 'empty';
      startRun(claimed);
      return 'claimed';
    }),
  ]);

  const how = claimWait > 0 ? `long poll, ${claimWait} s` : 'polling';
  const at = `${concurrency} run(s) and ${eventLanes.length} event(s) at once`;
  log(`${id} claiming from ${opts.url} (${how}) with the ${backend.name} backend, ${at}`);
  for (const line of startLines(selected.detail, backend, runCtx.limits)) log(line);
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
      // A claim the Worker answers at this instant is dropped: its lease expires into a retry.
      claims.abort();
      wakeAll();
      await loops;
      await Promise.all([...running]);
      workspaces.clear();
      eventCtx.warm?.close();
    },
  };
}

/** Started evaluators for this backend, filled (none where it cannot have them, or with 0). */
function warmPool(backend: SandboxBackend, opts: ControllerOptions): WarmEvaluators | undefined {
  const size = opts.warmEvaluators ?? Number(process.env.PLUE_WARM_EVALUATORS ?? 2);
  if (!WarmEvaluators.usable(backend) || !Number.isFinite(size) || size <= 0) return undefined;
  const warm = new WarmEvaluators(backend, {
    size: Math.min(Math.floor(size), 8),
    dataDir: opts.dataDir,
  });
  warm.fill();
  return warm;
}

/**
 * Claims one event and handles it (evaluate, report) unless `take` refuses it (a claim answered
 * as the controller stops is dropped: its lease expires into a retry).
 */
function eventClaimer(
  api: ControllerApi,
  owner: string,
  leaseSeconds: number,
  ctx: EventContext,
  take: (ev: ClaimedEvent) => boolean,
) {
  return async (wait: ClaimWait): Promise<'claimed' | typeof CLAIM_READY | 'empty'> => {
    const ev = await api.claimEvent(owner, leaseSeconds, wait);
    if (ev === CLAIM_READY || !ev) return ev ?? 'empty';
    if (!take(ev)) return 'empty';
    await handleEvent(ctx, ev);
    return 'claimed';
  };
}

/** What the backend's check found and exactly which step limits hold: none dropped silently. */
function startLines(detail: string | undefined, backend: SandboxBackend, limits: StepLimits) {
  const lines = detail ? [`sandbox: ${detail}`] : [];
  const support = backend.limitSupport;
  if (!support)
    return [...lines, `limit: none holds: the ${backend.name} backend sets no step limits`];
  return [...lines, ...describeLimits(limits, support).map((l) => `limit: ${l}`)];
}

/**
 * Holds a run slot for a run claim sent with event reports until its answer, so that the run
 * loop cannot fill the slot meanwhile; undefined when no slot is free. `settle` gives it back,
 * starting the run the answer brought in it.
 */
function reserveSlot<C>(
  held: { slots: number },
  free: () => boolean,
  claim: C,
  start: (run: ClaimedRun) => void,
  wake: () => void,
): { claim: C; settle(run: ClaimedRun | undefined): void } | undefined {
  if (!free()) return undefined;
  held.slots++;
  let settled = false;
  return {
    claim,
    settle: (run) => {
      if (settled) return;
      settled = true;
      held.slots--;
      if (run) start(run);
      else wake();
    },
  };
}

/** Naps that `wakeAll()` ends early (a run slot came free, or the controller is stopping). */
function napper(): { nap(ms: number): Promise<void>; wakeAll(): void } {
  const sleepers = new Set<() => void>();
  return {
    nap: (ms) =>
      new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(t);
          sleepers.delete(wake);
          resolve();
        };
        const t = setTimeout(wake, ms);
        sleepers.add(wake);
      }),
    wakeAll: () => {
      for (const wake of [...sleepers]) wake();
    },
  };
}

interface LoopContext {
  stopping(): boolean;
  /** Counts a claim request (the controller's /health shows how often it asks). */
  asked(): void;
  claimWait: number;
  signal: AbortSignal;
  maxIdle: number;
  nap(ms: number): Promise<void>;
  failed(what: string, err: unknown): void;
}

/**
 * One claim loop: ask (held by the Worker up to `claimWait` s), handle what comes, ask again at
 * once; so also when the Worker says work is ready (a held claim claims nothing itself). An
 * answer that came back early and empty (a Worker that does not hold claims) or an error backs
 * off, doubling up to `maxIdle`; `ready()` false (no free run slot) waits for a wake-up.
 */
async function claimLoop(
  ctx: LoopContext,
  what: string,
  ready: () => boolean,
  claimOne: (wait: ClaimWait) => Promise<'claimed' | typeof CLAIM_READY | 'empty'>,
): Promise<void> {
  let idle = 100;
  while (!ctx.stopping()) {
    if (!ready()) {
      await ctx.nap(ctx.maxIdle);
      continue;
    }
    const asked = Date.now();
    ctx.asked();
    let held = false;
    try {
      if ((await claimOne({ seconds: ctx.claimWait, signal: ctx.signal })) !== 'empty') {
        idle = 100;
        continue;
      }
      held = ctx.claimWait > 0 && Date.now() - asked >= ctx.claimWait * 500;
    } catch (err) {
      if (ctx.stopping()) break;
      ctx.failed(what, err);
    }
    if (ctx.stopping() || held) continue;
    await ctx.nap(idle);
    idle = Math.min(idle * 2, ctx.maxIdle);
  }
}
