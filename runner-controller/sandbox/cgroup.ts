/**
 * Per-step cgroup v1 groups (memory, pids) created under the controller's own cgroups, so limits
 * nest inside whatever limits the controller itself runs under. docs/design/sandbox.md §2.5: limits
 * are written before the step starts, the step's wrapper writes its PID into `cgroup.procs`, OOM
 * kills are read back from `memory.oom_control`, leftover processes are SIGKILLed and the
 * directories removed after the step. Where cgroups are absent or read-only, `open` returns null
 * and the step runs without them.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';
const CONTROLLERS = ['memory', 'pids'] as const;
type Controller = (typeof CONTROLLERS)[number];

/** This process's path in each cgroup v1 hierarchy, from /proc/self/cgroup. */
function ownPaths(): Map<string, string> {
  const out = new Map<string, string>();
  let text = '';
  try {
    text = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const [, ctrls, path] = line.split(':');
    if (!ctrls || path === undefined) continue;
    for (const c of ctrls.split(',')) out.set(c, path);
  }
  return out;
}

export interface CgroupLimits {
  memoryBytes?: number;
  pidsMax?: number;
}

export class StepCgroup {
  private constructor(private readonly dirs: Map<Controller, string>) {}

  /** Create the step's groups with `limits`; null when the memory controller is not writable. */
  static open(name: string, limits: CgroupLimits): StepCgroup | null {
    const own = ownPaths();
    const dirs = new Map<Controller, string>();
    for (const ctrl of CONTROLLERS) {
      const base = own.get(ctrl);
      const mount = join(ROOT, ctrl);
      if (base === undefined || !existsSync(join(mount, 'cgroup.procs'))) continue;
      const dir = join(mount, base, name);
      try {
        mkdirSync(dir);
        dirs.set(ctrl, dir);
      } catch {
        // Read-only or absent hierarchy: run without this controller.
      }
    }
    const group = new StepCgroup(dirs);
    if (!dirs.has('memory')) {
      group.remove();
      return null;
    }
    try {
      const mem = dirs.get('memory');
      if (mem && limits.memoryBytes !== undefined) {
        writeFileSync(join(mem, 'memory.limit_in_bytes'), String(limits.memoryBytes));
        // Cap swap too, or the step just swaps past the limit (memsw must be >= limit).
        const memsw = join(mem, 'memory.memsw.limit_in_bytes');
        if (existsSync(memsw)) writeFileSync(memsw, String(limits.memoryBytes));
      }
      const pids = dirs.get('pids');
      if (pids && limits.pidsMax !== undefined) {
        writeFileSync(join(pids, 'pids.max'), String(limits.pidsMax));
      }
    } catch (err) {
      group.remove();
      throw err;
    }
    return group;
  }

  /** The `cgroup.procs` files the step's wrapper must write its PID into. */
  procsFiles(): string[] {
    return [...this.dirs.values()].map((d) => join(d, 'cgroup.procs'));
  }

  /** How many processes of the step the kernel OOM-killed. */
  oomKills(): number {
    const mem = this.dirs.get('memory');
    if (!mem) return 0;
    try {
      const m = /^oom_kill (\d+)$/m.exec(readFileSync(join(mem, 'memory.oom_control'), 'utf8'));
      return m?.[1] ? Number(m[1]) : 0;
    } catch {
      return 0;
    }
  }

  /** SIGKILL whatever still runs in the group (backstop for escaped processes). */
  killAll(): void {
    for (const dir of this.dirs.values()) {
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

  private remove(): void {
    for (const [ctrl, dir] of this.dirs) {
      try {
        rmdirSync(dir);
        this.dirs.delete(ctrl);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') this.dirs.delete(ctrl);
      }
    }
  }
}

function readProcs(dir: string): number[] {
  try {
    return readFileSync(join(dir, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map(Number);
  } catch {
    return [];
  }
}
