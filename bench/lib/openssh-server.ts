/**
 * OpenSSH's own server (`sshd` + `git upload-pack`) on a loopback port, serving local bare
 * repositories to one key: the git-over-SSH baseline for the SSH benchmark, when the machine has
 * `/usr/sbin/sshd` (Debian package openssh-server; the bench says so when it is missing).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { run as sh } from './measure';

const SSHD = '/usr/sbin/sshd';

export interface OpenSshServer {
  port: number;
  /** `ssh://user@127.0.0.1:port` + an absolute repository path. */
  urlFor(repoPath: string): string;
  close(): void;
}

/** Starts sshd under `dir` on `port` accepting `publicKeyFile`; undefined without sshd. */
export async function startOpenSsh(
  dir: string,
  port: number,
  publicKeyFile: string,
): Promise<OpenSshServer | undefined> {
  if (!existsSync(SSHD)) return undefined;
  mkdirSync(dir, { recursive: true });
  mkdirSync('/run/sshd', { recursive: true }); // privilege separation directory
  const hostKey = join(dir, 'host_ed25519');
  await sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', hostKey]);
  writeFileSync(join(dir, 'authorized_keys'), readFileSync(publicKeyFile), { mode: 0o600 });
  writeFileSync(
    join(dir, 'sshd_config'),
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${hostKey}`,
      `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PermitRootLogin prohibit-password',
      'StrictModes no',
      'UsePAM no',
      'AcceptEnv GIT_PROTOCOL',
      // The cipher the bridge negotiates with OpenSSH clients, so both SSH servers pay the same
      // per byte (OpenSSH would otherwise pick chacha20-poly1305).
      'Ciphers aes128-gcm@openssh.com,aes256-gcm@openssh.com',
      `PidFile ${join(dir, 'sshd.pid')}`,
    ].join('\n') + '\n',
  );
  const child: ChildProcess = spawn(
    SSHD,
    ['-D', '-f', join(dir, 'sshd_config'), '-E', join(dir, 'sshd.log')],
    {
      stdio: 'ignore',
    },
  );
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      }).on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const user = userInfo().username;
  return {
    port,
    urlFor: (repoPath) => `ssh://${user}@127.0.0.1:${port}${repoPath}`,
    close: () => void child.kill('SIGTERM'),
  };
}
