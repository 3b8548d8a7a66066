/**
 * A workspace size limit for the `local` backend: the step's workspace is the only host path it
 * may write (docs/design/sandbox.md §2.3), so walking it now and then bounds what the step can
 * put on the host's disk. When the workspace passes its limit the watch aborts the step (the
 * backend kills its process tree) and the result says why. It samples (every `intervalMs`), so a
 * step can overshoot by what it writes in one interval; the kubernetes backend needs none of
 * this (its workspace is an emptyDir with a sizeLimit, enforced by the kubelet).
 */
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Bytes under `dir` (files' sizes, symlinks not followed; what vanishes meanwhile counts 0). */
export async function directoryBytes(dir: string, stopAt = Infinity): Promise<number> {
  let total = 0;
  const pending = [dir];
  while (pending.length > 0 && total <= stopAt) {
    const current = pending.pop() as string; // length checked above
    let entries;
    try {
      entries = await readdir(current, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      const path = join(current, e.name);
      if (e.isDirectory()) pending.push(path);
      else {
        try {
          total += (await lstat(path)).size;
        } catch {
          // removed while we looked
        }
      }
    }
  }
  return total;
}

export interface DiskWatch {
  /** Aborted once the workspace passed its limit. */
  readonly signal: AbortSignal;
  /** The size seen when the limit was passed (undefined while within it). */
  readonly exceededAt: number | undefined;
  stop(): void;
}

/** Watch `dir` until `stop()`; abort `signal` when it holds more than `maxBytes`. */
export function watchWorkspace(dir: string, maxBytes: number, intervalMs = 500): DiskWatch {
  const abort = new AbortController();
  let exceededAt: number | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async () => {
    const bytes = await directoryBytes(dir, maxBytes);
    if (stopped) return;
    if (bytes > maxBytes) {
      exceededAt = bytes;
      abort.abort();
      return;
    }
    timer = setTimeout(() => void tick(), intervalMs);
  };
  timer = setTimeout(() => void tick(), intervalMs);
  return {
    signal: abort.signal,
    get exceededAt() {
      return exceededAt;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
