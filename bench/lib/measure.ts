/** Timing, process memory sampling and result printing shared by the benchmarks. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { descendants } from '../../scripts/worker-socket';

export { descendants };

export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

/** Runs a command, rejecting with its stderr when it fails. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...opts, maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${stderr}`));
      else resolve(String(stdout));
    });
  });
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** Pids of every process descending from `root` (inclusive). */

/** Samples the largest RSS among the processes named `name` under `root` until stopped. */
export function sampleRss(root: number, name: string, everyMs = 100): { stop(): number } {
  let peak = 0;
  const pids = descendants(root).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/comm`, 'utf8').trim() === name;
    } catch {
      return false;
    }
  });
  const timer = setInterval(() => {
    for (const p of pids) peak = Math.max(peak, rssKb(p));
  }, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peak * 1024;
    },
  };
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/** Prints one comparison row: `name  plue  baseline  ratio (goal)`. */
export function report(name: string, plueMs: number, baseMs: number, goal: string): void {
  const ratio = plueMs / baseMs;
  console.log(
    `${name.padEnd(34)} plue ${(plueMs / 1000).toFixed(2).padStart(7)} s   baseline ${(baseMs / 1000).toFixed(2).padStart(7)} s   ratio ${ratio.toFixed(2)}×  (goal ${goal})`,
  );
}
