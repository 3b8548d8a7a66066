/**
 * The `local` backend: each step runs under bubblewrap on this host (design note §2.3–2.6).
 * As root it first drops to an unprivileged uid with setpriv (as root, bwrap's user namespace
 * maps the step to host root and the workspace handling goes wrong), and places the step in
 * per-step cgroups (memory, pids) through a tiny `sh` wrapper that writes its own PID into
 * `cgroup.procs` before exec'ing setpriv → bwrap, so every descendant inherits the limits.
 * bwrap runs with --die-with-parent in a new PID namespace: killing the outer bwrap kills the
 * whole tree; the cgroup sweep is the backstop. The spawned process gets exactly the step's
 * environment, never the controller's.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { bwrapArgs } from './bwrap-args';
import { StepCgroup } from './cgroup';
import { runProcess } from './spawn-step';
import {
  SANDBOX_PATH,
  SANDBOX_WORKSPACE,
  type RunResult,
  type RunSpec,
  type SandboxBackend,
} from './types';

const exec = promisify(execFile);

export interface LocalBackendOptions {
  bwrap?: string;
  setpriv?: string;
  /** uid/gid the step runs as when the controller is root. */
  uid?: number;
  gid?: number;
  /** Limit on processes per step (cgroup pids controller), where writable. */
  pidsMax?: number;
  /** Between SIGTERM and SIGKILL on timeout/cancel. */
  killGraceMs?: number;
}

/** Makes per-step cgroup names unique within this process (with a random suffix across processes). */
let counter = 0;

export class LocalBackend implements SandboxBackend {
  readonly name = 'local';
  private readonly bwrap: string;
  private readonly setpriv: string;
  private readonly uid: number;
  private readonly gid: number;
  private readonly pidsMax: number;
  private readonly killGraceMs: number;
  private readonly asRoot = process.getuid?.() === 0;
  private etcDir: string | undefined;

  constructor(opts: LocalBackendOptions = {}) {
    this.bwrap = opts.bwrap ?? '/usr/bin/bwrap';
    this.setpriv = opts.setpriv ?? '/usr/bin/setpriv';
    this.uid = opts.uid ?? 1001;
    this.gid = opts.gid ?? 1001;
    this.pidsMax = opts.pidsMax ?? 2048;
    this.killGraceMs = opts.killGraceMs ?? 2000;
  }

  async check(): Promise<{ ok: boolean; detail: string }> {
    let version: string;
    try {
      version = (await exec(this.bwrap, ['--version'], { timeout: 5000 })).stdout.trim();
    } catch (err) {
      return { ok: false, detail: `bubblewrap not usable at ${this.bwrap}: ${String(err)}` };
    }
    const ws = mkdtempSync(join(tmpdir(), 'plue-check-'));
    let out = '';
    try {
      const res = await this.run({
        cmd: 'id -u && ls /proc | grep -c "^[0-9]"',
        cwd: ws,
        env: {},
        timeoutMs: 10_000,
        memoryBytes: 64 * 1024 * 1024,
        network: false,
        onOutput: (_s, chunk) => {
          out += Buffer.from(chunk).toString();
        },
      });
      if (res.exitCode !== 0) {
        return { ok: false, detail: `${version}: smoke test exited ${res.exitCode}: ${out}` };
      }
    } catch (err) {
      return { ok: false, detail: `${version}: smoke test failed: ${String(err)}` };
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
    const cg = StepCgroup.open(`plue-check-${process.pid}`, {});
    const limits = cg ? 'cgroup v1 memory/pids limits' : 'no cgroup limits (not writable)';
    await cg?.close();
    const [uid] = out.split('\n');
    return { ok: true, detail: `${version}, steps run as uid ${uid}, ${limits}` };
  }

  async run(spec: RunSpec): Promise<RunResult> {
    const etcDir = this.ensureEtc();
    if (this.asRoot) await this.ownWorkspace(spec.cwd);
    const inner = [
      this.bwrap,
      ...bwrapArgs({
        workspace: spec.cwd,
        workspaceReadOnly: spec.workspaceReadOnly ?? false,
        network: spec.network,
        mounts: spec.mounts ?? [],
        etcDir,
        cmd: spec.cmd,
      }),
    ];
    const dropped = this.asRoot
      ? [
          this.setpriv,
          `--reuid=${this.uid}`,
          `--regid=${this.gid}`,
          '--clear-groups',
          '--inh-caps=-all',
          '--bounding-set=-all',
          ...inner,
        ]
      : inner;
    const cgroup = StepCgroup.open(
      `plue-step-${process.pid}-${++counter}-${randomBytes(4).toString('hex')}`,
      {
        ...(spec.memoryBytes !== undefined ? { memoryBytes: spec.memoryBytes } : {}),
        pidsMax: this.pidsMax,
      },
    );
    const argv = cgroup
      ? [
          '/bin/sh',
          '-c',
          'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"',
          'plue-cgroup',
          ...cgroup.procsFiles(),
          '--',
          ...dropped,
        ]
      : dropped;
    const env = { ...spec.env, PATH: SANDBOX_PATH, HOME: SANDBOX_WORKSPACE };
    try {
      // cwd '/': the wrapper shell would otherwise export the controller's directory as $PWD.
      const outcome = await runProcess(spec, {
        argv,
        env,
        cwd: '/',
        killGraceMs: this.killGraceMs,
      });
      const oomKilled = cgroup ? cgroup.oomKills() > 0 : false;
      return { ...outcome, ...(cgroup ? { oomKilled } : {}) };
    } finally {
      await cgroup?.close();
    }
  }

  /** Remove the generated /etc files (the backend can still be used: they are made again). */
  close(): void {
    if (this.etcDir) rmSync(this.etcDir, { recursive: true, force: true });
    this.etcDir = undefined;
  }

  /** The step's uid must own the workspace, or it cannot write (or, for a 0700 dir, read) it. */
  private async ownWorkspace(dir: string): Promise<void> {
    const st = statSync(dir);
    if (st.uid === this.uid && st.gid === this.gid) return;
    await exec('chown', ['-R', `${this.uid}:${this.gid}`, dir], { timeout: 120_000 });
  }

  /** passwd/group/hosts for the sandbox, generated once per backend. */
  private ensureEtc(): string {
    if (this.etcDir) return this.etcDir;
    const dir = mkdtempSync(join(tmpdir(), 'plue-sandbox-etc-'));
    chmodSync(dir, 0o755);
    const uid = this.asRoot ? this.uid : (process.getuid?.() ?? this.uid);
    const gid = this.asRoot ? this.gid : (process.getgid?.() ?? this.gid);
    writeFileSync(
      join(dir, 'passwd'),
      `root:x:0:0:root:/root:/bin/sh\nrunner:x:${uid}:${gid}:runner:${SANDBOX_WORKSPACE}:/bin/sh\n` +
        'nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n',
      { mode: 0o644 },
    );
    writeFileSync(join(dir, 'group'), `root:x:0:\nrunner:x:${gid}:\nnogroup:x:65534:\n`, {
      mode: 0o644,
    });
    writeFileSync(join(dir, 'hosts'), '127.0.0.1 localhost sandbox\n::1 localhost\n', {
      mode: 0o644,
    });
    this.etcDir = dir;
    return dir;
  }
}
