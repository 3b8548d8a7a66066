/**
 * The `local` backend: each step runs under bubblewrap on this host (docs/design/sandbox.md
 * §2.3–2.6). As root it first drops to an unprivileged uid with setpriv (as root, bwrap's user
 * namespace maps the step to host root and the workspace handling goes wrong), and places the step
 * in per-step cgroups (memory, pids, cpu; v1 or v2, cgroup.ts) through a tiny `sh` wrapper that writes its own PID into
 * `cgroup.procs` before exec'ing setpriv → bwrap, so every descendant inherits the limits. bwrap
 * runs with --die-with-parent in a new PID namespace: killing the outer bwrap kills the whole tree;
 * the cgroup sweep is the backstop. The step gets exactly its own environment, never the
 * controller's, and only inside the sandbox: bwrap reads it from a pipe, while every process before
 * it (which may run as root) has PATH alone. A step with `network` still gets a network namespace
 * of its own: `unshare --net` (with a user namespace when not root) makes it and loads its filter
 * before bwrap starts in it, and bwrap holds the step on --block-fd until step-network.ts has
 * attached a slirp4netns uplink (no host loopback, link-local, private or host addresses get
 * through the filter).
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Readable, Writable } from 'node:stream';
import { bwrapArgs } from './bwrap-args';
import { LIMIT_KINDS, probeLimits, StepCgroup, type LimitSupport } from './cgroup';
import { watchWorkspace, type DiskWatch } from './disk-watch';
import { runProcess } from './spawn-step';
import {
  attachStepNetwork,
  BLOCKED_IPV4,
  DEFAULT_NETWORK_TOOLS,
  hostIPv4Addresses,
  isolatedNetworkArgv,
  netfilterRuleset,
  readBwrapChildPid,
  SLIRP_DNS,
  type StepNetwork,
  type StepNetworkTools,
} from './step-network';
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
  /**
   * Most bytes a step's workspace may hold before the step is stopped (disk-watch.ts; default:
   * PLUE_STEP_DISK_MB, else 10 GiB; 0: no limit).
   */
  workspaceMaxBytes?: number;
  /** Between SIGTERM and SIGKILL on timeout/cancel. */
  killGraceMs?: number;
  /** slirp4netns, unshare, nft and ip, for steps with network. */
  networkTools?: StepNetworkTools;
  /**
   * IPv4 addresses/CIDRs networked steps may not reach, on top of the built-in private,
   * loopback, link-local and reserved ranges and this host's own addresses (default: the
   * comma-separated PLUE_SANDBOX_BLOCKED_NETS).
   */
  blockedNets?: string[];
}

/** fds of the bwrap process for --args, --info-fd and --block-fd (0–2 are stdio). */
const ARGS_FD = 3;
const INFO_FD = 4;
const BLOCK_FD = 5;
/**
 * The whole environment of the processes that run outside the sandbox (cgroup wrapper, unshare,
 * the network setup, setpriv, bwrap itself): as root they are root on the host, so nothing of
 * the step's may reach them (LD_PRELOAD of a file in the workspace would be code run as root).
 */
const HOST_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

/** The pipe at `fd` of a child spawned with extraPipes (Node types `stdio` as five entries). */
function extraPipe<T>(child: ChildProcess, fd: number): T {
  return (child.stdio as readonly unknown[])[fd] as T;
}

/** The step's abort signal, also aborted when its workspace passes its size limit. */
function stopSignal(spec: RunSpec, disk: DiskWatch): AbortSignal {
  return spec.signal ? AbortSignal.any([spec.signal, disk.signal]) : disk.signal;
}

/** Makes per-step cgroup names unique within this process (with a random suffix across processes). */
let counter = 0;

export class LocalBackend implements SandboxBackend {
  readonly name = 'local';
  readonly supportsStdin = true;
  private readonly bwrap: string;
  private readonly setpriv: string;
  private readonly uid: number;
  private readonly gid: number;
  private readonly pidsMax: number;
  private readonly workspaceMaxBytes: number;
  private readonly killGraceMs: number;
  private readonly networkTools: StepNetworkTools;
  private readonly blockedNets: string[];
  private readonly asRoot = process.getuid?.() === 0;
  private etcDir: string | undefined;
  /** Which limits hold here, found by `check()`. */
  limitSupport: LimitSupport | undefined;

  constructor(opts: LocalBackendOptions = {}) {
    this.bwrap = opts.bwrap ?? '/usr/bin/bwrap';
    this.setpriv = opts.setpriv ?? '/usr/bin/setpriv';
    this.uid = opts.uid ?? 1001;
    this.gid = opts.gid ?? 1001;
    this.pidsMax = opts.pidsMax ?? 2048;
    const diskMb = Number(process.env.PLUE_STEP_DISK_MB ?? 10 * 1024);
    this.workspaceMaxBytes =
      opts.workspaceMaxBytes ?? (Number.isFinite(diskMb) && diskMb >= 0 ? diskMb * 1024 ** 2 : 0);
    this.killGraceMs = opts.killGraceMs ?? 2000;
    this.networkTools = opts.networkTools ?? DEFAULT_NETWORK_TOOLS;
    this.blockedNets =
      opts.blockedNets ??
      (process.env.PLUE_SANDBOX_BLOCKED_NETS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
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
    this.limitSupport = probeLimits();
    const held = LIMIT_KINDS.filter((k) => this.limitSupport?.problems[k] === undefined);
    const limits =
      held.length === 0
        ? 'no cgroup limits (not writable)'
        : `cgroup v${this.limitSupport.version} ${held.join('/')} limits`;
    const [uid] = out.split('\n');
    const network = await this.checkNetwork();
    return { ok: true, detail: `${version}, steps run as uid ${uid}, ${limits}; ${network}` };
  }

  async run(spec: RunSpec): Promise<RunResult> {
    const etcDir = this.ensureEtc();
    if (this.asRoot) await this.ownWorkspace(spec.cwd);
    // Not root, with network: bwrap starts as root of the step's own user namespace
    // (isolatedNetworkArgv), so it is told which uid/gid the step keeps.
    const ids =
      spec.network && !this.asRoot
        ? { uid: process.getuid?.() ?? this.uid, gid: process.getgid?.() ?? this.gid }
        : {};
    const inner = [
      this.bwrap,
      ...bwrapArgs({
        workspace: spec.cwd,
        workspaceReadOnly: spec.workspaceReadOnly ?? false,
        network: spec.network,
        mounts: spec.mounts ?? [],
        etcDir,
        cmd: spec.cmd,
        ...ids,
        argsFd: ARGS_FD,
        ...(spec.network ? { infoFd: INFO_FD, blockFd: BLOCK_FD } : {}),
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
    // The step's own network namespace with its filter, made before the uid drop; as root it
    // belongs to the initial user namespace, so nothing in the sandbox holds a capability over it.
    const rulesFile = spec.network ? this.writeRules(etcDir) : undefined;
    const isolated = rulesFile
      ? [
          ...isolatedNetworkArgv({ tools: this.networkTools, asRoot: this.asRoot, rulesFile }),
          ...dropped,
        ]
      : dropped;
    const cgroup = StepCgroup.open(
      `plue-step-${process.pid}-${++counter}-${randomBytes(4).toString('hex')}`,
      {
        ...(spec.memoryBytes !== undefined ? { memoryBytes: spec.memoryBytes } : {}),
        pidsMax: spec.pidsMax ?? this.pidsMax,
        ...(spec.cpus !== undefined ? { cpus: spec.cpus } : {}),
      },
    );
    const limitsNotHeld = LIMIT_KINDS.flatMap((k) => {
      const why = cgroup.missing[k];
      return why === undefined ? [] : [`${k} limit not applied: ${why}`];
    });
    const argv =
      cgroup.procsFiles().length > 0
        ? [
            '/bin/sh',
            '-c',
            'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"',
            'plue-cgroup',
            ...cgroup.procsFiles(),
            '--',
            ...isolated,
          ]
        : isolated;
    // The step's environment goes to bwrap alone, through a pipe (--args): not in argv, which
    // anyone can list, and not in the environment of the wrappers, which run as root.
    const env = { ...spec.env, PATH: SANDBOX_PATH, HOME: SANDBOX_WORKSPACE };
    const envArgs = ['--clearenv', ...Object.entries(env).flatMap(([k, v]) => ['--setenv', k, v])];
    let uplink: StepNetwork | undefined;
    const disk =
      this.workspaceMaxBytes > 0 && !spec.workspaceReadOnly
        ? watchWorkspace(spec.cwd, this.workspaceMaxBytes)
        : undefined;
    try {
      // cwd '/': the wrapper shell would otherwise export the controller's directory as $PWD.
      const outcome = await runProcess(disk ? { ...spec, signal: stopSignal(spec, disk) } : spec, {
        argv,
        env: HOST_ENV,
        cwd: '/',
        killGraceMs: this.killGraceMs,
        extraPipes: spec.network ? 3 : 1,
        onSpawn: async (child) => {
          const args = extraPipe<Writable>(child, ARGS_FD);
          args.on('error', () => undefined);
          args.end(Buffer.from(envArgs.map((a) => `${a}\0`).join(''), 'utf8'));
          if (spec.network) uplink = await this.attachUplink(child);
        },
      });
      const pidsRefused = cgroup.pidsRefusals();
      const diskExceededBytes = disk?.exceededAt;
      return {
        ...outcome,
        ...(diskExceededBytes !== undefined
          ? { diskExceededBytes, cancelled: spec.signal?.aborted === true }
          : {}),
        oomKilled: cgroup.oomKills() > 0,
        ...(pidsRefused > 0 ? { pidsRefused } : {}),
        ...(limitsNotHeld.length > 0 ? { limitsNotHeld } : {}),
      };
    } finally {
      disk?.stop();
      await uplink?.close();
      await cgroup.close();
      if (rulesFile) rmSync(rulesFile, { force: true });
    }
  }

  /**
   * Once bwrap reports, the exec chain (cgroup wrapper → unshare → filter → setpriv → bwrap) is
   * done and the spawned PID is bwrap, in the step's namespace: attach the uplink, then let the
   * step go.
   */
  private async attachUplink(child: ChildProcess): Promise<StepNetwork> {
    const info = extraPipe<Readable>(child, INFO_FD);
    const block = extraPipe<Writable>(child, BLOCK_FD);
    // EPIPE and the like when bwrap dies: the step's outcome says what happened.
    info.on('error', () => undefined);
    block.on('error', () => undefined);
    let uplink: StepNetwork;
    try {
      await readBwrapChildPid(info);
      if (child.pid === undefined) throw new Error('bwrap has no PID');
      uplink = await attachStepNetwork(child.pid, {
        tools: this.networkTools,
        asRoot: this.asRoot,
      });
    } catch (err) {
      throw new Error(`cannot set up the step's network: ${(err as Error).message}`, {
        cause: err,
      });
    }
    block.end('1');
    return uplink;
  }

  /** The step's nftables ruleset, in a file of its own (this host's addresses can change). */
  private writeRules(etcDir: string): string {
    const file = join(etcDir, `net-${++counter}-${randomBytes(4).toString('hex')}.nft`);
    const rules = netfilterRuleset([...BLOCKED_IPV4, ...hostIPv4Addresses(), ...this.blockedNets]);
    writeFileSync(file, rules, { mode: 0o600 });
    return file;
  }

  /** Whether networked steps work here: a step that reads its own interfaces and routes. */
  private async checkNetwork(): Promise<string> {
    const ws = mkdtempSync(join(tmpdir(), 'plue-check-'));
    let out = '';
    try {
      const res = await this.run({
        cmd: 'cat /proc/net/route',
        cwd: ws,
        env: {},
        timeoutMs: 10_000,
        network: true,
        onOutput: (_s, chunk) => {
          out += Buffer.from(chunk).toString();
        },
      });
      if (res.exitCode === 0 && /\btap0\b/.test(out)) {
        return 'networked steps: own namespace, slirp4netns uplink, private ranges filtered';
      }
      return `networked steps will fail: probe exited ${res.exitCode}: ${out.trim()}`;
    } catch (err) {
      return `networked steps will fail: ${(err as Error).message}`;
    } finally {
      rmSync(ws, { recursive: true, force: true });
    }
  }

  /** Remove the generated /etc files (the backend can still be used: they are made again). */
  close(): void {
    if (this.etcDir) rmSync(this.etcDir, { recursive: true, force: true });
    this.etcDir = undefined;
  }

  /**
   * Makes a fresh workspace ready for steps ahead of them (the controller calls it once the
   * checkout is there, off the push → first log line path): as root, hands it to the steps' uid.
   */
  async prepareWorkspace(dir: string): Promise<void> {
    if (this.asRoot) await this.ownWorkspace(dir);
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
    writeFileSync(join(dir, 'resolv.conf'), `nameserver ${SLIRP_DNS}\n`, { mode: 0o644 });
    this.etcDir = dir;
    return dir;
  }
}
