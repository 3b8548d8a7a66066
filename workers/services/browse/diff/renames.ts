/**
 * Rename detection for a tree diff, the way git's diffcore-rename does it. Exact renames first: a
 * removed and an added file with the same blob id (no content read). Then, for the removed and
 * added regular files left, similarity by git's span hashing (diffcore-delta.c: content cut into
 * chunks that end at a newline or after 64 bytes, bytes counted per chunk hash; similarity = the
 * bytes of the old file found in the new one over the larger size) with git's default 50%
 * threshold; best scores pair first, each file in at most one pair. Bounded for a Worker:
 * similarity is skipped when sources × destinations exceeds `renameLimit`² (git's
 * diff.renameLimit, lower here: 100 × 100 pairs of 64 KiB files take ~0.3 s of CPU) or the blobs
 * to read exceed `maxTotalBytes`, and empty, binary and large blobs (size from the object header,
 * so a large blob is never read) are not compared.
 */
import { isBinary } from '../content';
import { objectSize, readBlob, type ObjectReader } from '../objects';
import type { FileChange } from './tree-diff';

export interface RenameLimits {
  /** Inexact detection is skipped when sources × destinations > renameLimit². */
  renameLimit: number;
  /** Blobs larger than this (bytes) are not compared by content. */
  maxBlobBytes: number;
  /** Inexact detection is skipped when the blobs it would read add up to more (bytes). */
  maxTotalBytes: number;
  /** Lowest similarity (percent) that counts as a rename. */
  minSimilarity: number;
}

export const DEFAULT_RENAME_LIMITS: RenameLimits = {
  renameLimit: 100,
  maxBlobBytes: 512 * 1024,
  maxTotalBytes: 16 * 1024 * 1024,
  minSimilarity: 50,
};

export interface RenameResult {
  /** The changes with each detected pair merged into one `renamed` change, in path order. */
  changes: FileChange[];
  /** Inexact detection was skipped because there were too many candidates. */
  limitReached: boolean;
}

/** git's empty blob: empty files are never paired (every empty file would match every other). */
const EMPTY_BLOB = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';

const isRegular = (mode: string | undefined) => mode === '100644' || mode === '100755';
const isFile = (mode: string | undefined) => isRegular(mode) || mode === '120000';
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const byPath = (x: FileChange, y: FileChange) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0);

/** Bytes per chunk hash of a blob, sorted by hash. */
export interface SpanSignature {
  size: number;
  hashes: Uint32Array;
  counts: Uint32Array;
}

const HASHBASE = 107927;

/**
 * git's `hash_chars`: chunks end at `\n` or after 64 bytes; CR before LF is skipped in text.
 * `scratch` (HASHBASE counters, all zero) is reused across calls and left zeroed.
 */
export function spanSignature(
  bytes: Uint8Array,
  text: boolean,
  scratch = new Uint32Array(HASHBASE),
): SpanSignature {
  const touched: number[] = [];
  let a1 = 0;
  let a2 = 0;
  let n = 0;
  const len = bytes.length;
  for (let i = 0; i <= len; i++) {
    if (i < len) {
      const c = bytes[i] as number;
      if (text && c === 13 && bytes[i + 1] === 10) continue;
      const old1 = a1;
      a1 = ((a1 << 7) ^ (a2 >>> 25)) >>> 0;
      a2 = ((a2 << 7) ^ (old1 >>> 25)) >>> 0;
      a1 = (a1 + c) >>> 0;
      if (++n < 64 && c !== 10) continue;
    } else if (n === 0) break;
    const h = ((a1 + Math.imul(a2, 0x61)) >>> 0) % HASHBASE;
    if (scratch[h] === 0) touched.push(h);
    scratch[h] = (scratch[h] as number) + n;
    n = 0;
    a1 = 0;
    a2 = 0;
  }
  touched.sort((x, y) => x - y);
  const hashes = Uint32Array.from(touched);
  const counts = new Uint32Array(touched.length);
  for (let k = 0; k < touched.length; k++) {
    const h = touched[k] as number;
    counts[k] = scratch[h] as number;
    scratch[h] = 0;
  }
  return { size: len, hashes, counts };
}

/**
 * Bytes of `src` also found in `dst` (git's `src_copied`), or some number below `need` as soon
 * as `need` can no longer be reached.
 */
export function copiedBytes(src: SpanSignature, dst: SpanSignature, need = 0): number {
  let copied = 0;
  let left = src.size;
  let j = 0;
  const dh = dst.hashes;
  for (let i = 0; i < src.hashes.length; i++) {
    const h = src.hashes[i] as number;
    const count = src.counts[i] as number;
    while (j < dh.length && (dh[j] as number) < h) j++;
    if (j >= dh.length) break;
    if (dh[j] === h) copied += Math.min(count, dst.counts[j] as number);
    left -= count;
    if (copied + left < need) break;
  }
  return copied;
}

/** Similarity (percent, floored) of two signatures when at least `minSimilarity`, else 0. */
export function similarity(src: SpanSignature, dst: SpanSignature, minSimilarity = 50): number {
  const max = Math.max(src.size, dst.size);
  const min = Math.min(src.size, dst.size);
  if (max === 0 || !sizesComparable(min, max, minSimilarity)) return 0;
  const need = Math.ceil((minSimilarity * max) / 100);
  const copied = copiedBytes(src, dst, need);
  return copied < need ? 0 : Math.min(99, Math.floor((copied * 100) / max));
}

/** git's early rejection: the size difference alone rules out `minSimilarity`. */
function sizesComparable(a: number, b: number, minSimilarity: number): boolean {
  const max = Math.max(a, b);
  return max * (100 - minSimilarity) >= (max - Math.min(a, b)) * 100;
}

function renamed(from: FileChange, to: FileChange, similarity: number): FileChange {
  const c: FileChange = { path: to.path, previousPath: from.path, status: 'renamed', similarity };
  if (from.oldOid !== undefined) c.oldOid = from.oldOid;
  if (from.oldMode !== undefined) c.oldMode = from.oldMode;
  if (to.newOid !== undefined) c.newOid = to.newOid;
  if (to.newMode !== undefined) c.newMode = to.newMode;
  return c;
}

/** Pairs removed and added files of `changes` into renames (see the module header). */
export async function detectRenames(
  r: ObjectReader,
  changes: readonly FileChange[],
  limits: RenameLimits = DEFAULT_RENAME_LIMITS,
): Promise<RenameResult> {
  const removed = changes.filter(
    (c) => c.status === 'removed' && isFile(c.oldMode) && c.oldOid && c.oldOid !== EMPTY_BLOB,
  );
  const added = changes.filter(
    (c) => c.status === 'added' && isFile(c.newMode) && c.newOid && c.newOid !== EMPTY_BLOB,
  );
  const pairs: FileChange[] = [];
  const used = new Set<FileChange>();
  const done = (limitReached: boolean): RenameResult => {
    const rest = changes.filter((c) => !used.has(c));
    return { changes: [...rest, ...pairs].sort(byPath), limitReached };
  };
  if (removed.length === 0 || added.length === 0) return done(false);

  // Exact: same blob id and kind (file or symlink), preferring the same base name.
  const byOid = new Map<string, FileChange[]>();
  for (const c of removed) byOid.set(c.oldOid ?? '', [...(byOid.get(c.oldOid ?? '') ?? []), c]);
  for (const dst of added) {
    const same = (byOid.get(dst.newOid ?? '') ?? []).filter(
      (s) => !used.has(s) && isRegular(s.oldMode) === isRegular(dst.newMode),
    );
    const src = same.find((s) => baseName(s.path) === baseName(dst.path)) ?? same[0];
    if (!src) continue;
    used.add(src).add(dst);
    pairs.push(renamed(src, dst, 100));
  }

  // Similar: regular files only, within the limits.
  const sources = removed.filter((c) => !used.has(c) && isRegular(c.oldMode));
  const dests = added.filter((c) => !used.has(c) && isRegular(c.newMode));
  if (sources.length === 0 || dests.length === 0) return done(false);
  if (sources.length * dests.length > limits.renameLimit * limits.renameLimit) return done(true);

  const sizeOf = new Map<string, number>();
  for (const oid of new Set([...sources.map((s) => s.oldOid), ...dests.map((d) => d.newOid)])) {
    if (oid) sizeOf.set(oid, await objectSize(r, oid));
  }
  const usable = (oid: string | undefined) => {
    const size = sizeOf.get(oid ?? '') ?? 0;
    return size > 0 && size <= limits.maxBlobBytes;
  };
  const candidates: Array<{ src: FileChange; dst: FileChange }> = [];
  for (const dst of dests) {
    if (!usable(dst.newOid)) continue;
    for (const src of sources) {
      if (!usable(src.oldOid)) continue;
      const a = sizeOf.get(src.oldOid ?? '') ?? 0;
      const b = sizeOf.get(dst.newOid ?? '') ?? 0;
      if (sizesComparable(a, b, limits.minSimilarity)) candidates.push({ src, dst });
    }
  }
  if (candidates.length === 0) return done(false);
  const toRead = new Set(candidates.flatMap((p) => [p.src.oldOid ?? '', p.dst.newOid ?? '']));
  let total = 0;
  for (const oid of toRead) total += sizeOf.get(oid) ?? 0;
  if (total > limits.maxTotalBytes) return done(true);

  // Read each blob that is in some candidate pair once; binary blobs drop out.
  const scratch = new Uint32Array(HASHBASE);
  const sigs = new Map<string, SpanSignature | undefined>();
  const sigOf = async (oid: string) => {
    if (!sigs.has(oid)) {
      const bytes = await readBlob(r, oid);
      sigs.set(oid, isBinary(bytes) ? undefined : spanSignature(bytes, true, scratch));
    }
    return sigs.get(oid);
  };
  const scored: Array<{ src: FileChange; dst: FileChange; score: number; sameName: boolean }> = [];
  for (const { src, dst } of candidates) {
    const a = await sigOf(src.oldOid ?? '');
    const b = await sigOf(dst.newOid ?? '');
    if (!a || !b) continue;
    const score = similarity(a, b, limits.minSimilarity);
    if (score < limits.minSimilarity) continue;
    scored.push({ src, dst, score, sameName: baseName(src.path) === baseName(dst.path) });
  }
  scored.sort(
    (x, y) =>
      y.score - x.score ||
      Number(y.sameName) - Number(x.sameName) ||
      byPath(x.dst, y.dst) ||
      byPath(x.src, y.src),
  );
  for (const { src, dst, score } of scored) {
    if (used.has(src) || used.has(dst)) continue;
    used.add(src).add(dst);
    pairs.push(renamed(src, dst, score));
  }
  return done(false);
}
