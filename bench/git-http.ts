/**
 * git over HTTPS against git's own `git http-backend`, same machine, same repository
 * (make-repo.py defaults: 10,000 commits, ~5,000 files, ~103 MiB pack):
 * push of the full history, full clone, fetch of one new commit; and the Worker's peak memory
 * during a push (the isolate's heap + ArrayBuffers: the live set on untimed pushes of this and of
 * the small repository, and the peak with garbage during the timed push; the process RSS). Goals (issue 5): clone ≤ 1.5×, fetch ≤ 2×,
 * push ≤ 2×, memory not growing with pack size.
 * Then many small pushes (PLUE_BENCH_PUSHES, default 500, one commit each, on the small bench
 * repository): clone and fetch of that repository against the same history pushed as one pack,
 * both served by Plue. Goal: ≤ 1.5× (compaction keeps the pack count down).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startStack } from '../scripts/stack';
import { signUp } from '../test/helpers/auth';
import { startGitHttpBackend } from './lib/git-http-backend';
import { sampleIsolate } from './lib/isolate-memory';
import { median, mib, report, run as sh, sampleRss, timed } from './lib/measure';
import { BENCH_WORKER_VARS } from './lib/direct';
import { benchRepo, fullSize } from './lib/repo';

const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
const git = (args: string[], cwd?: string) => sh('git', args, { cwd, env: gitEnv });

export async function run(): Promise<void> {
  const src = benchRepo(fullSize() ? {} : { commits: 1000, files: 500 });
  const work = mkdtempSync(join(tmpdir(), 'plue-bench-git-'));
  const stack = await startStack({
    dataDir: join(work, 'plue'),
    port: await freePort(),
    extraVars: BENCH_WORKER_VARS,
  });
  const baseline = await startGitHttpBackend(join(work, 'baseline'));
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
    const plueUrl = await createRepo('bench');
    await git(['init', '-q', '--bare', join(work, 'baseline', 'bench.git')]);
    const baseUrl = `${baseline.url}/bench.git`;

    // Push of the full history.
    const rss = sampleRss(stack.worker.pid as number, 'workerd');
    const isolate = await sampleIsolate(stack.inspectorPort);
    const plPush = await timed(() =>
      git(['push', '-q', plueUrl, 'refs/heads/main:refs/heads/main'], src),
    );
    const peak = rss.stop();
    const isolatePeak = (await isolate.stop()).peak;
    const basePush = await timed(() =>
      git(['push', '-q', baseUrl, 'refs/heads/main:refs/heads/main'], src),
    );
    report('push full history', plPush.ms, basePush.ms, '≤ 2×');

    // Full clone.
    const plClone = await timed(() =>
      git(['clone', '-q', '--bare', plueUrl, join(work, 'c-plue')]),
    );
    const baseClone = await timed(() =>
      git(['clone', '-q', '--bare', baseUrl, join(work, 'c-base')]),
    );
    report('full clone', plClone.ms, baseClone.ms, '≤ 1.5×');
    await git(['fsck', '--full', '--no-progress'], join(work, 'c-plue'));

    // Fetch of one new commit, three times.
    const wt = join(work, 'wt');
    await git(['clone', '-q', src, wt]);
    const [pf, bf] = await fetchNewCommits(wt, 'bench', [
      { url: plueUrl, dir: join(work, 'c-plue') },
      { url: baseUrl, dir: join(work, 'c-base') },
    ]);
    report('fetch one new commit (median of 3)', pf, bf, '≤ 2×');
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
    await manySmallPushes(work, createRepo);
  } finally {
    await baseline.close();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Clone and fetch of a repository built by many one-commit pushes, against the same history
 * pushed at once (a single pack), both on Plue.
 */
async function manySmallPushes(
  work: string,
  createRepo: (name: string) => Promise<string>,
): Promise<void> {
  const pushes = Number(process.env.PLUE_BENCH_PUSHES ?? 500);
  const small = benchRepo({ commits: 1000, files: 500 });
  const manyUrl = await createRepo('many');
  const singleUrl = await createRepo('single');
  const wt = join(work, 'wt-many');
  await git(['clone', '-q', small, wt]);
  await git(['push', '-q', manyUrl, 'HEAD:refs/heads/main'], wt);
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
  const t0 = performance.now();
  for (const c of commits) await git(['push', '-q', manyUrl, `${c}:refs/heads/main`], wt);
  const pushMs = performance.now() - t0;
  await git(['push', '-q', singleUrl, 'HEAD:refs/heads/main'], wt);
  console.log(
    `\n## ${commits.length} one-commit pushes (on ${small}): ${(pushMs / commits.length).toFixed(0)} ms per push`,
  );

  // Clones, alternating, median of 3.
  const mc: number[] = [];
  const sc: number[] = [];
  for (let i = 0; i < 3; i++) {
    mc.push((await timed(() => git(['clone', '-q', '--bare', manyUrl, join(work, `m${i}`)]))).ms);
    sc.push((await timed(() => git(['clone', '-q', '--bare', singleUrl, join(work, `s${i}`)]))).ms);
  }
  report('clone, many pushes vs one pack', median(mc), median(sc), '≤ 1.5×');
  await git(['fsck', '--full', '--no-progress'], join(work, 'm0'));

  // Fetch of one new commit into the first clones, median of 3.
  const [mf, sf] = await fetchNewCommits(wt, 'fetch', [
    { url: manyUrl, dir: join(work, 'm0') },
    { url: singleUrl, dir: join(work, 's0') },
  ]);
  report('fetch, many pushes vs one pack', mf, sf, '≤ 1.5×');
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
