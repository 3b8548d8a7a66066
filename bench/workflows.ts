/**
 * Workflows (issue 9), on a small repository with a one-step workflow
 * (`ctx.run(name="hello", cmd="echo hello")`), the processes `npm start` runs: the stack (front
 * door, database endpoint, wrangler dev; bench/lib/stack-process.ts) and a runner controller with
 * the local sandbox backend and the production poll back-off (bench/lib/controller-process.ts),
 * each in a child process of its own, apart from this process's viewers; embedded PGlite, or a
 * scratch database on the PostgreSQL server at DATABASE_URL:
 *
 *   (a) push → first log line at a live SSE viewer of the run, p50 over N pushes (git push with
 *       the real client; the viewer learns the run id from the repository's live feed of runs,
 *       GET …/actions/live, subscribed to as the push starts), beside a polling viewer on the same pushes (runs list and step log every
 *       1 s, the Gitea model) as the baseline;
 *   (b) push → run completed (the run API says completed), p50, with the share spent starting
 *       sandboxes (sandbox calls per push × the local backend's start overhead, measured by
 *       running `true` through it directly) and the share spent inside sandbox calls at all;
 *   (c) Q runs queued at once (one git push creating Q branches = Q push events) all complete
 *       with PLUE_RUNNER_CONCURRENCY (default 2): total time and per-run p50s; and (c') the same
 *       Q runs re-run at once (`POST …/rerun`), which queues runs without evaluating events first.
 *
 * Defaults N=20, Q=20; PLUE_BENCH_QUICK=1: N=5, Q=6. Override with BENCH_WF_PUSHES, BENCH_WF_QUEUED;
 * BENCH_WF_LOG=1 prints the controller's log. Phases of (b) come from the run's timestamps; the
 * breakdown of (a) from the controller's trace marks (runner-controller/controller/trace.ts), the
 * recorded sandbox calls and the viewer's own clock.
 */
import { COMPONENT_CREDENTIALS } from '../common/dev-secret';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TraceMark } from '../runner-controller/controller/trace';
import { LocalBackend } from '../runner-controller/sandbox/local';
import { freePort } from '../scripts/stack';
import { scratchDatabase } from '../scripts/clients/scratch-database';
import { startStackProcess } from './lib/stack-process';
import { startControllerProcess, type ControllerProcess } from './lib/controller-process';
import { signUp } from '../scripts/clients/auth';
import { median, run as sh } from './lib/measure';
import { BENCH_WORKER_VARS } from './lib/direct';
import { fullSize } from './lib/repo';
import { BenchApi, now, type RunInfo } from './lib/workflow-clients';

const DEV_SECRET = COMPONENT_CREDENTIALS.controller.devDefault;
const WORKFLOW = `from plue import workflow, push

@workflow(triggers=[push()])
def hello(ctx):
    ctx.run(name="hello", cmd="echo hello")
`;

const envNum = (k: string, d: number) => {
  const n = Number(process.env[k]);
  return Number.isFinite(n) && n > 0 ? Math.floor(n) : d;
};
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
const git = (args: string[], cwd: string) => sh('git', args, { cwd, env: gitEnv });
const commit = async (dir: string, file: string, text: string, msg: string) => {
  await sh('sh', ['-c', `printf '%s\\n' "$1" > "$2"`, 'sh', text, file], { cwd: dir });
  await git(['add', file], dir);
  await git(['-c', 'user.name=bench', '-c', 'user.email=bench@x', 'commit', '-qm', msg], dir);
  return (await git(['rev-parse', 'HEAD'], dir)).trim();
};
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)} %`;
const ms = (iso: string | null) => (iso ? Date.parse(iso) : NaN);

/** Median of running `true` through the local backend (start + teardown of one sandbox). */
async function sandboxOverhead(n: number): Promise<number> {
  const backend = new LocalBackend();
  const ws = mkdtempSync(join(tmpdir(), 'plue-bench-sbx-'));
  const times: number[] = [];
  try {
    for (let i = 0; i <= n; i++) {
      const t0 = now();
      const r = await backend.run({
        cmd: 'true',
        cwd: ws,
        env: {},
        timeoutMs: 10_000,
        memoryBytes: 256 * 1024 * 1024,
        network: false,
        onOutput: () => undefined,
      });
      if (r.exitCode !== 0) throw new Error(`sandboxed true exited ${r.exitCode}`);
      if (i > 0) times.push(now() - t0); // the first call also chowns the workspace
    }
  } finally {
    backend.close();
    rmSync(ws, { recursive: true, force: true });
  }
  return median(times);
}

/** Polls the runs list until `n` runs chosen by `pick` are completed. */
async function waitAll(
  api: BenchApi,
  n: number,
  pick: (r: RunInfo) => boolean,
): Promise<RunInfo[]> {
  const t0 = now();
  for (;;) {
    const runs = (await api.runsOf('per_page=100')).filter(pick);
    if (runs.length === n && runs.every((r) => r.status === 'completed')) return runs;
    if (now() - t0 > 180_000) {
      const seen = runs.map((r) => `${r.id}:${r.status}/${r.run_attempt}`).join(' ');
      throw new Error(`queued runs not all done after 180 s: ${seen}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Total time from `t0`, per-run p50s and the most runs executing at once (server timestamps). */
function report(label: string, runs: RunInfo[], t0: number, concurrency: number): void {
  const total = now() - t0;
  const failed = runs.filter((r) => r.conclusion !== 'success').length;
  const exec = runs.map((r) => ms(r.completed_at) - ms(r.run_started_at));
  const turnaround = runs.map((r) => ms(r.completed_at) - ms(r.created_at));
  const fromStart = runs.map((r) => ms(r.completed_at) - t0);
  const edges = runs.flatMap((r) => [
    [ms(r.run_started_at), 1],
    [ms(r.completed_at), -1],
  ]) as [number, number][];
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let live = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (live += d));
  console.log(
    `${label}: all completed in ${s(total)}${failed ? ` (${failed} not successful!)` : ''}`,
  );
  console.log(
    `    per run p50: start → completed ${s(median(fromStart))}, run queued → completed ` +
      `${s(median(turnaround))}, executing ${s(median(exec))}; at most ${peak} running at once ` +
      `(concurrency ${concurrency})`,
  );
}

export async function run(): Promise<void> {
  const pushes = envNum('BENCH_WF_PUSHES', fullSize() ? 20 : 5);
  const queued = envNum('BENCH_WF_QUEUED', fullSize() ? 20 : 6);
  const concurrency = envNum('PLUE_RUNNER_CONCURRENCY', 2);
  const work = mkdtempSync(join(tmpdir(), 'plue-bench-wf-'));
  // Embedded PGlite by default; a scratch database on the server at DATABASE_URL when set.
  const server = process.env.DATABASE_URL;
  const scratch = server ? await scratchDatabase(server) : undefined;
  // The stack runs in a process of its own, as under `npm start`, apart from this process's
  // controller and viewers.
  const stack = await startStackProcess({
    dataDir: join(work, 'plue'),
    port: await freePort(),
    extraVars: BENCH_WORKER_VARS,
    databaseUrl: scratch?.url,
  });
  const marks: { mark: TraceMark; id: number; at: number }[] = [];
  let controller: ControllerProcess | undefined;
  try {
    console.log(
      `\n## workflows (one-step workflow "echo hello", ${pushes} pushes, ${queued} queued runs, ` +
        `concurrency ${concurrency}, local sandbox, ` +
        `${server ? 'PostgreSQL at DATABASE_URL' : 'embedded PGlite'})`,
    );
    const user = await signUp(stack.url);
    const token = await user.token(['repo:read', 'repo:write', 'admin']);
    await user.createRepo('wf-bench');
    const full = `${user.user.login}/wf-bench`;
    const remote = `${stack.url.replace('http://', `http://x:${token}@`)}/${full}.git`;
    const api = new BenchApi(stack.url, full, token);
    // The controller runs in a process of its own, as under `npm start`.
    controller = await startControllerProcess(
      {
        url: stack.url,
        secret: DEV_SECRET,
        concurrency,
        repoOwner: user.user.login,
        log: process.env.BENCH_WF_LOG === '1',
      },
      (mark, id, at) => marks.push({ mark, id, at }),
    );
    const backend = controller;

    const wt = join(work, 'wt');
    await sh('git', ['init', '-q', '-b', 'main', wt]);
    await sh('mkdir', ['-p', join(wt, '.plue', 'workflows')]);
    await commit(wt, '.plue/workflows/hello.py', WORKFLOW, 'workflow');
    const first = await commit(wt, 'README.md', 'bench', 'readme');
    // Warm-up push (not measured): the first evaluation, checkout and run of the stack.
    await git(['push', '-q', remote, 'main'], wt);
    await api.waitCompleted(await api.discover(first, 100));

    // (a) and (b): sequential pushes, an SSE viewer and a polling viewer on each.
    const sse: number[] = [];
    const polled: number[] = [];
    const done: number[] = [];
    const starts: number[] = [];
    const inside: number[] = [];
    const phases: number[][] = [];
    const breakdown: number[][] = [];
    let pollRequests = 0;
    for (let i = 0; i < pushes; i++) {
      const sha = await commit(wt, 'README.md', `bench ${i}`, `bench ${i}`);
      const t0 = now();
      const pushed = git(['push', '-q', remote, 'main'], wt).then(() => now());
      const [viewer, poller, pushedAt] = await Promise.all([
        api.sseViewer(sha, 'hello'),
        api.pollingViewer(sha, 'hello', 'hello', 1000),
        pushed,
      ]);
      const completed = await api.waitCompleted(viewer.id);
      if (completed.conclusion !== 'success') throw new Error(`run ${viewer.id} did not succeed`);
      const tDone = now();
      sse.push(viewer.firstLineAt - t0);
      polled.push(poller.firstLineAt - t0);
      pollRequests += poller.requests;
      done.push(tDone - t0);
      phases.push([
        pushedAt - t0,
        ms(completed.created_at) - pushedAt,
        ms(completed.run_started_at) - ms(completed.created_at),
        ms(completed.completed_at) - ms(completed.run_started_at),
      ]);
      const at = (m: TraceMark) =>
        marks.find((x) => x.mark === m && x.at >= t0 && x.at <= tDone)?.at;
      const stepCall = backend.between(t0, tDone).find((c) => c.kind === 'step');
      const evalCall = backend.between(t0, tDone).find((c) => c.kind === 'evaluate');
      breakdown.push(
        [
          pushedAt,
          at('event_claimed'),
          at('event_checked_out'),
          evalCall?.at,
          at('event_evaluated'),
          at('event_reported'),
          at('run_claimed'),
          at('run_checked_out'),
          stepCall?.at,
          stepCall?.firstOutputAt,
          at('run_first_output'),
          at('run_output_posted'),
          viewer.foundAt,
          viewer.firstLineAt,
        ].map((v) => (v ?? NaN) - t0),
      );
      const calls = backend.between(t0, tDone);
      starts.push(calls.length);
      inside.push(calls.reduce((a, c) => a + c.ms, 0));
    }
    const overhead = await sandboxOverhead(fullSize() ? 20 : 10);
    const p50Done = median(done);
    const startsPerPush = median(starts);
    console.log("(the SSE viewer learns the run id from the repository's live feed)");
    console.log(
      `(a) push → first log line, SSE viewer        p50 ${s(median(sse))}  (min ${s(Math.min(...sse))}, max ${s(Math.max(...sse))})`,
    );
    console.log(
      `    baseline: polling viewer (every 1 s)     p50 ${s(median(polled))}  ` +
        `ratio ${(median(sse) / median(polled)).toFixed(2)}×  (${(pollRequests / pushes).toFixed(1)} requests per run)`,
    );
    console.log(
      `(b) push → run completed                     p50 ${s(p50Done)}  (min ${s(Math.min(...done))}, max ${s(Math.max(...done))})`,
    );
    const phase = (i: number) => s(median(phases.map((p) => p[i] ?? NaN)));
    console.log(
      `    p50 phases: git push ${phase(0)} · pushed → run queued ${phase(1)} (controller poll, ` +
        `checkout, evaluation) · queued → claimed ${phase(2)} · claimed → completed ${phase(3)} ` +
        `(checkout, step, log, completion)`,
    );
    // Where push → first line goes: each moment's p50 offset from the push's start, and the
    // p50 of each step between consecutive moments.
    const MOMENTS = [
      'git push returned',
      'event claimed',
      'event checked out',
      'evaluation sandbox started',
      'evaluated',
      'evaluation reported (run queued)',
      'run claimed',
      'run checked out',
      'step sandbox started',
      'step printed (first output in the sandbox)',
      'first output at the forwarder',
      'first output posted (in RunStream)',
      'viewer found the run id',
      'first line at the SSE viewer',
    ];
    console.log('    push → first line, p50 of each moment from the push (and of the step to it):');
    MOMENTS.forEach((name, i) => {
      const abs = median(breakdown.map((b) => b[i] ?? NaN));
      // Moments run in parallel since issue #21 (evaluation beside the fetch): a step can be
      // negative, and a warm evaluator was started before the push (no moment here).
      if (Number.isNaN(abs)) {
        console.log(`      ${name.padEnd(44)} —  (before the push: a warm evaluator)`);
        return;
      }
      const prev = (b: number[]) => [...b.slice(0, i)].reverse().find((v) => !Number.isNaN(v));
      const step = i === 0 ? abs : median(breakdown.map((b) => (b[i] ?? NaN) - (prev(b) ?? NaN)));
      console.log(`      ${name.padEnd(44)} ${s(abs)}  (+${step.toFixed(0)} ms)`);
    });
    console.log(
      `    sandbox start: ${startsPerPush} sandbox(es) per push (evaluation + step) × ${overhead.toFixed(0)} ms ` +
        `(local backend running \`true\`, p50) = ${pct(startsPerPush * overhead, p50Done)} of (b)`,
    );
    console.log(
      `    inside sandbox calls (start + command, incl. Python evaluation): p50 ${s(median(inside))} = ${pct(median(inside), p50Done)} of (b)`,
    );

    // (c) Q runs queued at once: one push creating Q branches, each at its own commit.
    const branches: string[] = [];
    for (let i = 0; i < queued; i++) {
      await git(['checkout', '-q', '-b', `q-${i}`, 'main'], wt);
      await commit(wt, 'README.md', `queued ${i}`, `queued ${i}`);
      branches.push(`q-${i}`);
    }
    const t0 = now();
    await git(['push', '-q', remote, ...branches], wt);
    const pushed = await waitAll(api, queued, (r) => r.head_branch?.startsWith('q-') ?? false);
    report(
      `(c) ${queued} runs queued at once by one push of ${queued} branches (each evaluated first)`,
      pushed,
      t0,
      concurrency,
    );
    // (c') the same runs re-run at once: queued runs only, no evaluation in front of them.
    const t1 = now();
    const ids = await Promise.all(pushed.map((r) => api.rerun(r.id)));
    const wanted = new Set(ids);
    const reruns = await waitAll(api, queued, (r) => wanted.has(r.id));
    report(`(c') ${queued} re-runs queued at once (no evaluation)`, reruns, t1, concurrency);
  } finally {
    await controller?.stop();
    await stack.stop();
    await scratch?.drop();
    rmSync(work, { recursive: true, force: true });
  }
}
