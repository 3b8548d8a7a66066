/**
 * A clone by libgit2 (Debian's python3-pygit2), which speaks only protocol v0/v1, of the
 * benchmark repository from Plue (upload-pack v0 over smart HTTP) against the same clone from
 * git's own `git http-backend`, same machine, alternating, median of 3. libgit2 indexes the pack
 * itself, so the ratio is mostly the server's answer. Goal: as git's clone, ≤ 1.0×.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startStack } from '../scripts/stack';
import { signUp } from '../scripts/clients/auth';
import { startGitHttpBackend } from '../scripts/git-http-backend';
import { BENCH_WORKER_VARS } from './lib/direct';
import { median, report, run as sh, timed } from './lib/measure';
import { benchRepo, fullSize } from './lib/repo';

const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
const git = (args: string[], cwd?: string) => sh('git', args, { cwd, env: gitEnv });
// Debian's interpreter, whose dist-packages hold the pygit2 binding.
const CLONE = [
  '-c',
  'import sys, pygit2; pygit2.clone_repository(sys.argv[1], sys.argv[2], bare=True)',
];
const libgit2Clone = (url: string, dir: string) =>
  sh('/usr/bin/python3', [...CLONE, url, dir], { env: gitEnv });

export async function run(): Promise<void> {
  const src = benchRepo(fullSize() ? {} : { commits: 1000, files: 500 });
  const work = mkdtempSync(join(tmpdir(), 'plue-bench-libgit2-'));
  const stack = await startStack({
    dataDir: join(work, 'plue'),
    port: await freePort(),
    extraVars: BENCH_WORKER_VARS,
  });
  const baseline = await startGitHttpBackend(join(work, 'baseline'));
  try {
    console.log(`\n## libgit2 (pygit2) clone, protocol v0 (repository: ${src})`);
    const user = await signUp(stack.url);
    const token = await user.token(['repo:read', 'repo:write']);
    const res = await fetch(`${stack.url}/api/v1/user/repos`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench' }),
    });
    if (res.status !== 201) throw new Error(`creating the repository failed: ${await res.text()}`);
    const pushUrl = `${stack.url.replace('http://', `http://x:${token}@`)}/${user.user.login}/bench.git`;
    // Public repository: libgit2 clones anonymously, as from the baseline.
    const plueUrl = `${stack.url}/${user.user.login}/bench.git`;
    await git(['push', '-q', pushUrl, 'refs/heads/main:refs/heads/main'], src);
    await git(['init', '-q', '--bare', join(work, 'baseline', 'bench.git')]);
    const baseUrl = `${baseline.url}/bench.git`;
    await git(['push', '-q', baseUrl, 'refs/heads/main:refs/heads/main'], src);

    const pl: number[] = [];
    const base: number[] = [];
    for (let i = 0; i < 3; i++) {
      pl.push((await timed(() => libgit2Clone(plueUrl, join(work, `p${i}`)))).ms);
      base.push((await timed(() => libgit2Clone(baseUrl, join(work, `b${i}`)))).ms);
    }
    report('libgit2 v0 clone (median of 3)', median(pl), median(base), '≤ 1.0×');
    await git(['fsck', '--full', '--no-progress'], join(work, 'p0'));
  } finally {
    await baseline.close();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}
