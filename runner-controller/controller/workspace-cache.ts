/**
 * Event checkouts kept for the runs the event creates (issue #21). An event's workspace is only
 * read by its evaluation (mounted read-only in the sandbox), or not at all when the claim brought
 * the workflow files, so a run of the same repository at the same commit that this controller
 * claims soon after starts from it instead of fetching the commit from the Worker a second time.
 * A checkout may be kept while it is still being fetched (`keepPending`): the event's evaluation
 * and report go on meanwhile, and a run that asks for it waits for the fetch to end.
 *
 * A run gets a copy (`cp -a`), except the last run the event announced (`expect`): that one takes
 * the directory itself, which then leaves the cache, so a push that starts one run copies nothing.
 * Both checkouts came from the same repository with a credential of a job of that repository, so
 * the workspace holds nothing the run could not read. At most `max` workspaces are kept, each for
 * `ttlMs`; the oldest goes first, and `clear()` removes them all (the controller stopping).
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Workspace } from './workspace';

interface Entry {
  /** The checkout, once fetched; undefined when the fetch failed. */
  ready: Promise<Workspace | undefined>;
  /** What `ready` brought, once it settled (so dropping removes it at once). */
  fetched?: Workspace | undefined;
  timer: NodeJS.Timeout;
  /** Copies in progress: the directory is removed only once none is. */
  copying: number;
  expired: boolean;
  /** Runs still expected to start from this checkout (`expect`); the last one takes it. */
  takers: number;
}

const cp = (from: string, to: string) =>
  new Promise<void>((resolve, reject) => {
    execFile('cp', ['-a', `${from}/.`, to], { timeout: 120_000 }, (err) =>
      err ? reject(err) : resolve(),
    );
  });

const keyOf = (repo: string, sha: string) => `${repo}@${sha}`;

export class WorkspaceCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs = 60_000,
    private readonly max = 8,
  ) {}

  /** Keeps `ws` (the checkout of `repo` at `ws.commit`); the cache now owns and removes it. */
  keep(repo: string, ws: Workspace): void {
    this.keepPending(repo, ws.commit, Promise.resolve(ws));
    const entry = this.entries.get(keyOf(repo, ws.commit));
    if (entry) entry.fetched = ws;
  }

  /**
   * Keeps the checkout of `repo` at `sha` that `fetching` will bring (undefined: it failed); the
   * cache owns it from now on, also if it is dropped before the fetch ends.
   */
  keepPending(repo: string, sha: string, fetching: Promise<Workspace | undefined>): void {
    const key = keyOf(repo, sha);
    this.drop(key);
    while (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
    const entry: Entry = {
      ready: fetching.then(
        (ws) => (entry.fetched = ws),
        () => undefined,
      ),
      copying: 0,
      expired: false,
      takers: 0,
      timer: setTimeout(() => this.drop(key), this.ttlMs),
    };
    entry.timer.unref();
    this.entries.set(key, entry);
  }

  /**
   * `runs` runs will start from the kept checkout of `repo` at `sha` (the event's report created
   * them): the last of them takes the directory instead of a copy. 0 drops it now.
   */
  expect(repo: string, sha: string, runs: number): void {
    const key = keyOf(repo, sha);
    const entry = this.entries.get(key);
    if (!entry) return;
    if (runs <= 0 && entry.takers === 0) this.drop(key);
    else entry.takers += runs;
  }

  /**
   * A workspace of `repo` at `sha` from the kept checkout (a copy under `dataDir`, or the
   * directory itself for the last expected run); undefined if none is kept or the fetch failed.
   */
  async copy(repo: string, sha: string, dataDir?: string): Promise<Workspace | undefined> {
    const key = keyOf(repo, sha);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const last = entry.takers === 1;
    if (entry.takers > 0) entry.takers--;
    entry.copying++;
    let kept: Workspace | undefined;
    try {
      kept = await entry.ready;
      if (!kept) return undefined;
      if (last && entry.copying === 1 && this.entries.get(key) === entry) {
        // The last expected run: it owns the directory now (no copy, nothing left to remove).
        this.entries.delete(key);
        clearTimeout(entry.timer);
        entry.expired = true;
        const taken = kept;
        kept = undefined;
        return taken;
      }
      return await copyOf(kept, dataDir);
    } finally {
      entry.copying--;
      if (kept && entry.expired && entry.copying === 0) kept.remove();
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
    if (entry.copying > 0) return; // the last copy removes it
    if (entry.fetched) entry.fetched.remove();
    else void entry.ready.then((ws) => ws?.remove());
  }
}

/** A fresh copy of `ws` under `dataDir` (undefined when the copy failed). */
async function copyOf(ws: Workspace, dataDir?: string): Promise<Workspace | undefined> {
  const dir = mkdtempSync(join(dataDir ?? tmpdir(), 'plue-ws-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    await cp(ws.dir, dir);
    chmodSync(dir, 0o755);
    return { dir, commit: ws.commit, remove };
  } catch {
    remove();
    return undefined;
  }
}
