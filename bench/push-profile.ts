/**
 * A CPU profile of the Worker isolate during one push of the benchmark repository, taken over the
 * DevTools protocol `wrangler dev` exposes: starts the stack, pushes the full history (timed, at
 * the front door and at the Worker's own socket), and prints the functions with the most self
 * time. A tool to find where a push's time goes inside workerd, not a ratio benchmark
 * (`tsx bench/push-profile.ts`; `PLUE_BENCH_QUICK=1` for the small repository;
 * `PLUE_PROFILE_OUT=file.cpuprofile` keeps the profile for DevTools).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startStack } from '../scripts/stack';
import { signUp } from '../scripts/clients/auth';
import { run as sh, timed } from './lib/measure';
import { BENCH_WORKER_VARS, directWorkerUrl } from './lib/direct';
import { childCpuMs, treeCpuMs } from './lib/process-cpu';
import { sampleIsolate } from './lib/isolate-memory';
import { startGitHttpBackend } from '../scripts/git-http-backend';
import { benchRepo, fullSize } from './lib/repo';
import { inspector, summarise, type Profile } from './lib/cpu-profile';

async function main(): Promise<void> {
  const src = benchRepo(fullSize() ? {} : { commits: 1000, files: 500 });
  const work = mkdtempSync(join(tmpdir(), 'plue-push-profile-'));
  const stack = await startStack({
    dataDir: join(work, 'plue'),
    port: await freePort(),
    extraVars: BENCH_WORKER_VARS,
    ...(process.env.PLUE_PROFILE_LOGS ? { stdio: 'inherit' as const } : {}),
  });
  mkdirSync(join(work, 'base'));
  const baseline = await startGitHttpBackend(join(work, 'base'));
  const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
  try {
    const user = await signUp(stack.url);
    const token = await user.token(['repo:read', 'repo:write']);
    const direct = await directWorkerUrl(stack.worker.pid as number, stack.wranglerUrl);
    const urlOf = async (base: string, name: string) => {
      await user.createRepo(name);
      return `${base.replace('http://', `http://x:${token}@`)}/${user.user.login}/${name}.git`;
    };
    const push = (url: string) =>
      timed(() =>
        sh('git', ['push', '-q', url, 'refs/heads/main:refs/heads/main'], {
          cwd: src,
          env: gitEnv,
        }),
      );
    // Warm-up, then the unprofiled figures at both sockets.
    if (process.env.PLUE_PROFILE_WARM !== '0') await push(await urlOf(direct, 'warm'));
    const workerd = () => treeCpuMs(stack.worker.pid as number, 'workerd');
    const measured = async (label: string, url: string, sample = false) => {
      const [w0, c0] = [workerd(), childCpuMs()];
      // The heap sampling the git bench does during its timed push (isolate-memory.ts).
      const sampler = sample ? await sampleIsolate(stack.inspectorPort) : undefined;
      const t = await push(url);
      await sampler?.stop();
      const [w, c] = [workerd() - w0, childCpuMs() - c0];
      console.log(
        `${label.padEnd(28)} ${(t.ms / 1000).toFixed(2)} s   workerd cpu ${(w / 1000).toFixed(2)} s   git/children cpu ${(c / 1000).toFixed(2)} s`,
      );
    };
    for (let i = 0; i < Number(process.env.PLUE_PROFILE_ROUNDS ?? 1); i++) {
      await sh('git', ['init', '-q', '--bare', join(work, 'base', `b${i}.git`)]);
      await measured('git http-backend', `${baseline.url}/b${i}.git`);
      await measured('plue via the front door', await urlOf(stack.url, `p${i}`));
      await measured('plue at the Worker socket', await urlOf(direct, `d${i}`));
      if (process.env.PLUE_PROFILE_SAMPLE === '1')
        await measured('plue, heap sampled', await urlOf(stack.url, `s${i}`), true);
    }
    const url = await urlOf(direct, 'profiled');
    const ins = await inspector(stack.inspectorPort);
    await ins.call('Profiler.enable');
    await ins.call('Profiler.setSamplingInterval', { interval: 500 });
    await ins.call('Profiler.start');
    const t = await push(url);
    const { profile } = (await ins.call('Profiler.stop')) as { profile: Profile };
    ins.close();
    console.log(`profiled push: ${(t.ms / 1000).toFixed(2)} s`);
    if (process.env.PLUE_PROFILE_OUT)
      writeFileSync(process.env.PLUE_PROFILE_OUT, JSON.stringify(profile));
    summarise(profile);
  } finally {
    await baseline.close();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
