/**
 * Step resource limits: the controller's defaults (from its environment), a workflow's own
 * settings on top (`@workflow(memory="4g", pids=512, cpus=2)`, capped by the defaults' maxima),
 * and the one sentence per limit the controller logs at start saying whether it holds here.
 */
import { LIMIT_KINDS, type LimitKind, type LimitSupport } from './cgroup';

export interface StepLimits {
  memoryBytes: number;
  pidsMax: number;
  cpus: number;
}

/** What a workflow asked for (the plan's `limits`); unset fields take the defaults. */
export interface WorkflowLimits {
  memory_bytes?: number | null;
  pids?: number | null;
  cpus?: number | null;
}

export const DEFAULT_STEP_LIMITS: StepLimits = {
  memoryBytes: 2 * 1024 ** 3,
  pidsMax: 2048,
  cpus: 2,
};

/** Most a workflow may ask for, however the defaults are set. */
export const MAX_STEP_LIMITS: StepLimits = {
  memoryBytes: 64 * 1024 ** 3,
  pidsMax: 32768,
  cpus: 64,
};

function positive(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} must be a positive number`);
  return n;
}

/** The defaults: PLUE_STEP_MEMORY_MB, PLUE_STEP_PIDS_MAX, PLUE_STEP_CPUS. */
export function stepLimitsFromEnv(env: Record<string, string | undefined>): StepLimits {
  const mb = positive(env, 'PLUE_STEP_MEMORY_MB');
  const pids = positive(env, 'PLUE_STEP_PIDS_MAX');
  const cpus = positive(env, 'PLUE_STEP_CPUS');
  return {
    memoryBytes: mb === undefined ? DEFAULT_STEP_LIMITS.memoryBytes : Math.round(mb * 1024 ** 2),
    pidsMax: pids === undefined ? DEFAULT_STEP_LIMITS.pidsMax : Math.round(pids),
    cpus: cpus ?? DEFAULT_STEP_LIMITS.cpus,
  };
}

/** The limits of a run: the workflow's settings where given (up to the maxima), else defaults. */
export function limitsForRun(
  defaults: StepLimits,
  asked: WorkflowLimits | null | undefined,
): StepLimits {
  const pick = (v: number | null | undefined, fallback: number, max: number): number =>
    v === undefined || v === null || !(v > 0) ? fallback : Math.min(v, max);
  return {
    memoryBytes: Math.round(
      pick(asked?.memory_bytes, defaults.memoryBytes, MAX_STEP_LIMITS.memoryBytes),
    ),
    pidsMax: Math.round(pick(asked?.pids, defaults.pidsMax, MAX_STEP_LIMITS.pidsMax)),
    cpus: pick(asked?.cpus, defaults.cpus, MAX_STEP_LIMITS.cpus),
  };
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3 && n % 1024 ** 3 === 0) return `${n / 1024 ** 3} GiB`;
  return `${Math.round(n / 1024 ** 2)} MiB`;
}

const SHOWN: Record<LimitKind, (l: StepLimits) => string> = {
  memory: (l) => `memory ${formatBytes(l.memoryBytes)}`,
  pids: (l) => `pids ${l.pidsMax}`,
  cpu: (l) => `cpu ${l.cpus}`,
};

/**
 * One line per limit for the start log, e.g. `memory 2 GiB per step: holds (cgroup v1)` or
 * `cpu 2 per step: DOES NOT HOLD: no writable cgroup v1 cpu controller`.
 */
export function describeLimits(defaults: StepLimits, support: LimitSupport): string[] {
  // Without cgroups a limit holds only where the backend sets it otherwise (kubernetes: the pod).
  const where = support.version === undefined ? 'set by the backend' : `cgroup v${support.version}`;
  return LIMIT_KINDS.map((k) => {
    const problem = support.problems[k];
    const what = `${SHOWN[k](defaults)} per step`;
    return problem === undefined
      ? `${what}: holds (${where})`
      : `${what}: DOES NOT HOLD: ${problem}`;
  });
}
