/**
 * The Worker's own address under `wrangler dev`. Every request to wrangler's port first passes
 * through its dev-only reload proxy: a second workerd process whose ProxyWorker holds requests
 * during reloads and re-sends each one to the Worker over loopback HTTP (and pumps every response
 * body through a second time). Production has no such hop, so the latency benchmarks measure at
 * the Worker's own socket as well. It is found by walking the wrangler process tree's listening
 * sockets in /proc and probing each for Plue's health endpoint.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { descendants } from './measure';

/** Listening TCP ports on 127.0.0.1 by socket inode, from /proc/net/tcp. */
function listeningPorts(): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
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
 * The URL of the Worker's workerd socket under the `wrangler dev` process `wranglerPid`, other
 * than `publicUrl`; `publicUrl` itself when none answers (e.g. not on Linux).
 */
export async function directWorkerUrl(wranglerPid: number, publicUrl: string): Promise<string> {
  const publicPort = Number(new URL(publicUrl).port);
  const ports = listeningPorts();
  const candidates = new Set<number>();
  for (const pid of descendants(wranglerPid)) {
    for (const inode of socketInodes(pid)) {
      const port = ports.get(inode);
      if (port !== undefined && port !== publicPort) candidates.add(port);
    }
  }
  for (const port of candidates) {
    const url = `http://127.0.0.1:${port}`;
    try {
      const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(2000) });
      const body = (await res.json().catch(() => undefined)) as { db?: string } | undefined;
      if (res.status === 200 && body?.db === 'ok') return url;
    } catch {
      /* not the Worker */
    }
  }
  return publicUrl;
}

/**
 * Worker settings of every benchmark stack: request lines off (`LOG_LEVEL=warn`). Under
 * `wrangler dev` each console line travels through the inspector to wrangler's terminal, about
 * 1–4 ms per request that production (Workers Logs) does not pay; wrangler still prints its own
 * line per request.
 */
export const BENCH_WORKER_VARS: Record<string, string> = { LOG_LEVEL: 'warn' };
