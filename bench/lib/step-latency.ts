/**
 * Step output → viewer latency end to end (issue #21), for the run-stream benchmark: a real run
 * of a real workflow, claimed by a runner controller in this process with the local sandbox,
 * whose step (a Python script committed to the repository) prints one line every `intervalMs`
 * stamped with the machine's monotonic clock; the line goes through the sandbox's pipe, the
 * batcher, the controller's forwarder, the Worker and RunStream to `viewers` SSE viewers, which
 * read the same clock when its bytes arrive (bench/lib/sse-socket-viewer.ts). The step first
 * prints unstamped warm-up lines for `warmupMs` while the viewers connect, so that no stamped
 * line is a replay.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMPONENT_CREDENTIALS } from '../../common/dev-secret';
import { startController } from '../../runner-controller/controller/controller';
import { LocalBackend } from '../../runner-controller/sandbox/local';
import { signUp } from '../../scripts/clients/auth';
import type { Histogram } from './histogram';
import { run as sh } from './measure';
import { nowMs, type ViewerStats } from './sse-socket-viewer';
import { startSseViewers } from './sse-viewer-threads';
import { BenchApi } from './workflow-clients';

const TICK = `import sys, time
lines, every, warmup = int(sys.argv[1]), float(sys.argv[2]) / 1000, float(sys.argv[3]) / 1000
end = time.monotonic() + warmup
while time.monotonic() < end:
    print("warming up", flush=True)
    time.sleep(0.2)
for i in range(1, lines + 1):
    print(f"{time.monotonic() * 1000:.3f}|line {i}", flush=True)
    time.sleep(every)
`;

export interface StepLatencyOptions {
  /** The public URL (sign-up and git push). */
  url: string;
  /** The Worker's own socket, where the controller and the viewers connect (as the other
   *  run-stream figures: wrangler dev's reload proxy is not on the path in production). */
  viewerBase: string;
  viewers: number;
  threads: number;
  lines: number;
  intervalMs: number;
  warmupMs: number;
}

export interface StepLatency {
  hist: Histogram;
  stats: ViewerStats[];
  /** Whether every viewer was connected before the first stamped line was printed. */
  connectedInTime: boolean;
  /** From the viewers' first connection until all were connected. */
  connectMs: number;
}

/** Pushes the workflow, follows its run with `viewers` SSE viewers, returns their latencies. */
export async function measureStepLatency(o: StepLatencyOptions): Promise<StepLatency> {
  const work = mkdtempSync(join(tmpdir(), 'plue-bench-step-'));
  let firstOutputAt: number | undefined;
  const user = await signUp(o.url);
  const token = await user.token(['repo:read', 'repo:write', 'admin']);
  await user.createRepo('step-latency');
  const full = `${user.user.login}/step-latency`;
  const api = new BenchApi(o.url, full, token);
  const controller = await startController({
    url: o.viewerBase,
    secret: COMPONENT_CREDENTIALS.controller.devDefault,
    backend: new LocalBackend(),
    repoOwner: user.user.login,
    log: () => undefined,
    // The step's first (warm-up) line reaches the controller about when the script starts.
    trace: (mark) => {
      if (mark === 'run_first_output') firstOutputAt ??= nowMs();
    },
  });
  const stop = { fleet: (): void => undefined };
  try {
    const git = (args: string[]) => sh('git', args, { cwd: work });
    await git(['init', '-q', '-b', 'main', '.']);
    await sh('mkdir', ['-p', join(work, '.plue', 'workflows')]);
    const write = (file: string, text: string) =>
      sh('sh', ['-c', `printf '%s' "$1" > "$2"`, 'sh', text, file], { cwd: work });
    await write('tick.py', TICK);
    await write(
      '.plue/workflows/tick.py',
      `from plue import workflow, push\n\n@workflow(triggers=[push()])\ndef tick(ctx):\n` +
        `    ctx.run(name="tick", cmd="python3 -u tick.py ${o.lines} ${o.intervalMs} ${o.warmupMs}")\n`,
    );
    await git(['add', '.']);
    await git(['-c', 'user.name=bench', '-c', 'user.email=bench@x', 'commit', '-qm', 'tick']);
    const sha = (await git(['rev-parse', 'HEAD'])).trim();
    const remote = `${o.url.replace('http://', `http://x:${token}@`)}/${full}.git`;
    await git(['push', '-q', remote, 'main']);
    const id = await api.discover(sha, 50);
    const fleet = startSseViewers(
      `${o.viewerBase}/api/v1/repos/${full}/actions/runs/${id}/stream`,
      o.viewers,
      o.threads,
    );
    stop.fleet = fleet.stop;
    const connecting = nowMs();
    while (fleet.connected() < o.viewers && nowMs() - connecting < 120_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const connected = nowMs();
    const { stats, hist } = await fleet.done;
    const run = await api.waitCompleted(id, 200, 120_000);
    if (run.conclusion !== 'success') throw new Error(`step-latency run ${id}: ${run.conclusion}`);
    // The stamped lines start `warmupMs` after the script's first line.
    const connectedInTime = firstOutputAt === undefined || connected < firstOutputAt + o.warmupMs;
    return { hist, stats, connectedInTime, connectMs: connected - connecting };
  } finally {
    stop.fleet();
    await controller.stop({ abandon: true });
    rmSync(work, { recursive: true, force: true });
  }
}
