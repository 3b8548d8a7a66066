/**
 * Typed reads of git objects for browsing: commits, trees, blobs and tag peeling over a small
 * `ObjectReader` interface (RepoObjects in the Worker, a Map in unit tests), plus path lookup
 * inside trees. A missing or mistyped object is a `not_found` error, never a crash; a failed
 * storage read is not, so `orAbsent` lets walks treat only the former as the end of history.
 */
import { parseCommit, parseTag, parseTree, treeEntryKind } from '../../../common/git/object';
import type { Commit, ObjectType, TreeEntry } from '../../../common/git/object';
import { AppError } from '../../../common/errors';

/** What browsing needs from object storage. */
export interface ObjectReader {
  read(oid: string): Promise<{ type: ObjectType; body: Uint8Array } | undefined>;
  /**
   * An object's size from its stored header, without inflating its body (undefined: not
   * found). Optional: `objectSize` reads the whole object where a reader lacks it.
   */
  size?(oid: string): Promise<number | undefined>;
}

export type EntryKind = 'tree' | 'blob' | 'symlink' | 'submodule';

/** What a path points at inside a commit's tree. */
export interface PathEntry {
  mode: string;
  oid: string;
  kind: EntryKind;
}

const OBJECT_NOT_FOUND = 'object_not_found';
const missing = (what: string) => AppError.notFound(`${what} not found`, OBJECT_NOT_FOUND);

/**
 * What `read` resolves to, or undefined when it failed because the object is absent or of another
 * type (a shallow or broken history). Every other failure (a storage error, a corrupt pack) is
 * rethrown: it must fail the request, or a truncated answer would be cached as if it were whole.
 */
export async function orAbsent<T>(read: Promise<T>): Promise<T | undefined> {
  try {
    return await read;
  } catch (e) {
    if (e instanceof AppError && e.code === OBJECT_NOT_FOUND) return undefined;
    throw e;
  }
}

async function readTyped(r: ObjectReader, oid: string, type: ObjectType): Promise<Uint8Array> {
  const obj = await r.read(oid);
  if (!obj || obj.type !== type) throw missing(`${type[0]?.toUpperCase()}${type.slice(1)}`);
  return obj.body;
}

/** Reads and parses a commit. */
export async function readCommit(r: ObjectReader, oid: string): Promise<Commit> {
  return parseCommit(await readTyped(r, oid, 'commit'));
}

/** Reads and parses a tree. */
export async function readTree(r: ObjectReader, oid: string): Promise<TreeEntry[]> {
  return parseTree(await readTyped(r, oid, 'tree'));
}

/** Reads a blob's bytes. */
export function readBlob(r: ObjectReader, oid: string): Promise<Uint8Array> {
  return readTyped(r, oid, 'blob');
}

/** An object's size in bytes: from its header where the reader can, else by reading it. */
export async function objectSize(r: ObjectReader, oid: string): Promise<number> {
  const fromHeader = r.size ? await r.size(oid) : undefined;
  if (fromHeader !== undefined) return fromHeader;
  const obj = await r.read(oid);
  if (!obj) throw missing('Object');
  return obj.body.length;
}

/** Follows annotated tags (at most 10 deep) to the object they name. */
export async function peel(
  r: ObjectReader,
  oid: string,
): Promise<{ oid: string; type: ObjectType } | undefined> {
  let at = oid;
  for (let depth = 0; depth < 10; depth++) {
    const obj = await r.read(at);
    if (!obj) return undefined;
    if (obj.type !== 'tag') return { oid: at, type: obj.type };
    at = parseTag(obj.body).object;
  }
  return undefined;
}

/**
 * Splits and checks a repository path: no empty, `.` or `..` segments (a trailing slash is
 * dropped). Returns the segments; `[]` is the root.
 */
export function splitPath(path: string): string[] {
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (trimmed === '') return [];
  const parts = trimmed.split('/');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || p.includes('\0')) {
      throw AppError.invalid(`Invalid path: ${path}`, 'path_invalid');
    }
  }
  return parts;
}

/** The entry at `parts` below `rootTree` (the root itself for `[]`); undefined if absent. */
export async function entryAt(
  r: ObjectReader,
  rootTree: string,
  parts: readonly string[],
): Promise<PathEntry | undefined> {
  let current: PathEntry = { mode: '40000', oid: rootTree, kind: 'tree' };
  for (const name of parts) {
    if (current.kind !== 'tree') return undefined;
    const entries = await readTree(r, current.oid);
    const e = entries.find((x) => x.name === name);
    if (!e) return undefined;
    current = { mode: e.mode, oid: e.oid, kind: treeEntryKind(e.mode) ?? 'blob' };
  }
  return current;
}

/** Directories first, then files, each by name (how forges list a tree). */
export function sortForListing<T extends { name: string; mode: string }>(entries: T[]): T[] {
  const isDir = (e: T) => treeEntryKind(e.mode) === 'tree';
  return [...entries].sort((a, b) =>
    isDir(a) === isDir(b) ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : isDir(a) ? -1 : 1,
  );
}
