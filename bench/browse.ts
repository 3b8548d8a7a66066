/**
 * Browsing from the edge on a make-repo.py repository (default 10,000 commits / 5,000 files;
 * PLUE_BENCH_QUICK=1: 2,000 / 1,000) pushed into a local stack:
 * - tree, blob and commit pages addressed by commit id: p50 of the first (uncached) request for
 *   distinct objects vs p50 of the same requests again (edge-cached); goal ≥ 10×;
 * - uncached `git/trees/{sha}` and `git/blobs/{sha}` API reads vs `git cat-file --batch` reading
 *   the same objects from the local bare repository, both as one process per read (a forge that
 *   shells out per request) and amortised over one long-lived process; goal ≤ 5×;
 * - the repository home (README + last commit per root entry): first load and cached load.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startStack } from '../scripts/stack';
import { signUp } from '../scripts/clients/auth';
import { BENCH_WORKER_VARS, directWorkerUrl } from './lib/direct';
import { median, run as sh } from './lib/measure';
import { benchRepo, fullSize } from './lib/repo';

const SAMPLES = 15;
const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1' };
const git = (args: string[], cwd?: string) => sh('git', args, { cwd, env: gitEnv });

/**
 * Keep-alive connections and node:http, as a browser reuses its connection: Node's `fetch`
 * (undici) adds 2–4 ms of client work per request on this machine, which would hide the server's
 * difference between a cached and an uncached page.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Time to the last byte of a GET (accepting gzip, as browsers do); throws unless 200. */
function timeGet(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    http
      .get(url, { agent, headers: { 'accept-encoding': 'gzip' } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode !== 200) reject(new Error(`${url}: HTTP ${res.statusCode}`));
          else resolve(performance.now() - t);
        });
      })
      .on('error', reject);
  });
}

/** One `git cat-file --batch` process reading `oids`; returns the wall time. */
function catFileBatch(repo: string, oids: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const p = spawn('git', ['cat-file', '--batch'], { cwd: repo, env: gitEnv });
    p.stdout.on('data', () => undefined);
    p.on('error', reject);
    p.on('exit', () => resolve(performance.now() - t));
    p.stdin.end(oids.join('\n') + '\n');
  });
}

const fmt = (ms: number) => `${ms.toFixed(1).padStart(8)} ms`;

function row(name: string, a: number, b: number, label: string, goal: string): void {
  const ratio = a / b;
  console.log(
    `${name.padEnd(30)} ${fmt(a)}  vs ${fmt(b)}  ${label} ${ratio.toFixed(1)}×  (goal ${goal})`,
  );
}

export async function run(): Promise<void> {
  const src = benchRepo(fullSize() ? {} : { commits: 2000, files: 1000 });
  const work = mkdtempSync(join(tmpdir(), 'plue-bench-browse-'));
  const stack = await startStack({
    dataDir: join(work, 'plue'),
    port: await freePort(),
    extraVars: BENCH_WORKER_VARS,
  });
  try {
    console.log(`\n## browse (repository: ${src})`);
    const user = await signUp(stack.url);
    const token = await user.token(['repo:read', 'repo:write', 'admin']);
    await user.createRepo('bench');
    const remote = `${stack.url.replace('http://', `http://x:${token}@`)}/${user.user.login}/bench.git`;
    await git(['push', '-q', remote, 'refs/heads/main:refs/heads/main'], src);
    // Timings are taken at the Worker's own socket; the front door npm start serves (a byte relay
    // to that socket) is measured beside them for cached pages.
    const direct = await directWorkerUrl(stack.worker.pid as number, stack.wranglerUrl);
    console.log(
      `timed at the Worker's own socket ${direct} (the front door users reach: ${stack.url})`,
    );
    const R = `${direct}/${user.user.login}/bench`;
    const viaDoor = (u: string) => u.replace(direct, stack.url);
    const A = `${direct}/api/v1/repos/${user.user.login}/bench`;

    // Distinct objects to read: directories and files at HEAD, and recent commits.
    const head = (await git(['rev-parse', 'main'], src)).trim();
    const ls = (await git(['ls-tree', '-r', '-t', 'main'], src)).trim().split('\n');
    const entries = ls.map((l) => {
      const [meta = '', path = ''] = l.split('\t');
      const [, type = '', oid = ''] = meta.split(' ');
      return { type, oid, path };
    });
    const pick = <T>(xs: T[], n: number) =>
      xs.filter((_, i) => i % Math.max(1, Math.floor(xs.length / n)) === 0).slice(0, n);
    const dirs = pick(
      entries.filter((e) => e.type === 'tree'),
      SAMPLES,
    );
    const files = pick(
      entries.filter((e) => e.type === 'blob'),
      SAMPLES * 2,
    );
    const commits = (await git(['rev-list', '--max-count', String(SAMPLES * 20), 'main'], src))
      .trim()
      .split('\n');
    const someCommits = pick(commits.slice(1), SAMPLES);

    // The floor: a static asset that touches neither database nor storage.
    const floor: number[] = [];
    const floorDoor: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      floor.push(await timeGet(`${direct}/static/style.css`));
      floorDoor.push(await timeGet(`${stack.url}/static/style.css`));
    }
    console.log(
      `request floor (static asset p50): ${fmt(median(floor))} at the Worker, ${fmt(median(floorDoor))} through the front door`,
    );

    // Repository home: first load (nothing cached) and cached.
    const homeFirst = await timeGet(R);
    await new Promise((r) => setTimeout(r, 300));
    const again: number[] = [];
    for (let i = 0; i < 5; i++) again.push(await timeGet(R));
    const homeCached = median(again);
    console.log(
      `repository home (last commit per entry): first load ${fmt(homeFirst)}, cached ${fmt(homeCached)}`,
    );

    // Pages by commit id: first (uncached) vs again (edge-cached).
    const pages: Array<[string, string[]]> = [
      ['tree page', dirs.map((d) => `${R}/tree/${head}/${d.path}`)],
      ['blob page', files.slice(0, SAMPLES).map((f) => `${R}/blob/${head}/${f.path}`)],
      ['commit page', someCommits.map((c) => `${R}/commit/${c}`)],
    ];
    for (const [name, urls] of pages) {
      const cold: number[] = [];
      for (const u of urls) cold.push(await timeGet(u));
      await new Promise((r) => setTimeout(r, 300)); // let waitUntil cache writes land
      const warm: number[] = [];
      const warmDoor: number[] = [];
      for (const u of urls) {
        warm.push(await timeGet(u));
        warmDoor.push(await timeGet(viaDoor(u)));
      }
      row(`${name} p50 (uncached/cached)`, median(cold), median(warm), 'speed-up', '≥ 10×');
      console.log(
        `${''.padEnd(30)} cached through the front door: ${fmt(median(warmDoor))} (${(median(cold) / median(warmDoor)).toFixed(1)}×)`,
      );
    }

    // Uncached API reads vs git cat-file --batch on the same objects.
    const apiCases: Array<[string, string[], (oid: string) => string]> = [
      [
        'tree API read',
        pick(
          entries.filter((e) => e.type === 'tree'),
          SAMPLES * 2,
        )
          .slice(SAMPLES)
          .map((e) => e.oid),
        (o) => `${A}/git/trees/${o}`,
      ],
      ['blob API read', files.slice(SAMPLES).map((f) => f.oid), (o) => `${A}/git/blobs/${o}`],
    ];
    for (const [name, oids, url] of apiCases) {
      const plue: number[] = [];
      for (const o of oids) plue.push(await timeGet(url(o)));
      const perProcess: number[] = [];
      for (const o of oids) perProcess.push(await catFileBatch(src, [o]));
      const batch = (await catFileBatch(src, oids)) / oids.length;
      row(`${name} p50 (plue/cat-file)`, median(plue), median(perProcess), 'ratio', '≤ 5×');
      console.log(
        `${''.padEnd(30)} cat-file amortised over one process: ${fmt(batch)} per object (ratio ${(median(plue) / batch).toFixed(0)}×)`,
      );
    }
  } finally {
    agent.destroy();
    await stack.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
