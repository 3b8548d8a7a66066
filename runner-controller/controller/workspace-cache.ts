/**
 * Event checkouts kept for the runs the event creates (issue #21). An event's workspace is only
 * read by its evaluation (mounted read-only in the sandbox), so a run of the same repository at
 * the same commit that this controller claims soon after starts from a local copy of it
 * (`cp -a`) instead of fetching the commit from the Worker a second time: the second checkout was
 * about a fifth of push → first log line. Both checkouts came from the same repository with a
 * credential of a job of that repository, so the copy holds nothing the run could not read.
 * At most `max` workspaces are kept, each for `ttlMs`; the oldest goes first, and `clear()`
 * removes them all (the controller stopping).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Workspace } from './workspace';

interface Entry {
  ws: Workspace;
  timer: NodeJS.Timeout;
  /** Copies in progress: the directory is removed only once none is. */
  copying: number;
  expired: boolean;
}

const cp = (from: string, to: string) =>
  new Promise<void>((resolve, reject) => {
    execFile('cp', ['-a', `${from}/.`, to], { timeout: 120_000 }, (err) =>
      err ? reject(err) : resolve(),
    );
  });

export class WorkspaceCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly max = 8,
  ) {}

  /** Keeps `ws` (the checkout of `repo` at `ws.commit`); the cache now owns and removes it. */
  keep(repo: string, ws: Workspace): void {
    const key = `${repo}@${ws.commit}`;
    this.drop(key);
    while (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
    const entry: Entry = {
      ws,
      copying: 0,
      expired: false,
      timer: setTimeout(() => this.drop(key), this.ttlMs),
    };
    entry.timer.unref();
    this.entries.set(key, entry);
  }

  /** A fresh copy of the kept checkout of `repo` at `sha` under `dataDir`; undefined if none. */
  async copy(repo: string, sha: string, dataDir?: string): Promise<Workspace | undefined> {
    const entry = this.entries.get(`${repo}@${sha}`);
    if (!entry) return undefined;
    const dir = mkdtempSync(join(dataDir ?? tmpdir(), 'plue-ws-'));
    const remove = () => rmSync(dir, { recursive: true, force: true });
    entry.copying++;
    try {
      await cp(entry.ws.dir, dir);
      chmodSync(dir, 0o755);
      return { dir, commit: entry.ws.commit, remove };
    } catch {
      remove();
      return undefined;
    } finally {
      entry.copying--;
      if (entry.expired && entry.copying === 0) entry.ws.remove();
    }
  }

  /** Removes every kept workspace (copies in progress finish first). */
  clear(): void {
    for (const key of [...this.entries.keys()]) this.drop(key);
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    clearTimeout(entry.timer);
    entry.expired = true;
    if (entry.copying === 0) entry.ws.remove();
  }
}
