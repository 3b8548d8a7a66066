/**
 * git over SSH through the bridge vs git over HTTPS, both against the same Worker, same run,
 * same repository (make-repo.py defaults; `PLUE_BENCH_QUICK=1` for `--commits 1000 --files 500` instead of its
 * defaults): full clone time (median of 5 alternating runs after a warm-up), 50 parallel SSH
 * clones (all must succeed), and the bridge process's memory idle and at peak. Goal (issue 6):
 * SSH ≤ 1.15× HTTPS. The bridge runs as it is deployed: the single-file esbuild bundle the
 * Dockerfile builds, on plain Node (under the tsx dev loader its V8 heap runs a mark-compact
 * every few MiB of a clone, costing ~0.3 s per 100 MiB). The bridge and the HTTPS clones reach
 * the Worker at its own socket (bench/lib/direct.ts), not through wrangler dev's reload proxy.
 * The database is embedded PGlite, or a scratch database on the PostgreSQL server at DATABASE_URL
 * when that is set. For reference, the same clone over OpenSSH's own server (sshd + git
 * upload-pack) when /usr/sbin/sshd exists: git over SSH's cost on this machine, whoever serves it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ROOT } from '../scripts/node22';
import { freePort, startStack } from '../scripts/stack';
import { signUp } from '../scripts/clients/auth';
import { scratchDatabase } from '../scripts/clients/scratch-database';
import { median, mib, report, run as sh, sampleRss, timed } from './lib/measure';
import { BENCH_WORKER_VARS, directWorkerUrl } from './lib/direct';
import { startOpenSsh } from './lib/openssh-server';
import { benchRepo, fullSize } from './lib/repo';

/** 50 per the issue; PLUE_BENCH_SSH_PARALLEL overrides it for quick looks. */
const PARALLEL = Number(process.env.PLUE_BENCH_SSH_PARALLEL ?? 50);

/**
 * Bundles `ssh-bridge/main.ts` into `out` the way ssh-bridge/Dockerfile does, with ssh2's native
 * crypto add-on beside it when it builds here; says which.
 */
async function bundleBridge(out: string): Promise<void> {
  await sh(join(ROOT, 'node_modules/.bin/esbuild'), [
    join(ROOT, 'ssh-bridge/main.ts'),
    '--bundle',
    '--platform=node',
    '--target=node22',
    '--format=cjs',
    '--external:cpu-features',
    '--external:*.node',
    '--log-level=warning',
    `--outfile=${out}`,
  ]);
  try {
    await sh('sh', [join(ROOT, 'ssh-bridge/build-native.sh'), dirname(out), process.execPath]);
    console.log("ssh-bridge: ssh2's native crypto add-on built (as in the container image)");
  } catch (err) {
    console.log(
      `ssh-bridge: without ssh2's native crypto add-on (${String(err).trim().split('\n').pop()?.slice(0, 200)})`,
    );
  }
}

/** Starts the bundled bridge as its own process (so its memory is its own) and waits for it. */
async function startBridgeProcess(
  bundle: string,
  env: Record<string, string>,
  port: number,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [bundle], {
    cwd: ROOT,
    env: { ...process.env, ...env, PLUE_SSH_PORT: String(port) },
    stdio: ['ignore', process.env.PLUE_BENCH_VERBOSE ? 'inherit' : 'ignore', 'inherit'],
  });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error('the SSH bridge did not start');
}

/** Current RSS of the bridge process. */
async function rssOfTree(root: number): Promise<number> {
  const s = sampleRss(root, 'node', 10);
  await new Promise((r) => setTimeout(r, 50));
  return s.stop();
}

export async function run(): Promise<void> {
  const src = benchRepo(fullSize() ? {} : { commits: 1000, files: 500 });
  const work = mkdtempSync(join(tmpdir(), 'plue-bench-ssh-'));
  // Embedded PGlite by default; a scratch database on the server at DATABASE_URL when set.
  const server = process.env.DATABASE_URL;
  const scratch = server ? await scratchDatabase(server) : undefined;
  const stack = await startStack({
    dataDir: join(work, 'plue'),
    port: await freePort(),
    extraVars: BENCH_WORKER_VARS,
    databaseUrl: scratch?.url,
  });
  // The Worker's error lines (LOG_LEVEL=warn keeps only warnings and errors), shown when a clone fails.
  const workerErrors: string[] = [];
  const keepErrors = (d: Buffer): void => {
    for (const line of d.toString().split('\n')) {
      if (/error/i.test(line)) workerErrors.push(line.slice(0, 400));
    }
    workerErrors.splice(0, Math.max(0, workerErrors.length - 200));
  };
  stack.worker.stdout?.on('data', keepErrors);
  stack.worker.stderr?.on('data', keepErrors);
  let bridge: ChildProcess | undefined;
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', HOME: work };
  const git = (args: string[], cwd?: string, extra: Record<string, string> = {}) =>
    sh('git', args, { cwd, env: { ...env, ...extra } });
  try {
    console.log(
      `\n## git over SSH vs HTTPS through the same Worker (repository: ${src}; database: ${server ? 'PostgreSQL at DATABASE_URL' : 'embedded PGlite'})`,
    );
    const user = await signUp(stack.url);
    const token = await user.token(['repo:read', 'repo:write', 'admin']);
    const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
    const created = await fetch(`${stack.url}/api/v1/user/repos`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ name: 'bench' }),
    });
    if (created.status !== 201)
      throw new Error(`creating the repository failed: ${await created.text()}`);
    const keyPath = join(work, 'id_ed25519');
    await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', keyPath]);
    const added = await fetch(`${stack.url}/api/v1/user/keys`, {
      method: 'POST',
      headers: user.headers,
      body: JSON.stringify({ title: 'bench', key: readFileSync(`${keyPath}.pub`, 'utf8').trim() }),
    });
    if (added.status !== 201) throw new Error(`adding the SSH key failed: ${await added.text()}`);

    // Both transports reach the Worker at its own socket, as in production: wrangler dev's public
    // port is a reload proxy that re-sends each request to the Worker and, when that connection
    // drops, retries GETs but answers a POST (an SSH command's ls-refs or fetch) with HTTP 500.
    const direct = await directWorkerUrl(stack.worker.pid as number, stack.wranglerUrl);
    const sshPort = await freePort();
    const bundle = join(work, 'ssh-bridge.cjs');
    await bundleBridge(bundle);
    bridge = await startBridgeProcess(
      bundle,
      { PLUE_URL: direct, PLUE_DATA_DIR: join(work, 'bridge') },
      sshPort,
    );
    const sshCommand = `ssh -F /dev/null -i ${keyPath} -p ${sshPort} -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`;
    const sshEnv = { GIT_SSH_COMMAND: sshCommand };
    const httpsUrl = `${direct.replace('http://', `http://x:${token}@`)}/${user.user.login}/bench.git`;
    const sshUrl = `ssh://git@127.0.0.1:${sshPort}/${user.user.login}/bench.git`;

    await git(['push', '-q', httpsUrl, 'refs/heads/main:refs/heads/main'], src);
    const idle = await rssOfTree(bridge.pid as number);

    // Full clone: one warm-up each, then alternating runs so both see the same machine state.
    let n = 0;
    const clone = (url: string, extra: Record<string, string> = {}) =>
      git(['clone', '-q', '--bare', url, join(work, `c${n++}`)], undefined, extra);
    await clone(httpsUrl);
    await clone(sshUrl, sshEnv);
    const httpsMs: number[] = [];
    const sshMs: number[] = [];
    const failures: string[] = [];
    // A failed clone is reported, not fatal: the figures of the others still stand.
    const attempt = async (into: number[], label: string, fn: () => Promise<unknown>) => {
      try {
        into.push((await timed(fn)).ms);
      } catch (err) {
        failures.push(`${label}: ${String(err).slice(0, 300)}`);
      }
    };
    const rss = sampleRss(bridge.pid as number, 'node');
    for (let i = 0; i < 5; i++) {
      await attempt(httpsMs, 'https', () => clone(httpsUrl));
      await attempt(sshMs, 'ssh', () => clone(sshUrl, sshEnv));
    }
    const singlePeak = rss.stop();
    report('full clone, SSH vs HTTPS (median of 5)', median(sshMs), median(httpsMs), '≤ 1.15×');
    for (const f of failures) console.log(`  failed clone (${f})`);

    // The same clone over OpenSSH's own server (sshd + git upload-pack on the bare repository):
    // what git over SSH costs on this machine whoever serves it.
    const openssh = await startOpenSsh(join(work, 'sshd'), await freePort(), `${keyPath}.pub`);
    if (openssh) {
      try {
        // The port comes from the URL here (ssh takes the first -p it is given).
        const osEnv = { GIT_SSH_COMMAND: sshCommand.replace(` -p ${sshPort} `, ' ') };
        const osMs: number[] = [];
        const bridgeMs: number[] = [];
        await clone(openssh.urlFor(src), osEnv);
        for (let i = 0; i < 3; i++) {
          await attempt(osMs, 'openssh', () => clone(openssh.urlFor(src), osEnv));
          await attempt(bridgeMs, 'ssh', () => clone(sshUrl, sshEnv));
        }
        report(
          'full clone, SSH vs OpenSSH sshd (median of 3)',
          median(bridgeMs),
          median(osMs),
          'for reference',
        );
        console.log(
          `  (OpenSSH's sshd + git: ${(median(osMs) / 1000).toFixed(2)} s, ${(median(osMs) / median(httpsMs)).toFixed(2)}× Plue over HTTPS)`,
        );
      } finally {
        openssh.close();
      }
    } else {
      console.log('OpenSSH baseline skipped: no /usr/sbin/sshd (apt-get install openssh-server)');
    }
    for (let i = 0; i < n; i++) rmSync(join(work, `c${i}`), { recursive: true, force: true });

    // Parallel clones through one bridge.
    const prss = sampleRss(bridge.pid as number, 'node');
    const t0 = performance.now();
    const results = await Promise.allSettled(
      Array.from({ length: PARALLEL }, (_, i) =>
        git(['clone', '-q', '--bare', sshUrl, join(work, `p${i}`)], undefined, sshEnv),
      ),
    );
    const parallelMs = performance.now() - t0;
    const parallelPeak = prss.stop();
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    console.log(
      `${PARALLEL} parallel SSH clones: ${ok}/${PARALLEL} succeeded in ${(parallelMs / 1000).toFixed(2)} s (goal: all succeed)`,
    );
    const failed = results.find((r) => r.status === 'rejected');
    if (failed && failed.status === 'rejected') {
      console.log(`  first failure: ${String(failed.reason).slice(0, 300)}`);
      const distinct = [...new Set(workerErrors.map((l) => l.replace(/\d+/g, 'N')))];
      console.log(`  Worker error lines: ${workerErrors.length}; kinds (digits as N):`);
      for (const l of distinct.slice(0, 5)) console.log(`    ${l}`);
    }
    console.log(
      `ssh-bridge RSS: idle ${mib(idle)}, peak during single clones ${mib(singlePeak)}, peak during ${PARALLEL} parallel clones ${mib(parallelPeak)}`,
    );
  } finally {
    bridge?.kill('SIGTERM');
    await stack.stop();
    await scratch?.drop();
    rmSync(work, { recursive: true, force: true });
  }
}
