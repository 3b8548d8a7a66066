/**
 * CPU time (user + system) spent by processes, read from /proc (Linux; 0 elsewhere): how much
 * work the server did for a benchmark phase, a figure that other load on the machine disturbs
 * far less than latency.
 */
import { readFileSync } from 'node:fs';
import { descendants } from './measure';

const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU milliseconds used so far by the processes named `name` under `root`. */
export function treeCpuMs(root: number, name: string): number {
  let ticks = 0;
  for (const pid of descendants(root)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')) !== name) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      /* gone */
    }
  }
  return ticks * TICK_MS;
}

/**
 * CPU milliseconds used by this process's children that have ended (git and what it ran, the
 * CGI programs of a `git http-backend` served from this process).
 */
export function childCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) * TICK_MS;
  } catch {
    return 0;
  }
}
