/**
 * A whole diff between two trees: the changed files (renames detected, see renames.ts) with
 * additions/deletions and unified hunks, within limits so a huge change renders in bounded time
 * (files past the limits are listed with their status but without hunks, and marked).
 */
import { fromUtf8 } from '../../../../common/git/bytes';
import { isBinary } from '../content';
import { readBlob, type ObjectReader } from '../objects';
import { toHunks, splitLines, type Hunk } from './hunks';
import { diffLines } from './myers';
import { DEFAULT_RENAME_LIMITS, detectRenames, type RenameLimits } from './renames';
import { diffTrees, type FileChange } from './tree-diff';

export interface FileDiff extends FileChange {
  additions: number;
  deletions: number;
  binary: boolean;
  /** Hunks; absent for binary files and files past the limits. */
  hunks?: Hunk[];
  /** Why hunks are missing for a text file ("too large" or "diff limit reached"). */
  omitted?: string;
}

export interface TreeDiff {
  files: FileDiff[];
  additions: number;
  deletions: number;
  /** More files changed than were listed. */
  truncated: boolean;
  /** Too many added × removed files to look for similar ones (exact renames are still found). */
  renameLimitReached?: boolean;
}

export interface DiffLimits {
  maxFiles: number;
  /** Largest blob (bytes) whose lines are diffed. */
  maxBlobBytes: number;
  /** Total diff lines across files after which files get no hunks. */
  maxTotalLines: number;
  renames: RenameLimits;
}

export const DEFAULT_LIMITS: DiffLimits = {
  maxFiles: 1000,
  maxBlobBytes: 1024 * 1024,
  maxTotalLines: 20_000,
  renames: DEFAULT_RENAME_LIMITS,
};

/** The diff fields of a change: a rename to the same blob reads nothing. */
export function diffChange(
  r: ObjectReader,
  c: FileChange,
  maxBytes = DEFAULT_LIMITS.maxBlobBytes,
): ReturnType<typeof diffBlobs> {
  if (c.oldOid !== undefined && c.oldOid === c.newOid) {
    return Promise.resolve({ additions: 0, deletions: 0, binary: false, hunks: [] });
  }
  return diffBlobs(r, c.oldOid, c.newOid, maxBytes);
}

/** Diff of two blobs (undefined: absent) as hunks and counts. */
export async function diffBlobs(
  r: ObjectReader,
  oldOid: string | undefined,
  newOid: string | undefined,
  maxBytes = DEFAULT_LIMITS.maxBlobBytes,
): Promise<Pick<FileDiff, 'additions' | 'deletions' | 'binary' | 'hunks' | 'omitted'>> {
  const a = oldOid ? await readBlob(r, oldOid) : new Uint8Array(0);
  const b = newOid ? await readBlob(r, newOid) : new Uint8Array(0);
  if (isBinary(a) || isBinary(b)) return { additions: 0, deletions: 0, binary: true };
  if (a.length > maxBytes || b.length > maxBytes) {
    return { additions: 0, deletions: 0, binary: false, omitted: 'File too large to diff' };
  }
  const ops = diffLines(splitLines(fromUtf8(a)), splitLines(fromUtf8(b)));
  let additions = 0;
  let deletions = 0;
  for (const o of ops) {
    if (o.op === '+') additions++;
    else if (o.op === '-') deletions++;
  }
  return { additions, deletions, binary: false, hunks: toHunks(ops) };
}

/** Diff between two trees (`oldTree` undefined: everything added). */
export async function diffTreesFull(
  r: ObjectReader,
  oldTree: string | undefined,
  newTree: string,
  limits: DiffLimits = DEFAULT_LIMITS,
): Promise<TreeDiff> {
  const tree = await diffTrees(r, oldTree, newTree, { maxFiles: limits.maxFiles });
  const { changes, limitReached } = await detectRenames(r, tree.changes, limits.renames);
  const files: FileDiff[] = [];
  let additions = 0;
  let deletions = 0;
  let lines = 0;
  for (const c of changes) {
    const submodule = c.oldMode === '160000' || c.newMode === '160000';
    if (submodule) {
      files.push({ ...c, additions: 0, deletions: 0, binary: false, omitted: 'Submodule' });
      continue;
    }
    if (lines >= limits.maxTotalLines) {
      files.push({
        ...c,
        additions: 0,
        deletions: 0,
        binary: false,
        omitted: 'Diff limit reached',
      });
      continue;
    }
    const d = await diffChange(r, c, limits.maxBlobBytes);
    additions += d.additions;
    deletions += d.deletions;
    lines += d.additions + d.deletions;
    files.push({ ...c, ...d });
  }
  const out: TreeDiff = { files, additions, deletions, truncated: tree.truncated };
  if (limitReached) out.renameLimitReached = true;
  return out;
}
