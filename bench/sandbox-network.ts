/**
 * What a step's own network costs (issue 16): the local backend's start + teardown of a step
 * running `true`, p50 over N runs, with `network=True` (a new network namespace, its nftables
 * filter, a slirp4netns uplink) against the same step without network as the baseline.
 *
 * N=30 (PLUE_BENCH_QUICK=1: 10); override with BENCH_NET_RUNS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBackend } from '../runner-controller/sandbox/local';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

async function startCost(backend: LocalBackend, ws: string, network: boolean, n: number) {
  const times: number[] = [];
  for (let i = 0; i <= n; i++) {
    const t0 = performance.now();
    const r = await backend.run({
      cmd: 'true',
      cwd: ws,
      env: {},
      timeoutMs: 20_000,
      network,
      onOutput: () => undefined,
    });
    if (r.exitCode !== 0)
      throw new Error(`sandboxed true (network ${network}) exited ${r.exitCode}`);
    if (i > 0) times.push(performance.now() - t0); // the first call also chowns the workspace
  }
  return median(times);
}

export async function run(): Promise<void> {
  const quick = process.env.PLUE_BENCH_QUICK === '1';
  const n = Number(process.env.BENCH_NET_RUNS ?? (quick ? 10 : 30));
  const backend = new LocalBackend();
  const ws = mkdtempSync(join(tmpdir(), 'plue-bench-net-'));
  try {
    const check = await backend.check();
    console.log(`\n## sandbox network (${check.detail})`);
    // Interleave so load on a shared machine hits both alike.
    const offline: number[] = [];
    const online: number[] = [];
    for (let round = 0; round < 3; round++) {
      offline.push(await startCost(backend, ws, false, Math.ceil(n / 3)));
      online.push(await startCost(backend, ws, true, Math.ceil(n / 3)));
    }
    const off = median(offline);
    const on = median(online);
    console.log(
      `step start + teardown, p50 of ${n}: without network ${off.toFixed(0)} ms, with network ` +
        `${on.toFixed(0)} ms (${(on / off).toFixed(2)}× the step without network, ` +
        `+${(on - off).toFixed(0)} ms per networked step)`,
    );
  } finally {
    backend.close();
    rmSync(ws, { recursive: true, force: true });
  }
}
