/**
 * Per-step cgroups (memory, pids, cpu) created under the controller's own cgroup, so limits nest
 * inside whatever limits the controller itself runs under. docs/design/sandbox.md §2.5: limits
 * are written before the step starts, the step's wrapper writes its PID into `cgroup.procs`, OOM
 * kills and refused forks are read back after it, leftover processes are SIGKILLed and the
 * directories removed.
 * - cgroup v1: one group per controller hierarchy (`memory.limit_in_bytes` and memsw,
 *   `pids.max`, `cpu.cfs_quota_us`).
 * - cgroup v2: one group in the unified tree under the controller's own cgroup, which must be a
 *   delegated subtree (systemd `Delegate=yes`, or a container's own cgroup namespace). v2 lets
 *   only leaves hold processes, so at the first step the controller moves itself into a leaf
 *   `plue-controller` beside the steps and enables the controllers below its own cgroup
 *   (`memory.max`, `memory.swap.max`, `pids.max`, `cpu.max`).
 * Which limits hold is probed once (`probeLimits`) and reported at start; a limit that cannot be
 * set is never dropped silently: `open` names it in `missing`, and the step's log says so.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type LimitKind = 'memory' | 'pids' | 'cpu';
export const LIMIT_KINDS: readonly LimitKind[] = ['memory', 'pids', 'cpu'];

export interface CgroupLimits {
  memoryBytes?: number;
  pidsMax?: number;
  /** CPUs' worth of time per period (e.g. 1.5). */
  cpus?: number;
}

/** Where the cgroup filesystem and this process's membership are (tests point them elsewhere). */
export interface CgroupEnv {
  root: string;
  procSelfCgroup: string;
}

const DEFAULT_ENV: CgroupEnv = {
  root: '/sys/fs/cgroup',
  procSelfCgroup: '/proc/self/cgroup',
};

const CPU_PERIOD_US = 100_000;
const V1_DIR: Record<LimitKind, string> = { memory: 'memory', pids: 'pids', cpu: 'cpu' };

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** This process's cgroup paths: v1 by controller, and the v2 unified path (`0::`). */
function ownPaths(env: CgroupEnv): { v1: Map<string, string>; v2: string | undefined } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of (read(env.procSelfCgroup) ?? '').split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const [, id, ctrls, path] = m as unknown as [string, string, string, string];
    if (id === '0' && ctrls === '') v2 = path;
    else for (const c of ctrls.split(',')) v1.set(c, path);
  }
  return { v1, v2 };
}

/** Which hierarchy this machine gives us: v1 per controller, or the v2 unified tree. */
function isUnified(env: CgroupEnv): boolean {
  return existsSync(join(env.root, 'cgroup.controllers'));
}

/**
 * Under v2, makes `<own>` able to hold step groups: moves this process into the leaf
 * `<own>/plue-controller` when `<own>` holds processes, and enables memory, pids and cpu for its
 * children. Returns the controllers enabled (those the delegation allows).
 */
function prepareV2(env: CgroupEnv, own: string): Set<LimitKind> {
  const dir = join(env.root, own);
  const wanted = LIMIT_KINDS.filter((k) =>
    (read(join(dir, 'cgroup.controllers')) ?? '').split(/\s+/).includes(k),
  );
  const enabled = (): Set<LimitKind> =>
    new Set(
      (read(join(dir, 'cgroup.subtree_control')) ?? '')
        .split(/\s+/)
        .map((k) => k.replace(/^\+/, ''))
        .filter((k): k is LimitKind => (LIMIT_KINDS as readonly string[]).includes(k)),
    );
  if (wanted.every((k) => enabled().has(k))) return enabled();
  const procs = (read(join(dir, 'cgroup.procs')) ?? '').trim();
  if (procs !== '') {
    try {
      const leaf = join(dir, 'plue-controller');
      mkdirSync(leaf, { recursive: true });
      for (const pid of procs.split('\n')) writeFileSync(join(leaf, 'cgroup.procs'), pid);
    } catch {
      return enabled();
    }
  }
  const control = join(dir, 'cgroup.subtree_control');
  try {
    writeFileSync(control, wanted.map((k) => `+${k}`).join(' '));
  } catch {
    // One of them is not delegated to us: enable what is, one by one.
    for (const k of wanted) {
      try {
        writeFileSync(control, `+${k}`);
      } catch {
        // That limit does not hold here (probeLimits says so).
      }
    }
  }
  return enabled();
}

/** The directory a step group of each limit kind goes under, where we may create one. */
function parents(env: CgroupEnv): { version: 1 | 2; dirs: Map<LimitKind, string> } {
  const own = ownPaths(env);
  const dirs = new Map<LimitKind, string>();
  if (isUnified(env)) {
    if (own.v2 === undefined) return { version: 2, dirs };
    for (const k of prepareV2(env, own.v2)) dirs.set(k, join(env.root, own.v2));
    return { version: 2, dirs };
  }
  for (const k of LIMIT_KINDS) {
    const base = own.v1.get(V1_DIR[k]);
    const mount = join(env.root, V1_DIR[k]);
    if (base !== undefined && existsSync(join(mount, 'cgroup.procs')))
      dirs.set(k, join(mount, base));
  }
  return { version: 1, dirs };
}

export interface LimitSupport {
  version: 1 | 2 | undefined;
  /** Per limit: undefined when it holds, else why not. */
  problems: Record<LimitKind, string | undefined>;
}

/** Which limits a step group really gets here (a group is made and removed to find out). */
export function probeLimits(env: CgroupEnv = DEFAULT_ENV): LimitSupport {
  const probe = StepCgroup.open(
    `plue-probe-${process.pid}`,
    { memoryBytes: 1 << 30, pidsMax: 4096, cpus: 1 },
    env,
  );
  const version = probe.version;
  const problems = { ...probe.missing };
  probe.closeNow();
  return { version, problems };
}

export class StepCgroup {
  private constructor(
    readonly version: 1 | 2 | undefined,
    private readonly dirs: Map<LimitKind, string>,
    /** Limits asked for that could not be set, and why. */
    readonly missing: Record<LimitKind, string | undefined>,
  ) {}

  /** Creates the step's group(s) with `limits`; what could not be set is in `missing`. */
  static open(name: string, limits: CgroupLimits, env: CgroupEnv = DEFAULT_ENV): StepCgroup {
    const { version, dirs: parentDirs } = parents(env);
    const dirs = new Map<LimitKind, string>();
    const missing: Record<LimitKind, string | undefined> = {
      memory: undefined,
      pids: undefined,
      cpu: undefined,
    };
    const asked: Record<LimitKind, boolean> = {
      memory: limits.memoryBytes !== undefined,
      pids: limits.pidsMax !== undefined,
      cpu: limits.cpus !== undefined,
    };
    for (const k of LIMIT_KINDS) {
      const parent = parentDirs.get(k);
      if (parent === undefined) {
        if (asked[k])
          missing[k] = `no writable cgroup ${version === 2 ? 'v2' : 'v1'} ${k} controller`;
        continue;
      }
      // v2 has one group for all three.
      const dir = join(parent, name);
      try {
        if (![...dirs.values()].includes(dir)) mkdirSync(dir);
        dirs.set(k, dir);
      } catch (err) {
        if (asked[k]) missing[k] = `cannot create a ${k} cgroup (${(err as Error).message})`;
      }
    }
    const group = new StepCgroup(version, dirs, missing);
    group.write(limits, asked);
    return group;
  }

  private write(limits: CgroupLimits, asked: Record<LimitKind, boolean>): void {
    const v2 = this.version === 2;
    const files: Record<LimitKind, Array<[string, string]>> = {
      memory: v2
        ? [
            ['memory.max', String(limits.memoryBytes)],
            ['memory.swap.max', '0'],
          ]
        : [
            ['memory.limit_in_bytes', String(limits.memoryBytes)],
            // Cap swap too, or the step just swaps past the limit (memsw must be >= limit).
            ['memory.memsw.limit_in_bytes', String(limits.memoryBytes)],
          ],
      pids: [['pids.max', String(limits.pidsMax)]],
      cpu: v2
        ? [['cpu.max', `${Math.round((limits.cpus ?? 1) * CPU_PERIOD_US)} ${CPU_PERIOD_US}`]]
        : [
            ['cpu.cfs_period_us', String(CPU_PERIOD_US)],
            ['cpu.cfs_quota_us', String(Math.round((limits.cpus ?? 1) * CPU_PERIOD_US))],
          ],
    };
    for (const k of LIMIT_KINDS) {
      const dir = this.dirs.get(k);
      if (!asked[k] || dir === undefined) continue;
      for (const [file, value] of files[k]) {
        const path = join(dir, file);
        // memsw and swap files exist only where swap accounting is on: nothing to cap then.
        if (/swap|memsw/.test(file) && !existsSync(path)) continue;
        try {
          writeFileSync(path, value);
        } catch (err) {
          this.missing[k] = `cannot write ${file} (${(err as Error).message})`;
        }
      }
    }
  }

  /** The `cgroup.procs` files the step's wrapper must write its PID into. */
  procsFiles(): string[] {
    return [...new Set(this.dirs.values())].map((d) => join(d, 'cgroup.procs'));
  }

  private counter(kind: LimitKind, v1File: string, v2File: string, key: string): number {
    const dir = this.dirs.get(kind);
    if (!dir) return 0;
    const text = read(join(dir, this.version === 2 ? v2File : v1File)) ?? '';
    const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
    return m?.[1] ? Number(m[1]) : 0;
  }

  /** How many processes of the step the kernel OOM-killed. */
  oomKills(): number {
    return this.counter('memory', 'memory.oom_control', 'memory.events', 'oom_kill');
  }

  /** How many forks the pids limit refused. */
  pidsRefusals(): number {
    return this.counter('pids', 'pids.events', 'pids.events', 'max');
  }

  /** SIGKILL whatever still runs in the group (backstop for escaped processes). */
  killAll(): void {
    for (const dir of new Set(this.dirs.values())) {
      for (let attempt = 0; attempt < 20; attempt++) {
        const pids = readProcs(dir);
        if (pids.length === 0) break;
        for (const pid of pids) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
      }
    }
  }

  /** Kill leftovers and remove the directories (rmdir fails while tasks remain: retry briefly). */
  async close(): Promise<void> {
    this.killAll();
    for (let attempt = 0; attempt < 50 && this.dirs.size > 0; attempt++) {
      this.remove();
      if (this.dirs.size > 0) await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Removes an empty group at once (the probe's, which never held a process). */
  closeNow(): void {
    this.remove();
  }

  private remove(): void {
    for (const [kind, dir] of this.dirs) {
      try {
        rmdirSync(dir);
        this.dirs.delete(kind);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.dirs.delete(kind);
      }
    }
  }
}

function readProcs(dir: string): number[] {
  return (read(join(dir, 'cgroup.procs')) ?? '')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}
