/**
 * A CPU profile of the Worker's isolate over the DevTools protocol `wrangler dev` exposes:
 * start, run something, stop, and print the functions with the most self time. Shared by the
 * push profile and the many-refs bench (which profiles its push with PLUE_PROFILE=1).
 */
import WebSocket from 'ws';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A DevTools protocol session with the first isolate behind `port`. */
export async function inspector(port: number) {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as Array<{
    webSocketDebuggerUrl: string;
  }>;
  const target = targets[0]?.webSocketDebuggerUrl;
  if (!target) throw new Error('no Worker behind the inspector');
  const ws = new WebSocket(target);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const waiting = new Map<number, (r: unknown) => void>();
  ws.on('message', (m: Buffer) => {
    const msg = JSON.parse(String(m)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
    if (msg.id !== undefined) waiting.delete(msg.id);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve) => {
      const n = ++id;
      waiting.set(n, resolve);
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  return { call, close: () => ws.close() };
}

/** Starts sampling the isolate; `stop` returns the profile. */
export async function startProfile(port: number): Promise<{ stop(): Promise<Profile> }> {
  const ins = await inspector(port);
  await ins.call('Profiler.enable');
  await ins.call('Profiler.setSamplingInterval', { interval: 500 });
  await ins.call('Profiler.start');
  return {
    async stop() {
      const { profile } = (await ins.call('Profiler.stop')) as { profile: Profile };
      ins.close();
      return profile;
    },
  };
}

/** Prints the `top` functions by self time. */
export function summarise(p: Profile, top = 40): void {
  const self = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const n = p.samples[i] as number;
    self.set(n, (self.get(n) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const byFn = new Map<string, number>();
  let total = 0;
  for (const node of p.nodes) {
    const us = self.get(node.id) ?? 0;
    total += us;
    const f = node.callFrame;
    const file = f.url.split('/').slice(-2).join('/');
    const key = `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
  }
  console.log(`profiled ${(total / 1e6).toFixed(2)} s of isolate time; top self time:`);
  for (const [k, us] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    console.log(`${(us / 1000).toFixed(0).padStart(7)} ms  ${k}`);
  }
}
