/**
 * Outbound network for a step that asks for it, without the host's network: the step runs in a
 * network namespace of its own (made by the local backend), slirp4netns gives it a user-mode
 * uplink (a tap device whose traffic slirp re-issues as ordinary sockets on the host), and an
 * nftables filter inside the namespace rejects every destination that is not the public
 * internet: loopback, link-local (169.254.0.0/16, the cloud metadata address), RFC 1918,
 * CGNAT, multicast and reserved ranges, every address of this host's own interfaces, and all
 * of IPv6 (slirp4netns runs without IPv6). The step cannot change the filter: it has no
 * capabilities in the user namespace that owns its network namespace (bwrap runs it in a nested
 * one, with every capability dropped). slirp4netns itself runs
 * with --disable-host-loopback, so its gateway address is not a way to the host's loopback
 * either. DNS goes to slirp's resolver (10.0.2.3), which forwards to the host's.
 *
 * Why slirp4netns and not pasta: Debian 12's passt is a 2023 snapshot, and slirp4netns is the
 * uplink rootless Podman and Docker have used for years; neither filters destinations itself,
 * hence the nftables filter.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { Readable, Writable } from 'node:stream';

/** slirp4netns's fixed addresses in its default 10.0.2.0/24 network. */
export const SLIRP_DNS = '10.0.2.3';

/**
 * IPv4 destinations a networked step may never reach (besides the host's own addresses):
 * "this network", RFC 1918, CGNAT (RFC 6598), loopback, link-local with 169.254.169.254,
 * IETF protocol assignments, benchmarking (RFC 2544), multicast, reserved and broadcast.
 */
export const BLOCKED_IPV4 = [
  '0.0.0.0/8',
  '10.0.0.0/8',
  '100.64.0.0/10',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '172.16.0.0/12',
  '192.0.0.0/24',
  '192.168.0.0/16',
  '198.18.0.0/15',
  '224.0.0.0/4',
  '240.0.0.0/4',
];

export interface StepNetworkTools {
  slirp4netns: string;
  unshare: string;
  nft: string;
  ip: string;
}

export const DEFAULT_NETWORK_TOOLS: StepNetworkTools = {
  slirp4netns: '/usr/bin/slirp4netns',
  unshare: '/usr/bin/unshare',
  nft: '/usr/sbin/nft',
  ip: '/usr/sbin/ip',
};

const CIDR_V4 = /^(\d{1,3}(?:\.\d{1,3}){3})(?:\/(\d{1,2}))?$/;

/** Whether `s` is an IPv4 address or IPv4 CIDR (so it can go into a ruleset verbatim). */
export function isIPv4Cidr(s: string): boolean {
  const m = CIDR_V4.exec(s);
  if (!m?.[1] || !isIPv4(m[1])) return false;
  return m[2] === undefined || Number(m[2]) <= 32;
}

/** IPv4 addresses of this host's interfaces (each one a way to the host's own services). */
export function hostIPv4Addresses(): string[] {
  const out = new Set<string>();
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4') out.add(a.address);
  }
  return [...out];
}

/**
 * The nftables ruleset loaded into a networked step's namespace. Everything leaving through
 * anything but the namespace's own loopback is checked: DNS to slirp's resolver passes, the
 * `blocked` IPv4 ranges and all IPv6 are rejected (admin-prohibited, so connect() fails at
 * once instead of timing out).
 */
export function netfilterRuleset(blocked: readonly string[]): string {
  for (const b of blocked) {
    if (!isIPv4Cidr(b)) throw new Error(`not an IPv4 address or CIDR: ${JSON.stringify(b)}`);
  }
  if (blocked.length === 0) throw new Error('netfilterRuleset: nothing to block');
  return [
    'table inet plue_step {',
    '  chain output {',
    '    type filter hook output priority 0; policy accept;',
    '    oifname "lo" accept',
    `    ip daddr ${SLIRP_DNS} udp dport 53 accept`,
    `    ip daddr ${SLIRP_DNS} tcp dport 53 accept`,
    `    ip daddr { ${blocked.join(', ')} } reject with icmpx type admin-prohibited`,
    '    meta nfproto ipv6 reject with icmpx type admin-prohibited',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Reads bwrap's --info-fd JSON (sent once the sandbox is set up) and returns its child-pid. */
export function readBwrapChildPid(info: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (err: Error | undefined, pid?: number): void => {
      info.off('data', onData);
      info.off('end', onEnd);
      info.off('error', onError);
      if (err) reject(err);
      else resolve(pid as number);
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('utf8');
      if (text.length > 64 * 1024) return done(new Error('bwrap --info-fd: too much output'));
      try {
        const parsed = JSON.parse(text) as { 'child-pid'?: unknown };
        const pid = parsed['child-pid'];
        if (typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 1) done(undefined, pid);
        else done(new Error(`bwrap --info-fd: no child-pid in ${JSON.stringify(text)}`));
      } catch {
        // Not complete yet.
      }
    };
    const onEnd = (): void =>
      done(new Error(`bwrap ended before reporting its sandbox (${JSON.stringify(text)})`));
    const onError = (err: Error): void => done(err);
    info.on('data', onData);
    info.on('end', onEnd);
    info.on('error', onError);
  });
}

/**
 * The argv prefix that makes a networked step's namespace and prepares it before the rest of
 * the argv (setpriv/bwrap) runs in it: `unshare --net` (as root: the namespace then belongs to
 * the initial user namespace; otherwise inside a new user namespace where this user is root),
 * then, inside, loopback up and the filter from `rulesFile` loaded. The filter is in place
 * before the step exists and before the uplink does, so no packet ever leaves unfiltered.
 */
export function isolatedNetworkArgv(opts: {
  tools: StepNetworkTools;
  asRoot: boolean;
  rulesFile: string;
}): string[] {
  const { tools } = opts;
  return [
    tools.unshare,
    ...(opts.asRoot ? [] : ['--user', '--map-root-user']),
    '--net',
    '/bin/sh',
    '-c',
    '"$1" link set lo up && "$2" -f "$3" || { echo "plue: cannot set up the step\'s network" >&2; exit 125; }; shift 3; exec "$@"',
    'plue-net',
    tools.ip,
    tools.nft,
    opts.rulesFile,
  ];
}

/** A running uplink; close() stops slirp4netns. */
export interface StepNetwork {
  close(): Promise<void>;
}

export interface AttachOptions {
  tools?: StepNetworkTools;
  /**
   * The controller is root and the namespace belongs to the initial user namespace: join only
   * the network namespace. Otherwise also join the user namespace that owns it (`pid`'s own).
   */
  asRoot: boolean;
  /** Give up on slirp4netns after this long. */
  readyTimeoutMs?: number;
}

/**
 * Attaches the slirp4netns uplink to the network namespace of `pid` (bwrap, already filtered
 * by isolatedNetworkArgv, its step still held on --block-fd). On failure nothing is left running.
 */
export async function attachStepNetwork(pid: number, opts: AttachOptions): Promise<StepNetwork> {
  const tools = opts.tools ?? DEFAULT_NETWORK_TOOLS;
  const slirp = spawn(
    tools.slirp4netns,
    [
      '--configure',
      '--mtu=65520',
      '--disable-host-loopback',
      // As root: a private mount namespace and every capability but NET_BIND_SERVICE dropped.
      // Not root, it already runs unprivileged (and its sandbox fails where setgroups is denied).
      ...(opts.asRoot ? ['--enable-sandbox'] : []),
      '--enable-seccomp',
      '--ready-fd=3',
      '--exit-fd=4',
      ...(opts.asRoot ? [] : [`--userns-path=/proc/${pid}/ns/user`]),
      '--netns-type=path',
      `/proc/${pid}/ns/net`,
      'tap0',
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'] },
  );
  const exitPipe = slirp.stdio[4] as Writable;
  exitPipe.on('error', () => undefined);
  const close = (): Promise<void> => stopSlirp(slirp, exitPipe);
  try {
    await waitReady(slirp, opts.readyTimeoutMs ?? 10_000);
  } catch (err) {
    await close();
    throw err;
  }
  return { close };
}

function waitReady(slirp: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    slirp.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 4096) stderr += d.toString('utf8');
    });
    const ready = slirp.stdio[3] as Readable;
    const timer = setTimeout(
      () => finish(new Error(`slirp4netns not ready after ${timeoutMs} ms: ${stderr.trim()}`)),
      timeoutMs,
    );
    let settled = false;
    const finish = (err?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    ready.on('data', (d: Buffer) => {
      if (d.includes(0x31 /* '1' */)) finish();
    });
    ready.on('error', () => undefined);
    slirp.on('error', (err) => finish(new Error(`cannot start slirp4netns: ${err.message}`)));
    slirp.on('exit', (code, sig) =>
      finish(
        new Error(`slirp4netns exited (${sig ?? code}) before it was ready: ${stderr.trim()}`),
      ),
    );
  });
}

async function stopSlirp(slirp: ChildProcess, exitPipe: Writable): Promise<void> {
  if (slirp.exitCode !== null || slirp.signalCode !== null) return;
  const exited = new Promise<void>((r) => slirp.once('exit', () => r()));
  // Closing --exit-fd is slirp4netns's own way to stop; SIGKILL if it does not.
  exitPipe.destroy();
  const timer = setTimeout(() => slirp.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}
