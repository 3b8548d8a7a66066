/**
 * Running the real git CLI in tests: an isolated HOME and config per test directory, no
 * credential prompts, and helpers to build small repositories.
 */
import { execFile, type ExecFileOptions } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class GitSandbox {
  readonly root: string;
  readonly home: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'plue-git-'));
    this.home = join(this.root, 'home');
    mkdirSync(this.home);
    writeFileSync(
      join(this.home, '.gitconfig'),
      '[user]\n\tname = Plue Test\n\temail = test@plue.invalid\n[init]\n\tdefaultBranch = main\n[protocol]\n\tversion = 2\n[advice]\n\tdetachedHead = false\n',
    );
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: this.home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_ASKPASS: '/bin/false',
      LANG: 'C',
      ...extra,
    };
  }

  /** Runs git; never throws on a non-zero exit (tests assert on `code`). */
  git(
    cwd: string,
    args: string[],
    opts: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {},
  ): Promise<GitResult> {
    const o: ExecFileOptions = {
      cwd,
      env: this.env(opts.env),
      timeout: opts.timeoutMs ?? 60_000,
      maxBuffer: 64 * 1024 * 1024,
    };
    return new Promise((resolve) => {
      const child = execFile('git', args, o, (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      });
      if (opts.input !== undefined) child.stdin?.end(opts.input);
    });
  }

  /** Like `git`, but throws with stderr when git fails. */
  async ok(
    cwd: string,
    args: string[],
    opts: { env?: Record<string, string>; input?: string } = {},
  ): Promise<string> {
    const r = await this.git(cwd, args, opts);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r.stdout;
  }

  /** A new working repository with `commits` commits on main. */
  async makeRepo(name: string, commits = 3): Promise<string> {
    const dir = join(this.root, name);
    await this.ok(this.root, ['init', '-q', '-b', 'main', dir]);
    for (let i = 1; i <= commits; i++)
      await this.commitFile(dir, `file${i % 3}.txt`, `content ${i}\n`.repeat(i), `commit ${i}`);
    return dir;
  }

  async commitFile(dir: string, path: string, content: string, message: string): Promise<string> {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    await this.ok(dir, ['add', path]);
    await this.ok(dir, ['commit', '-q', '-m', message]);
    return (await this.ok(dir, ['rev-parse', 'HEAD'])).trim();
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** `http://user:token@host:port/owner/repo.git` for a base URL. */
export function remoteUrl(baseUrl: string, owner: string, repo: string, token?: string): string {
  const u = new URL(`${baseUrl}/${owner}/${repo}.git`);
  if (token) {
    u.username = 'x';
    u.password = token;
  }
  return u.toString();
}
