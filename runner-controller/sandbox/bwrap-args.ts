/**
 * Builds the bubblewrap argv for one step (docs/design/sandbox.md §2.3): every namespace unshared
 * (a networked step keeps the network namespace bwrap is started in, which the local backend made
 * for that step alone with `unshare`, never the host's), a read-only /usr with the usual symlinks,
 * a minimal /etc, private /tmp, /proc and /dev, the workspace as the only writable host path, no
 * capabilities, a new session (no TIOCSTI into a tty) and death with the parent. The environment is
 * not passed in argv (argv is visible to anyone who can list processes) nor in bwrap's own
 * environment: the caller writes `--clearenv --setenv K V …` to the `argsFd` pipe, which bwrap
 * reads as arguments.
 */
import { existsSync } from 'node:fs';
import { SANDBOX_WORKSPACE, type ReadOnlyMount } from './types';

/** Host files from /etc that common programs need; none of them holds secrets. */
const ETC_FILES = [
  'ld.so.cache',
  'ld.so.conf',
  'ld.so.conf.d',
  'alternatives',
  'ssl',
  'ca-certificates',
  'nsswitch.conf',
  'localtime',
  'protocols',
  'services',
  'mime.types',
  'gitconfig',
];
/** Only with network access: name resolution (resolv.conf is generated: slirp's resolver). */
const ETC_NETWORK_FILES = ['gai.conf', 'host.conf'];

export interface BwrapArgsInput {
  workspace: string;
  workspaceReadOnly: boolean;
  network: boolean;
  mounts: ReadOnlyMount[];
  /** A pipe bwrap reads more arguments from (NUL-separated): the step's environment. */
  argsFd?: number;
  /** Directory with the generated passwd/group/hosts/resolv.conf for the sandbox. */
  etcDir: string;
  /**
   * bwrap reports the sandbox as JSON on this fd once it is set up, and waits for a byte on
   * `blockFd` before it runs the command (so a networked step's uplink is attached first).
   */
  infoFd?: number;
  blockFd?: number;
  /** uid/gid of the step inside its user namespace (when bwrap starts as root of one). */
  uid?: number;
  gid?: number;
  cmd: string;
}

export function bwrapArgs(input: BwrapArgsInput): string[] {
  const args = [
    // First, so the environment it sets (--clearenv, --setenv) is in place before anything else.
    ...(input.argsFd !== undefined ? ['--args', String(input.argsFd)] : []),
    '--unshare-all',
    // Only inside the step's own network namespace (local.ts); never the host's.
    ...(input.network ? ['--share-net'] : []),
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'sandbox',
    '--ro-bind',
    '/usr',
    '/usr',
  ];
  for (const [link, target] of [
    ['/bin', 'usr/bin'],
    ['/sbin', 'usr/sbin'],
    ['/lib', 'usr/lib'],
    ['/lib64', 'usr/lib64'],
    ['/lib32', 'usr/lib32'],
  ] as const) {
    if (existsSync(link)) args.push('--symlink', target, link);
  }
  const etc = [...ETC_FILES, ...(input.network ? ETC_NETWORK_FILES : [])];
  for (const name of etc) args.push('--ro-bind-try', `/etc/${name}`, `/etc/${name}`);
  for (const name of ['passwd', 'group']) {
    args.push('--ro-bind', `${input.etcDir}/${name}`, `/etc/${name}`);
  }
  args.push('--ro-bind', `${input.etcDir}/hosts`, '/etc/hosts');
  if (input.network) args.push('--ro-bind', `${input.etcDir}/resolv.conf`, '/etc/resolv.conf');
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');
  args.push(
    input.workspaceReadOnly ? '--ro-bind' : '--bind',
    input.workspace,
    SANDBOX_WORKSPACE,
    '--chdir',
    SANDBOX_WORKSPACE,
  );
  for (const m of input.mounts) args.push('--ro-bind', m.source, m.target);
  if (input.uid !== undefined) args.push('--uid', String(input.uid));
  if (input.gid !== undefined) args.push('--gid', String(input.gid));
  if (input.infoFd !== undefined) args.push('--info-fd', String(input.infoFd));
  if (input.blockFd !== undefined) args.push('--block-fd', String(input.blockFd));
  args.push('--', '/bin/sh', '-c', input.cmd);
  return args;
}
