/**
 * The Worker's own address under `wrangler dev`. Every request to wrangler's port first passes
 * through its dev-only reload proxy: a second workerd process whose ProxyWorker holds requests
 * during reloads and re-sends each one to the Worker over loopback HTTP (pumping every response
 * body through a second time). The Worker's own workerd socket is found by walking the wrangler
 * process tree's listening sockets in /proc and probing each for Plue's health endpoint. Linux
 * only; elsewhere nothing is found and callers keep wrangler's port.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Every process under `root` (itself included), from /proc. */
export function descendants(root: number): number[] {
  const children = new Map<number, number[]>();
  let dirs: string[] = [];
  try {
    dirs = readdirSync('/proc');
  } catch {
    return [root];
  }
  for (const d of dirs) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      /* gone */
    }
  }
  const out: number[] = [];
  const stack = [root];
  while (stack.length) {
    const p = stack.pop() as number;
    out.push(p);
    stack.push(...(children.get(p) ?? []));
  }
  return out;
}

/** Listening TCP ports on 127.0.0.1 by socket inode, from /proc/net/tcp. */
function listeningPorts(): Map<string, number> {
  const out = new Map<string, number>();
  let table = '';
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return out;
  }
  for (const line of table.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] !== '0A' || !f[1]?.startsWith('0100007F:')) continue; // LISTEN on 127.0.0.1
    out.set(f[9] ?? '', parseInt(f[1].slice(9), 16));
  }
  return out;
}

function socketInodes(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
        return m ? [m[1] as string] : [];
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/**
 * The port of the Worker's own workerd socket under the `wrangler dev` process `wranglerPid`
 * (not `wranglerPort`, its reload proxy), or undefined when none answers.
 */
export async function findWorkerPort(
  wranglerPid: number,
  wranglerPort: number,
): Promise<number | undefined> {
  const ports = listeningPorts();
  const candidates = new Set<number>();
  for (const pid of descendants(wranglerPid)) {
    for (const inode of socketInodes(pid)) {
      const port = ports.get(inode);
      if (port !== undefined && port !== wranglerPort) candidates.add(port);
    }
  }
  for (const port of candidates) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/health`, {
        signal: AbortSignal.timeout(2000),
      });
      const body = (await res.json().catch(() => undefined)) as { db?: string } | undefined;
      if (res.status === 200 && body?.db === 'ok') return port;
    } catch {
      /* not the Worker */
    }
  }
  return undefined;
}
