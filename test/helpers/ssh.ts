/**
 * Driving the real OpenSSH client and git over SSH in tests: a scratch directory with its own
 * HOME and git config, ed25519 keys made by ssh-keygen, an `ssh_config` (OpenSSH reads the
 * passwd home, not $HOME, so the config is passed with -F), and runners that never throw.
 *
 *   const kit = new SshKit();
 *   const key = await kit.keygen('alice');
 *   await kit.git(dir, ['clone', `ssh://git@127.0.0.1:${port}/alice/repo.git`], { port, key });
 */
import { COMPONENT_CREDENTIALS } from '../../common/dev-secret';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBridge, type Bridge } from '../../ssh-bridge/server';
import { keyProof } from './ssh-proof';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SshKey {
  path: string;
  /** `ssh-ed25519 AAAA… comment` */
  publicLine: string;
}

export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

export class SshKit {
  readonly root: string;
  readonly home: string;

  constructor() {
    this.root = mkdtempSync(join(tmpdir(), 'plue-ssh-'));
    this.home = join(this.root, 'home');
    mkdirSync(this.home);
    writeFileSync(
      join(this.home, '.gitconfig'),
      '[user]\n\tname = Plue Test\n\temail = test@plue.invalid\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n',
    );
  }

  /** A new key pair without passphrase (ed25519 unless `type` says otherwise). */
  async keygen(name: string, type = 'ed25519', bits?: number): Promise<SshKey> {
    const path = join(this.root, `key-${name}`);
    const r = await this.run('ssh-keygen', [
      '-q',
      '-t',
      type,
      ...(bits === undefined ? [] : ['-b', String(bits)]),
      '-N',
      '',
      '-C',
      name,
      '-f',
      path,
    ]);
    if (r.code !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
    return { path, publicLine: readFileSync(`${path}.pub`, 'utf8').trim() };
  }

  /** OpenSSH options shared by every invocation: no agent, no known_hosts, no prompts. */
  sshOptions(port: number, key: SshKey): string[] {
    return [
      '-F',
      '/dev/null',
      '-i',
      key.path,
      '-p',
      String(port),
      '-o',
      'IdentitiesOnly=yes',
      '-o',
      'IdentityAgent=none',
      '-o',
      'BatchMode=yes',
      '-o',
      'StrictHostKeyChecking=no',
      '-o',
      'UserKnownHostsFile=/dev/null',
      '-o',
      'LogLevel=ERROR',
    ];
  }

  /** `GIT_SSH_COMMAND` for a key and port. */
  gitSshCommand(port: number, key: SshKey): string {
    return ['ssh', ...this.sshOptions(port, key)].join(' ');
  }

  /** Writes an ssh_config with `Host <alias>` and returns the GIT_SSH_COMMAND that uses it. */
  hostAlias(alias: string, port: number, key: SshKey): string {
    const path = join(this.root, `ssh_config-${alias}`);
    writeFileSync(
      path,
      [
        `Host ${alias}`,
        '  HostName 127.0.0.1',
        `  Port ${port}`,
        '  User git',
        `  IdentityFile ${key.path}`,
        '  IdentitiesOnly yes',
        '  IdentityAgent none',
        '  BatchMode yes',
        '  StrictHostKeyChecking no',
        '  UserKnownHostsFile /dev/null',
        '  LogLevel ERROR',
        '',
      ].join('\n'),
    );
    return `ssh -F ${path}`;
  }

  env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return {
      PATH: process.env.PATH,
      HOME: this.home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      LANG: 'C',
      ...extra,
    };
  }

  /** Runs a program; resolves with its exit code and output, never throws. */
  run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return new Promise((resolve) => {
      const child = execFile(
        cmd,
        args,
        {
          cwd: opts.cwd ?? this.root,
          env: this.env(opts.env),
          timeout: opts.timeoutMs ?? 60_000,
          maxBuffer: 64 * 1024 * 1024,
        },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout: String(stdout), stderr: String(stderr) });
        },
      );
      // The program may exit without reading its input (EPIPE is not the test's concern).
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input ?? '');
    });
  }

  /** git with GIT_SSH_COMMAND set for `port`/`key` (or a given ssh command). */
  git(
    cwd: string,
    args: string[],
    o: { port?: number; key?: SshKey; sshCommand?: string; env?: Record<string, string> } = {},
  ): Promise<RunResult> {
    const ssh = o.sshCommand ?? (o.port && o.key ? this.gitSshCommand(o.port, o.key) : 'false');
    return this.run('git', args, { cwd, env: { GIT_SSH_COMMAND: ssh, ...o.env } });
  }

  /** Like `git`, but throws with stderr when git fails; returns stdout. */
  async gitOk(cwd: string, args: string[], o: Parameters<SshKit['git']>[2] = {}): Promise<string> {
    const r = await this.git(cwd, args, o);
    if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}):\n${r.stderr}`);
    return r.stdout;
  }

  /** `ssh git@127.0.0.1 [command]`. */
  ssh(port: number, key: SshKey, command?: string, extra: string[] = []): Promise<RunResult> {
    const args = [...this.sshOptions(port, key), ...extra, 'git@127.0.0.1'];
    if (command !== undefined) args.push(command);
    return this.run('ssh', args, { timeoutMs: 30_000 });
  }

  /**
   * Starts `ssh … command` with pipes, for tests that talk the protocol by hand; `v2` sends
   * GIT_PROTOCOL=version=2 the way git does.
   */
  spawnSsh(port: number, key: SshKey, command: string, v2 = false) {
    const extra = v2 ? ['-o', 'SendEnv=GIT_PROTOCOL'] : [];
    return spawn('ssh', [...this.sshOptions(port, key), ...extra, 'git@127.0.0.1', command], {
      env: this.env(v2 ? { GIT_PROTOCOL: 'version=2' } : {}),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
  }

  /** A new local repository with `commits` commits on main. */
  async makeRepo(name: string, commits = 2): Promise<string> {
    const dir = join(this.root, name);
    await this.gitOk(this.root, ['init', '-q', '-b', 'main', dir]);
    for (let i = 1; i <= commits; i++)
      await this.commit(dir, `file${i}.txt`, `content ${i}\n`, `commit ${i}`);
    return dir;
  }

  /** Writes a file, commits it, returns the new commit id. */
  async commit(dir: string, path: string, content: string, message: string): Promise<string> {
    writeFileSync(join(dir, path), content);
    await this.gitOk(dir, ['add', path]);
    await this.gitOk(dir, ['commit', '-q', '-m', message]);
    return (await this.gitOk(dir, ['rev-parse', 'HEAD'])).trim();
  }

  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** The test stacks' development bridge credential (loopback, development mode only). */
export const DEV_BRIDGE_SECRET = COMPONENT_CREDENTIALS.bridge.devDefault;

/**
 * Starts an SSH bridge on a free port in front of the Worker at `base`, state under `kit`; its
 * JSON log lines go to `log` (dropped when omitted), for tests that wait on one.
 */
export function startTestBridge(
  kit: SshKit,
  base: string,
  log: (line: string) => void = () => undefined,
): Promise<Bridge> {
  return startBridge({
    upstreamUrl: base,
    secret: DEV_BRIDGE_SECRET,
    dataDir: join(kit.root, 'data'),
    port: 0,
    log,
  });
}

/** The bridge credential's header, as the bridge sends it to the test stack. */
export const BRIDGE = { [COMPONENT_CREDENTIALS.bridge.header]: DEV_BRIDGE_SECRET };

export { keyProof } from './ssh-proof';

/**
 * What the bridge gets for a key it authenticated: the Worker's session ticket for the key's
 * owner (`POST /internal/ssh/lookup` with the bridge's credential and the client's signature).
 */
export async function bridgeTicket(base: string, key: SshKey): Promise<string> {
  const res = await fetch(`${base}/internal/ssh/lookup`, {
    method: 'POST',
    headers: { ...BRIDGE, 'content-type': 'application/json' },
    body: JSON.stringify({
      key: key.publicLine.split(' ').slice(0, 2).join(' '),
      proof: keyProof(key),
    }),
  });
  if (res.status !== 200) throw new Error(`key lookup: HTTP ${res.status} ${await res.text()}`);
  const { ticket } = (await res.json()) as { ticket?: string };
  if (!ticket) throw new Error('key lookup answered no ticket');
  return ticket;
}
