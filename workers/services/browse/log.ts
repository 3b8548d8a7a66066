/**
 * The commit log of a ref: pages of commits, optionally only those that changed a path (the
 * entry at the path differs from every parent's, as git's default history simplification).
 */
import { entryAt, orAbsent, readCommit, type ObjectReader } from './objects';
import { walkCommits, type WalkedCommit } from './walk';

export interface LogPage {
  commits: WalkedCommit[];
  hasMore: boolean;
  /** True when the walk stopped at its bound before filling the page. */
  truncated: boolean;
}

export interface LogOptions {
  path?: readonly string[];
  page: number;
  perPage: number;
  maxCommits?: number;
}

/** Oid of the entry at `path` in `commitOid`'s tree ('' when absent). */
export async function oidAtPath(
  r: ObjectReader,
  commitOid: string,
  path: readonly string[],
): Promise<string> {
  const c = await readCommit(r, commitOid);
  return (await entryAt(r, c.tree, path))?.oid ?? '';
}

/** Whether commit `w` changed `path` relative to all of its parents. */
export async function touchesPath(
  r: ObjectReader,
  w: WalkedCommit,
  path: readonly string[],
): Promise<boolean> {
  if (path.length === 0) return true;
  const mine = (await entryAt(r, w.commit.tree, path))?.oid ?? '';
  if (w.commit.parents.length === 0) return mine !== '';
  for (const p of w.commit.parents) {
    if (((await orAbsent(oidAtPath(r, p, path))) ?? '') === mine) return false;
  }
  return true;
}

/** One page of the log starting at `start`. */
export async function commitLog(
  r: ObjectReader,
  start: string,
  opts: LogOptions,
): Promise<LogPage> {
  const skip = (opts.page - 1) * opts.perPage;
  const want = skip + opts.perPage + 1;
  const out: WalkedCommit[] = [];
  let walked = 0;
  const max = opts.maxCommits ?? 50_000;
  for await (const w of walkCommits(r, [start], { maxCommits: max })) {
    walked++;
    if (opts.path && opts.path.length > 0 && !(await touchesPath(r, w, opts.path))) continue;
    out.push(w);
    if (out.length >= want) break;
  }
  return {
    commits: out.slice(skip, skip + opts.perPage),
    hasMore: out.length >= want,
    truncated: walked >= max && out.length < want,
  };
}
