/**
 * Moves a run's workspace between the controller and a sandbox pod as tar streams over exec:
 * in before a step (and evaluation inputs into /run/plue), back out after it, so the steps of a
 * run share their workspace as they do locally. Coming back, the archive is unpacked into a
 * fresh directory beside the workspace and swapped in only when it was complete, so a broken
 * transfer leaves the old workspace as it was. The archive was written by the step's pod, so it
 * is unpacked without owners or permissions from it and by GNU tar, which sets symlinks last
 * (a member cannot be written through a symlink the same archive made).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { Exec } from '@kubernetes/client-node';
import type { ReadOnlyMount } from '../types';
import { WRITABLE_PATHS } from './job-manifest';
import { execInPod } from './pod-exec';

export interface PodRef {
  exec: Exec;
  namespace: string;
  pod: string;
  container: string;
  signal?: AbortSignal;
}

/** Paths the step image already holds (step.Dockerfile): a mount there is not copied. */
export const IMAGE_PATHS = ['/opt/plue-sdk'];
const TAR_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

/** Copy a host directory into `target` in the pod. */
export async function copyIn(ref: PodRef, source: string, target: string): Promise<void> {
  const tar = spawn('tar', ['-c', '-f', '-', '-C', source, '.'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: TAR_ENV,
  });
  // Read from the start (a child's pipe left paused until the exec is open may never be read).
  const input = new PassThrough();
  tar.stdout.pipe(input);
  let tarErr = '';
  tar.stderr.on('data', (d: Buffer) => {
    tarErr += d.toString();
  });
  const local = new Promise<number | null>((resolve) => tar.on('close', resolve));
  let podErr = '';
  const res = await execInPod({
    ...ref,
    command: ['/bin/sh', '-c', 'mkdir -p "$0" && exec tar -x -f - -C "$0" --no-same-owner', target],
    stdin: input,
    maxOutputBytes: 64 * 1024,
    onOutput: (_s, chunk) => {
      podErr += Buffer.from(chunk).toString();
    },
  });
  const code = await local;
  if (code !== 0 || res.exitCode !== 0) {
    throw new Error(
      `copying ${basename(source)} into the pod failed (tar ${code}, pod ${res.exitCode ?? res.error ?? 'gone'}): ${(podErr + tarErr).slice(0, 500)}`,
    );
  }
}

/** The workspace and the mounts into the pod (mounts the image provides are skipped). */
export async function uploadInputs(
  ref: PodRef,
  workspace: string,
  mounts: ReadOnlyMount[],
): Promise<void> {
  await copyIn(ref, workspace, WRITABLE_PATHS.workspace);
  for (const m of mounts) {
    if (IMAGE_PATHS.includes(m.target)) continue;
    if (m.target !== WRITABLE_PATHS.run && !m.target.startsWith(`${WRITABLE_PATHS.run}/`)) {
      throw new Error(`the kubernetes backend cannot mount ${m.target} (only under /run/plue)`);
    }
    await copyIn(ref, m.source, m.target);
  }
}

/** Replace the host workspace with the pod's /workspace. */
export async function downloadWorkspace(ref: PodRef, workspace: string): Promise<void> {
  const fresh = mkdtempSync(join(dirname(workspace), `.${basename(workspace)}-in-`));
  try {
    const tar = spawn(
      'tar',
      ['-x', '-f', '-', '-C', fresh, '--no-same-owner', '--no-same-permissions'],
      {
        stdio: ['pipe', 'ignore', 'pipe'],
        env: TAR_ENV,
      },
    );
    tar.stdin.on('error', () => undefined);
    let tarErr = '';
    tar.stderr.on('data', (d: Buffer) => {
      tarErr += d.toString();
    });
    const local = new Promise<number | null>((resolve) => tar.on('close', resolve));
    let podErr = '';
    const res = await execInPod({
      ...ref,
      command: ['tar', '-c', '-f', '-', '-C', WRITABLE_PATHS.workspace, '.'],
      stdin: null,
      maxOutputBytes: Number.MAX_SAFE_INTEGER,
      onOutput: (stream, chunk) => {
        if (stream === 'stderr') {
          podErr += Buffer.from(chunk).toString();
          return;
        }
        if (tar.stdin.write(chunk)) return;
        return new Promise<void>((resolve) => tar.stdin.once('drain', resolve));
      },
    });
    tar.stdin.end();
    const code = await local;
    if (code !== 0 || res.exitCode !== 0) {
      throw new Error(
        `copying the workspace back failed (tar ${code}, pod ${res.exitCode ?? res.error ?? 'gone'}): ${(podErr + tarErr).slice(0, 500)}`,
      );
    }
    for (const name of readdirSync(workspace)) {
      rmSync(join(workspace, name), { recursive: true, force: true });
    }
    for (const name of readdirSync(fresh)) renameSync(join(fresh, name), join(workspace, name));
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
}
