/**
 * One push creating many branches (issue 21): BENCH_REFS (default 10,000; 2,000 with
 * PLUE_BENCH_QUICK=1) new refs, each pointing at a commit the server already has, pushed over
 * HTTPS with the real git client to Plue (front door of the `npm start` stack) and to git's own
 * `git http-backend` in the same run; prints both times, the ratio and how many refs git
 * reported ok. PLUE_PROFILE=1 also prints the Worker isolate's top self time during Plue's push.
 * Then (unless BENCH_CONTROLLER=0) a runner controller evaluates the pushes' events (a one-step
 * `push()` workflow): the time until every event has its run, and how many evaluator sandboxes
 * that took (one per workflow file and commit, up to 1,001 events each).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startStack } from '../scripts/stack';
import { signUp } from '../scripts/clients/auth';
import { startGitHttpBackend } from '../scripts/git-http-backend';
import { run as sh, timed } from './lib/measure';
import { BENCH_WORKER_VARS } from './lib/direct';
import { startProfile, summarise } from './lib/cpu-profile';
import { fullSize } from './lib/repo';
import { rawCreateRefs } from './lib/raw-receive-pack';
import { BenchApi, RecordingBackend } from './lib/workflow-clients';
import { COMPONENT_CREDENTIALS } from '../common/dev-secret';
import { startController } from '../runner-controller/controller/controller';
import { LocalBackend } from '../runner-controller/sandbox/local';

const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
const git = (args: string[], cwd: string) => sh('git', args, { cwd, env: gitEnv });
const WORKFLOW = `from plue import workflow, push

@workflow(triggers=[push()])
def ci(ctx):
    ctx.run(name="say", cmd="echo hi")
`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** A repository with `commits` commits on main and `refs` branches `many/NNNNN` over them. */
export async function manyRefsRepo(dir: string, commits: number, refs: number): Promise<string[]> {
  await git(['init', '-q', '-b', 'main', dir], tmpdir());
  mkdirSync(join(dir, '.plue', 'workflows'), { recursive: true });
  writeFileSync(join(dir, '.plue', 'workflows', 'ci.py'), WORKFLOW);
  await git(['add', '.plue'], dir);
  const oids: string[] = [];
  for (let i = 0; i < commits; i++) {
    await sh('sh', ['-c', `printf '%s\\n' "$1" > f.txt`, 'sh', `line ${i}`], { cwd: dir });
    await git(['add', 'f.txt'], dir);
    await git(['-c', 'user.name=b', '-c', 'user.email=b@x', 'commit', '-qm', `c${i}`], dir);
    oids.push((await git(['rev-parse', 'HEAD'], dir)).trim());
  }
  const lines = Array.from(
    { length: refs },
    (_, i) => `create refs/heads/many/${String(i).padStart(5, '0')} ${oids[i % oids.length]}\n`,
  );
  await sh('sh', ['-c', 'git update-ref --stdin < "$1"', 'sh', writeTemp(dir, lines.join(''))], {
    cwd: dir,
  });
  return oids;
}

function writeTemp(dir: string, text: string): string {
  const path = join(dir, '.git', 'many-refs.txt');
  writeFileSync(path, text);
  return path;
}

/** Every `many/*` branch in one `git push`; returns its time and how many refs git reported ok. */
async function gitPush(src: string, url: string): Promise<{ ms: number; ok: number }> {
  const t = await timed(() =>
    git(['push', '--porcelain', url, 'refs/heads/many/*:refs/heads/many/*'], src),
  );
  const ok = t.value.split('\n').filter((l) => /^\*\t/.test(l)).length;
  return { ms: t.ms, ok };
}

const line = (label: string, r: { ms: number; ok: number }, n: number) =>
  console.log(`${label.padEnd(44)} ${s(r.ms).padStart(9)}   ${r.ok}/${n} ok`);

/** Starts a controller and times until `events` runs exist (every event evaluated). */
async function evaluateAll(url: string, owner: string, api: BenchApi, events: number) {
  const backend = new RecordingBackend(new LocalBackend());
  const t0 = performance.now();
  const controller = await startController({
    url,
    secret: COMPONENT_CREDENTIALS.controller.devDefault,
    concurrency: 1,
    backend,
    repoOwner: owner,
    log: () => undefined,
  });
  try {
    for (;;) {
      const r = await api.get<{ total_count: number }>('/actions/runs?per_page=1');
      if (r.total_count >= events) break;
      if (performance.now() - t0 > 1_800_000) throw new Error(`only ${r.total_count} runs`);
      await new Promise((done) => setTimeout(done, 500));
    }
    const ms = performance.now() - t0;
    const evaluations = backend.calls.filter((c) => c.kind === 'evaluate').length;
    console.log(
      `${events} push events evaluated and reported: ${s(ms)} (${((events * 1000) / ms).toFixed(0)} events/s), ${evaluations} evaluator sandbox(es)`,
    );
  } finally {
    await controller.stop({ abandon: true });
  }
}

export async function run(): Promise<void> {
  const refs = Number(process.env.BENCH_REFS ?? (fullSize() ? 10_000 : 2_000));
  const withClient = process.env.BENCH_GIT_CLIENT !== '0';
  console.log(`\n## many-refs: one push creating ${refs} branches at existing commits`);
  const work = mkdtempSync(join(tmpdir(), 'plue-many-refs-'));
  const src = join(work, 'src');
  const oids = await manyRefsRepo(src, 20, withClient ? refs : 0);
  const stack = await startStack({
    dataDir: join(work, 'plue'),
    port: await freePort(),
    databaseUrl: process.env.DATABASE_URL,
    extraVars: BENCH_WORKER_VARS,
    ...(process.env.PLUE_PROFILE_LOGS ? { stdio: 'inherit' as const } : {}),
  });
  mkdirSync(join(work, 'base'));
  const baseline = await startGitHttpBackend(join(work, 'base'));
  try {
    await git(['init', '-q', '--bare', join(work, 'base', 'b.git')], work);
    const baseUrl = `${baseline.url}/b.git`;
    const user = await signUp(stack.url);
    const token = await user.token(['repo:read', 'repo:write']);
    await user.createRepo('many');
    const repoUrl = `${stack.url}/${user.user.login}/many.git`;
    const plueUrl = repoUrl.replace('http://', `http://x:${token}@`);
    for (const url of [baseUrl, plueUrl]) await git(['push', '-q', url, 'main'], src);
    // The server's share: one receive-pack request written directly (raw-receive-pack.ts).
    const raw = Array.from({ length: refs }, (_, i): [string, string] => [
      `refs/heads/raw/${String(i).padStart(5, '0')}`,
      oids[i % oids.length] ?? '',
    ]);
    const rawBase = await rawCreateRefs(baseUrl, raw);
    line('git http-backend, request without git client', rawBase, refs);
    const profile =
      process.env.PLUE_PROFILE === '1' ? await startProfile(stack.inspectorPort) : undefined;
    const rawPlue = await rawCreateRefs(repoUrl, raw, token);
    line('plue, request without git client', rawPlue, refs);
    if (rawPlue.ng.length) console.log(`  refused: ${rawPlue.ng.join('; ')}`);
    console.log(
      `ratio plue / git http-backend (server only): ${(rawPlue.ms / rawBase.ms).toFixed(2)}`,
    );
    if (profile) summarise(await profile.stop(), 25);
    if (withClient) {
      const base = await gitPush(src, baseUrl);
      line('git http-backend, git push', base, refs);
      const plue = await gitPush(src, plueUrl);
      line('plue, git push', plue, refs);
      console.log(`ratio plue / git http-backend (git push): ${(plue.ms / base.ms).toFixed(2)}`);
    }
    if (process.env.BENCH_CONTROLLER !== '0') {
      const api = new BenchApi(stack.url, `${user.user.login}/many`, token);
      await evaluateAll(stack.url, user.user.login, api, 1 + refs * (withClient ? 2 : 1));
    }
  } finally {
    await baseline.close();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
