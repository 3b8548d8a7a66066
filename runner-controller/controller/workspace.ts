/**
 * Checks a repository out at one commit into a fresh temporary workspace, over smart HTTP from
 * the Worker: an empty repository (written here, as `git init` would), the commit fetched one
 * deep by this process into `git index-pack` (fetch-commit.ts; `git fetch --depth 1` when that
 * answer cannot be read), then `git checkout --detach`, with the
 * job's own credential as HTTP Basic (`run-<id>:<run token>` or `event-<id>:<event token>`),
 * which reads that job's repository and nothing else, while the job is held; never the
 * controller's secret, and never as a user. The credential goes through git's environment
 * config (GIT_CONFIG_*), never the command line, and git runs with no user or system config, so
 * nothing of it is left in the workspace's `.git`.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchCommit, FetchProtocolError } from './fetch-commit';

export interface CheckoutOptions {
  baseUrl: string;
  /** The job whose token reads the repository (the claim's run or event). */
  job: { kind: 'run' | 'event'; id: number; token: string };
  /** owner/name */
  repo: string;
  sha: string;
  /** Parent directory for workspaces (default: the OS temp directory). */
  dataDir?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Workspace {
  dir: string;
  /** The commit checked out (a tag object is peeled to it). */
  commit: string;
  remove(): void;
}

function git(
  cwd: string,
  args: string[],
  env: Record<string, string>,
  opts: { timeoutMs: number; signal?: AbortSignal | undefined },
): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      {
        cwd,
        env,
        timeout: opts.timeoutMs,
        maxBuffer: 4 * 1024 * 1024,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
      (err, stdout, stderr) => {
        if (err)
          reject(new Error(`git ${args[0] ?? ''} failed: ${String(stderr).trim() || err.message}`));
        else resolve(String(stdout));
      },
    );
  });
}

/**
 * What `git init` makes that git needs (HEAD, config, objects/, refs/), written here: one git
 * process fewer on the push → first log line path. No hooks, no sample files, no description.
 */
function initRepository(dir: string): void {
  const gitDir = join(dir, '.git');
  for (const sub of ['objects/info', 'objects/pack', 'refs/heads', 'refs/tags', 'info']) {
    mkdirSync(join(gitDir, sub), { recursive: true });
  }
  writeFileSync(join(gitDir, 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(
    join(gitDir, 'config'),
    '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n' +
      '\tlogallrefupdates = true\n',
  );
}

/** Fetches `sha` of `repo` into a new directory; the caller removes it when done. */
export async function checkout(opts: CheckoutOptions): Promise<Workspace> {
  const parent = opts.dataDir ?? tmpdir();
  const dir = mkdtempSync(join(parent, 'plue-ws-'));
  chmodSync(dir, 0o755);
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const basic = Buffer.from(`${opts.job.kind}-${opts.job.id}:${opts.job.token}`).toString('base64');
  const headers = [`Authorization: Basic ${basic}`];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/false',
    LANG: 'C',
    GIT_CONFIG_COUNT: String(headers.length + 1),
    GIT_CONFIG_KEY_0: 'protocol.version',
    GIT_CONFIG_VALUE_0: '2',
  };
  headers.forEach((h, i) => {
    env[`GIT_CONFIG_KEY_${i + 1}`] = 'http.extraHeader';
    env[`GIT_CONFIG_VALUE_${i + 1}`] = h;
  });
  const o = { timeoutMs: opts.timeoutMs ?? 120_000, signal: opts.signal };
  try {
    const url = `${opts.baseUrl.replace(/\/+$/, '')}/${opts.repo}.git`;
    initRepository(dir);
    const signal = AbortSignal.any([
      AbortSignal.timeout(o.timeoutMs),
      ...(opts.signal ? [opts.signal] : []),
    ]);
    let target = opts.sha;
    try {
      await fetchCommit({ url, authorization: `Basic ${basic}`, sha: opts.sha, dir, env, signal });
    } catch (err) {
      // An answer this process could not read: git's own fetch has the last word.
      if (!(err instanceof FetchProtocolError)) throw err;
      await git(dir, ['fetch', '-q', '--no-tags', '--depth', '1', url, opts.sha], env, o);
      target = 'FETCH_HEAD';
    }
    await git(dir, ['checkout', '-q', '--detach', target], env, o);
    // A detached HEAD holds the commit id itself (a tag was peeled by the checkout): no
    // `git rev-parse` process on the push → first line path.
    const commit = readFileSync(join(dir, '.git', 'HEAD'), 'utf8').trim();
    if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(commit))
      throw new Error(`checkout left HEAD at ${commit}`);
    return { dir, commit, remove };
  } catch (err) {
    remove();
    throw err;
  }
}
