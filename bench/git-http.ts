/**
 * git over HTTPS against git's own `git http-backend`, same machine, same repository
 * (make-repo.py defaults: 10,000 commits, ~5,000 files, ~103 MiB pack):
 * push of the full history (three times each, medians, with the CPU both sides used), full clone,
 * fetch of one new commit, through the front door users reach and again at the Worker's own
 * socket; and the Worker's peak memory during a push (the isolate's heap + ArrayBuffers: the live
 * set on untimed pushes of this and of the small repository, and the peak with garbage during the
 * timed pushes; the process RSS).
 * Goals (issue 15): clone ≤ 1.0×, fetch ≤ 1.0×, push ≤ 1.5×, memory not growing with pack size.
 * Then many small pushes with deleted branches and force-pushes among them (PLUE_BENCH_PUSHES,
 * default 500, on the small bench repository), side by side on both servers, and clone and fetch
 * of the result: the same goals, and the clones must hold the same number of objects.
 */
import { COMPONENT_CREDENTIALS } from '../common/dev-secret';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { freePort, startStack, type Stack } from '../scripts/stack';
import { signUp } from '../scripts/clients/auth';
import { startGitHttpBackend } from '../scripts/git-http-backend';
import { sampleIsolate } from './lib/isolate-memory';
import { median, mib, report, run as sh, sampleRss, timed } from './lib/measure';
import { BENCH_WORKER_VARS, directWorkerUrl } from './lib/direct';
import { childCpuMs, treeCpuMs } from './lib/process-cpu';
import { benchRepo, fullSize } from './lib/repo';

const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
const git = (args: string[], cwd?: string) => sh('git', args, { cwd, env: gitEnv });
/** The local stack's development operator credential (GET /internal/…/packs says when packs are exact). */
const OPERATOR_SECRET = COMPONENT_CREDENTIALS.operator.devDefault;

export async function run(): Promise<void> {
  const src = benchRepo(fullSize() ? {} : { commits: 1000, files: 500 });
  const work = mkdtempSync(join(tmpdir(), 'plue-bench-git-'));
  const stack = await startStack({
    dataDir: join(work, 'plue'),
    port: await freePort(),
    extraVars: BENCH_WORKER_VARS,
  });
  const baseline = await startGitHttpBackend(join(work, 'baseline'));
  const baselineUrl = baseline.url;
  try {
    const packBytes =
      Number(/size-pack: (\d+)/.exec(await git(['count-objects', '-v'], src))?.[1] ?? 0) * 1024;
    console.log(`\n## git over HTTPS (repository: ${src}, pack ${mib(packBytes)})`);
    const user = await signUp(stack.url);
    const token = await user.token(['repo:read', 'repo:write', 'admin']);
    const createRepo = async (name: string): Promise<string> => {
      const res = await fetch(`${stack.url}/api/v1/user/repos`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      if (res.status !== 201) throw new Error(`creating ${name} failed: ${await res.text()}`);
      return `${stack.url.replace('http://', `http://x:${token}@`)}/${user.user.login}/${name}.git`;
    };
    // Push of the full history, three times each into a new repository, alternating which server
    // goes first; the median of each is compared. The machine is shared: one run of a push this
    // long swings by a factor of two with other load, the median of three much less. The CPU
    // line is steadier still: client and server together (git and its http-backend children;
    // git and the workerd processes), the server's side including wrangler's dev proxy and its
    // local R2 and Durable Object simulators, which a deployed Worker does not carry.
    const pushes: Array<{ plue: number; base: number; plueCpu: number; baseCpu: number }> = [];
    let peak = 0;
    let isolatePeak = 0;
    for (let i = 0; i < 3; i++) {
      const url = await createRepo(i === 0 ? 'bench' : `bench-${i}`);
      const base = join(work, 'baseline', i === 0 ? 'bench.git' : `bench-${i}.git`);
      await git(['init', '-q', '--bare', base]);
      const plue = async () => {
        const rss = sampleRss(stack.worker.pid as number, 'workerd');
        const isolate = await sampleIsolate(stack.inspectorPort);
        const cpu0 = childCpuMs() + treeCpuMs(stack.worker.pid as number, 'workerd');
        const t = await timed(() =>
          git(['push', '-q', url, 'refs/heads/main:refs/heads/main'], src),
        );
        const cpu = childCpuMs() + treeCpuMs(stack.worker.pid as number, 'workerd') - cpu0;
        peak = Math.max(peak, rss.stop());
        isolatePeak = Math.max(isolatePeak, (await isolate.stop()).peak);
        return { ms: t.ms, cpu };
      };
      const baseline = async () => {
        const cpu0 = childCpuMs();
        const t = await timed(() =>
          git(
            ['push', '-q', `${baselineUrl}/${basename(base)}`, 'refs/heads/main:refs/heads/main'],
            src,
          ),
        );
        return { ms: t.ms, cpu: childCpuMs() - cpu0 };
      };
      let p: { ms: number; cpu: number };
      let b: { ms: number; cpu: number };
      if (i % 2 === 0) {
        p = await plue();
        b = await baseline();
      } else {
        b = await baseline();
        p = await plue();
      }
      pushes.push({ plue: p.ms, base: b.ms, plueCpu: p.cpu, baseCpu: b.cpu });
    }
    const plueUrl = `${stack.url.replace('http://', `http://x:${token}@`)}/${user.user.login}/bench.git`;
    const baseUrl = `${baselineUrl}/bench.git`;
    console.log(
      `  each push: ${pushes.map((p) => `${(p.plue / 1000).toFixed(2)}/${(p.base / 1000).toFixed(2)} s`).join(', ')} (plue/baseline)`,
    );
    report(
      'push full history (median of 3)',
      median(pushes.map((p) => p.plue)),
      median(pushes.map((p) => p.base)),
      '≤ 1.5×',
    );
    report(
      '  the same, CPU client + server',
      median(pushes.map((p) => p.plueCpu)),
      median(pushes.map((p) => p.baseCpu)),
      'shown',
    );

    // Full clone.
    const plClone = await timed(() =>
      git(['clone', '-q', '--bare', plueUrl, join(work, 'c-plue')]),
    );
    const baseClone = await timed(() =>
      git(['clone', '-q', '--bare', baseUrl, join(work, 'c-base')]),
    );
    report('full clone', plClone.ms, baseClone.ms, '≤ 1.0×');
    await git(['fsck', '--full', '--no-progress'], join(work, 'c-plue'));

    // Fetch of one new commit, three times.
    const wt = join(work, 'wt');
    await git(['clone', '-q', src, wt]);
    const [pf, bf] = await fetchNewCommits(wt, 'bench', [
      { url: plueUrl, dir: join(work, 'c-plue') },
      { url: baseUrl, dir: join(work, 'c-base') },
    ]);
    report('fetch one new commit (median of 3)', pf, bf, '≤ 1.0×');
    await atWorkerSocket(
      stack,
      createRepo,
      src,
      work,
      median(pushes.map((p) => p.base)),
      baseClone.ms,
    );
    // Memory: the live set, from untimed pushes sampled after forced collections.
    const small = benchRepo({ commits: 1000, files: 500 });
    const live = async (repo: string, name: string): Promise<number> => {
      const url = await createRepo(name);
      const sampler = await sampleIsolate(stack.inspectorPort, 500, true);
      await git(['push', '-q', url, 'refs/heads/main:refs/heads/main'], repo);
      return (await sampler.stop()).peak;
    };
    const bigLive = await live(src, 'live-big');
    const smallLive = await live(small, 'live-small');
    const smallPack =
      Number(/size-pack: (\d+)/.exec(await git(['count-objects', '-v'], small))?.[1] ?? 0) * 1024;
    console.log(
      `Worker isolate memory during a push (V8 heap + ArrayBuffers), live peak: ${mib(bigLive)} for the ${mib(packBytes)} pack, ${mib(smallLive)} for a ${mib(smallPack)} pack`,
    );
    console.log(
      `  during the timed push, garbage included: ${mib(isolatePeak)}; workerd process RSS: ${mib(peak)} (also holds wrangler's local R2 and cache simulators)`,
    );
    const listPacks = async (name: string) => {
      const res = await fetch(`${stack.url}/internal/repos/${user.user.login}/${name}/packs`, {
        headers: { 'X-Plue-Operator-Secret': OPERATOR_SECRET },
      });
      return (await res.json()) as { exact: boolean };
    };
    await manySmallPushes(work, createRepo, baseline.url, listPacks);
  } finally {
    await baseline.close();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * The same full push and clone at the Worker's own workerd socket: the figures above go through
 * the front door users reach (scripts/front-door.ts, a byte relay to this socket), these without
 * it, so the two show what the front door costs.
 */
async function atWorkerSocket(
  stack: Stack,
  createRepo: (name: string) => Promise<string>,
  src: string,
  work: string,
  basePushMs: number,
  baseCloneMs: number,
): Promise<void> {
  const direct = new URL(await directWorkerUrl(stack.worker.pid as number, stack.wranglerUrl));
  const url = new URL(await createRepo('bench-socket'));
  url.host = direct.host;
  const push = await timed(() =>
    git(['push', '-q', url.toString(), 'refs/heads/main:refs/heads/main'], src),
  );
  report('push full history, at the Worker socket', push.ms, basePushMs, '≤ 1.5×');
  const clone = await timed(() =>
    git(['clone', '-q', '--bare', url.toString(), join(work, 'c-socket')]),
  );
  report('full clone, at the Worker socket', clone.ms, baseCloneMs, '≤ 1.0×');
  rmSync(join(work, 'c-socket'), { recursive: true, force: true });
}

/**
 * A history built by many one-commit pushes with everyday rewrites among them (every 25th push
 * also pushes and then deletes a side branch, every 50th force-pushes main two commits back and
 * then forward again), done side by side on Plue and on `git http-backend`. Then clone and fetch
 * of the result from both. Plue's clone is timed once its background repack has made the packs
 * exact again (the figure a repository has almost all of its life), and once right after a
 * rewinding push, before that repack.
 */
async function manySmallPushes(
  work: string,
  createRepo: (name: string) => Promise<string>,
  baselineUrl: string,
  listPacks: (name: string) => Promise<{ exact: boolean }>,
): Promise<void> {
  const pushes = Number(process.env.PLUE_BENCH_PUSHES ?? 500);
  const small = benchRepo({ commits: 1000, files: 500 });
  const plueUrl = await createRepo('many');
  await git(['init', '-q', '--bare', join(work, 'baseline', 'many.git')]);
  const baseUrl = `${baselineUrl}/many.git`;
  const wt = join(work, 'wt-many');
  await git(['clone', '-q', small, wt]);
  for (const url of [plueUrl, baseUrl]) await git(['push', '-q', url, 'HEAD:refs/heads/main'], wt);
  const base = (await git(['rev-parse', 'HEAD'], wt)).trim();
  await sh(
    'sh',
    [
      '-c',
      `for i in $(seq 1 ${pushes}); do echo "push $i" >> "many-$((i % 40)).txt"; git add -A; ` +
        `git -c user.name=b -c user.email=b@x commit -qm "small push $i"; done`,
    ],
    { cwd: wt, env: gitEnv },
  );
  const commits = (await git(['rev-list', '--reverse', `${base}..HEAD`], wt)).trim().split('\n');
  const side = async (url: string, i: number) => {
    await git(['push', '-q', url, `${commits[Math.max(0, i - 3)]}:refs/heads/side-${i}`], wt);
    await git(['push', '-q', url, `:refs/heads/side-${i}`], wt);
  };
  const rewind = async (url: string, i: number) => {
    await git(['push', '-q', '--force', url, `${commits[i - 2]}:refs/heads/main`], wt);
    await git(['push', '-q', url, `${commits[i]}:refs/heads/main`], wt);
  };
  const ms: [number, number] = [0, 0];
  for (const [i, c] of commits.entries()) {
    for (const [k, url] of [plueUrl, baseUrl].entries()) {
      const t0 = performance.now();
      await git(['push', '-q', url, `${c}:refs/heads/main`], wt);
      if (i % 25 === 24) await side(url, i);
      if (i % 50 === 49) await rewind(url, i);
      ms[k as 0 | 1] += performance.now() - t0;
    }
  }
  const rewrites = Math.floor(commits.length / 25) + Math.floor(commits.length / 50);
  console.log(
    `\n## ${commits.length} one-commit pushes with ${rewrites} rewrites among them (on ${small})`,
  );
  report('pushes, total', ms[0], ms[1], '≤ 1.5×');

  const settle = async () => {
    const deadline = Date.now() + 300_000;
    while (!(await listPacks('many')).exact) {
      if (Date.now() > deadline) throw new Error('the packs never became exact again');
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  await settle();
  const clones = async (tag: string, n: number): Promise<[number, number]> => {
    const pc: number[] = [];
    const bc: number[] = [];
    for (let i = 0; i < n; i++) {
      pc.push(
        (await timed(() => git(['clone', '-q', '--bare', plueUrl, join(work, `${tag}p${i}`)]))).ms,
      );
      bc.push(
        (await timed(() => git(['clone', '-q', '--bare', baseUrl, join(work, `${tag}b${i}`)]))).ms,
      );
    }
    return [median(pc), median(bc)];
  };
  const [pc, bc] = await clones('m', 3);
  report('clone after the pushes', pc, bc, '≤ 1.0×');
  await git(['fsck', '--strict', '--no-progress'], join(work, 'mp0'));
  const objects = async (dir: string) =>
    (await git(['count-objects', '-v'], dir)).match(/in-pack: (\d+)/)?.[1];
  const [po, bo] = [await objects(join(work, 'mp0')), await objects(join(work, 'mb0'))];
  console.log(`  objects in the clone: plue ${po}, git http-backend ${bo}`);
  if (po !== bo) throw new Error(`Plue's clone holds ${po} objects, git's ${bo}`);

  const [mf, bf] = await fetchNewCommits(wt, 'fetch', [
    { url: plueUrl, dir: join(work, 'mp0') },
    { url: baseUrl, dir: join(work, 'mb0') },
  ]);
  report('fetch after the pushes', mf, bf, '≤ 1.0×');

  // Right after a rewind, before the repack: the clone is built from a walk of the history.
  const head = (await git(['rev-parse', 'HEAD'], wt)).trim();
  for (const url of [plueUrl, baseUrl]) {
    await git(['push', '-q', '--force', url, `${head}~2:refs/heads/main`], wt);
    await git(['push', '-q', url, `${head}:refs/heads/main`], wt);
  }
  const [ic, ib] = await clones('i', 1);
  report('clone before the repack', ic, ib, 'none; shown');
  await settle();
}

/**
 * Three times: commits in `wt`, pushes the commit to both remotes, then times a fetch of it from
 * each remote into its clone. Returns the median fetch time for each, in the order given.
 */
async function fetchNewCommits(
  wt: string,
  label: string,
  remotes: [{ url: string; dir: string }, { url: string; dir: string }],
): Promise<[number, number]> {
  const times: [number[], number[]] = [[], []];
  for (let i = 0; i < 3; i++) {
    await sh(
      'sh',
      [
        '-c',
        `echo "${label} ${i}" >> README.bench && git add README.bench && git -c user.name=b -c user.email=b@x commit -qm "${label} ${i}"`,
      ],
      { cwd: wt, env: gitEnv },
    );
    for (const r of remotes) await git(['push', '-q', r.url, 'HEAD:refs/heads/main'], wt);
    for (const [k, r] of remotes.entries()) {
      const t = await timed(() => git(['fetch', '-q', r.url, '+refs/heads/*:refs/heads/*'], r.dir));
      times[k as 0 | 1].push(t.ms);
    }
  }
  return [median(times[0]), median(times[1])];
}
