/**
 * What the fake API server does for `pods/{name}/exec`: runs the command as the pod would, in a
 * bubblewrap sandbox whose filesystem has the pod's shape (the host's /usr read-only, the pod's
 * own emptyDir directories at /workspace, /tmp and /run/plue, the `plue` SDK at /opt/plue-sdk as
 * step.Dockerfile puts it, uid 1001, and the container environment Kubernetes gives, service
 * variables included), and speaks the `v5.channel.k8s.io` protocol over the WebSocket: stdin on
 * channel 0 (closed by the 255/0 message), stdout on 1, stderr on 2, and the V1Status with the
 * exit code on 3. Deleting the pod kills its processes and drops their connections.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WebSocket } from 'ws';

/** The container environment of a step pod (as the kubelet sets it with enableServiceLinks off). */
export const POD_ENV = {
  PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
  HOME: '/workspace',
  HOSTNAME: 'plue-step',
  KUBERNETES_SERVICE_HOST: '10.96.0.1',
  KUBERNETES_SERVICE_PORT: '443',
};

export class FakePodRuntime {
  readonly procs = new Set<ChildProcess>();
  readonly dirs: { workspace: string; tmp: string; run: string };

  constructor(
    root: string,
    private readonly sdkDir: string,
  ) {
    this.dirs = {
      workspace: join(root, 'workspace'),
      tmp: join(root, 'tmp'),
      run: join(root, 'run'),
    };
    for (const d of Object.values(this.dirs)) mkdirSync(d, { recursive: true });
  }

  private argv(command: string[]): string[] {
    const args = ['--unshare-all', '--die-with-parent', '--new-session', '--cap-drop', 'ALL'];
    args.push('--ro-bind', '/usr', '/usr');
    for (const [link, target] of [
      ['/bin', 'usr/bin'],
      ['/sbin', 'usr/sbin'],
      ['/lib', 'usr/lib'],
      ['/lib64', 'usr/lib64'],
    ] as const) {
      if (existsSync(link)) args.push('--symlink', target, link);
    }
    for (const f of ['ld.so.cache', 'alternatives', 'passwd', 'group', 'nsswitch.conf']) {
      args.push('--ro-bind-try', `/etc/${f}`, `/etc/${f}`);
    }
    args.push('--proc', '/proc', '--dev', '/dev');
    args.push('--bind', this.dirs.workspace, '/workspace', '--bind', this.dirs.tmp, '/tmp');
    args.push('--bind', this.dirs.run, '/run/plue', '--ro-bind', this.sdkDir, '/opt/plue-sdk');
    args.push('--uid', '1001', '--gid', '1001', '--chdir', '/workspace', '--clearenv');
    for (const [k, v] of Object.entries(POD_ENV)) args.push('--setenv', k, v);
    return [...args, '--', ...command];
  }

  /** Serve one exec connection. */
  exec(ws: WebSocket, command: string[], stdin: boolean): void {
    const child = spawn('bwrap', this.argv(command), {
      stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.procs.add(child);
    child.stdin?.on('error', () => undefined);
    const frame = (channel: number, data: Buffer) => {
      if (ws.readyState === ws.OPEN) ws.send(Buffer.concat([Buffer.from([channel]), data]));
    };
    child.stdout?.on('data', (d: Buffer) => frame(1, d));
    child.stderr?.on('data', (d: Buffer) => frame(2, d));
    ws.on('message', (data: Buffer) => {
      if (data[0] === 0) child.stdin?.write(data.subarray(1));
      else if (data[0] === 255 && data[1] === 0) child.stdin?.end();
    });
    ws.on('close', () => {
      if (child.exitCode === null && child.pid) kill(child);
    });
    child.on('close', (code, signal) => {
      this.procs.delete(child);
      if (ws.readyState !== ws.OPEN) return;
      // Killed by pod deletion: the real connection drops without a status.
      if (signal === 'SIGKILL' && (child as { podGone?: boolean }).podGone) {
        ws.terminate();
        return;
      }
      const exit = code ?? 128 + 9;
      const status =
        exit === 0
          ? { metadata: {}, status: 'Success' }
          : {
              metadata: {},
              status: 'Failure',
              message: `command terminated with non-zero exit code: exit status ${exit}`,
              reason: 'NonZeroExitCode',
              details: { causes: [{ reason: 'ExitCode', message: String(exit) }] },
            };
      frame(3, Buffer.from(JSON.stringify(status)));
      ws.close(1000);
    });
  }

  /**
   * Kill everything running in the pod. `podGone` (the pod is deleted or its sandbox ended): the
   * exec connections drop without a status; else each answers its process's exit 137.
   */
  killAll(podGone = true): void {
    for (const child of this.procs) {
      (child as { podGone?: boolean }).podGone = podGone;
      kill(child);
    }
  }
}

function kill(child: ChildProcess): void {
  try {
    if (child.pid) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
