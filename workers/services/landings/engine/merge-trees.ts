/**
 * Three-way tree merge (what mergeability and every land method rest on), path by path as
 * git's merge-ort does with rename detection off: an entry both sides left alone or changed the
 * same way is kept; one side's change is taken; subtrees are read only when both sides changed
 * them differently; files both sides changed are merged line by line (diff3.ts). What cannot be
 * merged becomes a typed conflict per path. The merged tree is always built (conflicting paths
 * hold the side `prefer` names, content conflicts that side's lines), so an interdiff can show a
 * conflicting rebase; it is the merge result only when `conflicts` is empty.
 */
import { isBinary } from '../../browse/content';
import { readBlob, readTree } from '../../browse/objects';
import { treeEntryKind, type TreeEntry } from '../../../../common/git/object';
import { mergeBytes, type ConflictRegion } from './diff3';
import type { NewObjects } from './objects';

/** What kind of conflict a path has (the kinds docs/design/landing-requests.md §6 lists). */
export type ConflictKind =
  'content' | 'modify/delete' | 'add/add' | 'mode' | 'file/directory' | 'binary';

/** A file entry: mode and object id. */
export interface FileEntry {
  mode: string;
  oid: string;
}

export interface FileConflict {
  path: string;
  kind: ConflictKind;
  base?: FileEntry;
  ours?: FileEntry;
  theirs?: FileEntry;
  /** For a line conflict: the conflicting regions (output lines hold the preferred side). */
  regions?: ConflictRegion[];
}

export interface TreeMerge {
  /** The merged tree (empty tree id when nothing is left). */
  tree: string;
  /** Conflicts in path order; empty when the merge is clean. */
  conflicts: FileConflict[];
}

export interface MergeOptions {
  /** Whose entry and lines a conflicting path keeps in `tree` (default ours). */
  prefer?: 'ours' | 'theirs';
}

const EMPTY = new Uint8Array(0);

const sameEntry = (x: FileEntry | undefined, y: FileEntry | undefined) =>
  x?.oid === y?.oid && x?.mode === y?.mode;

const fileKind = (e: FileEntry) => treeEntryKind(e.mode);

/** Merges `ours` and `theirs` (tree ids; undefined = empty) against `base`. */
export async function mergeTrees(
  objects: NewObjects,
  base: string | undefined,
  ours: string | undefined,
  theirs: string | undefined,
  opts: MergeOptions = {},
): Promise<TreeMerge> {
  const m = new TreeMerger(objects, opts.prefer ?? 'ours');
  const tree = (await m.tree(base, ours, theirs, '')) ?? objects.addTree([]);
  m.conflicts.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return { tree, conflicts: m.conflicts };
}

interface Sides<T> {
  base: T | undefined;
  ours: T | undefined;
  theirs: T | undefined;
}

/** The state of one merge: the objects it writes to and the conflicts it found. */
class TreeMerger {
  readonly conflicts: FileConflict[] = [];

  constructor(
    private readonly objects: NewObjects,
    private readonly prefer: 'ours' | 'theirs',
  ) {}

  /** Merged tree id, or undefined when the merge leaves the directory empty. */
  async tree(
    base: string | undefined,
    ours: string | undefined,
    theirs: string | undefined,
    prefix: string,
  ): Promise<string | undefined> {
    if (ours === theirs) return ours;
    if (base === ours) return theirs;
    if (base === theirs) return ours;
    const read = async (oid: string | undefined) => (oid ? readTree(this.objects, oid) : []);
    const [eb, eo, et] = await Promise.all([read(base), read(ours), read(theirs)]);
    const byName = new Map<string, Sides<TreeEntry>>();
    const put = (list: TreeEntry[], side: keyof Sides<TreeEntry>) => {
      for (const e of list) {
        const s = byName.get(e.name) ?? { base: undefined, ours: undefined, theirs: undefined };
        s[side] = e;
        byName.set(e.name, s);
      }
    };
    put(eb, 'base');
    put(eo, 'ours');
    put(et, 'theirs');
    const out: TreeEntry[] = [];
    for (const [name, s] of byName) {
      const entry = await this.entry(name, s, prefix);
      if (entry) out.push(entry);
    }
    return out.length === 0 ? undefined : this.objects.addTree(out);
  }

  /** The merged entry at one name: its directory part and its file part merged apart. */
  private async entry(
    name: string,
    s: Sides<TreeEntry>,
    prefix: string,
  ): Promise<TreeEntry | undefined> {
    const path = prefix + name;
    const dirOf = (e: TreeEntry | undefined) =>
      e && treeEntryKind(e.mode) === 'tree' ? e.oid : undefined;
    const fileOf = (e: TreeEntry | undefined): FileEntry | undefined =>
      e && treeEntryKind(e.mode) !== 'tree' ? { mode: e.mode, oid: e.oid } : undefined;
    const dir = await this.tree(dirOf(s.base), dirOf(s.ours), dirOf(s.theirs), `${path}/`);
    const file = await this.file(path, {
      base: fileOf(s.base),
      ours: fileOf(s.ours),
      theirs: fileOf(s.theirs),
    });
    const raw = (s.ours ?? s.theirs ?? s.base) as TreeEntry;
    // A name that is not UTF-8 keeps its bytes.
    const named = (e: { mode: string; oid: string }): TreeEntry =>
      raw.nameBytes ? { ...e, name, nameBytes: raw.nameBytes } : { ...e, name };
    if (dir !== undefined && file !== undefined) {
      this.conflicts.push({ path, kind: 'file/directory', ...pick(s) });
      const keepFile = fileOf(this.prefer === 'ours' ? s.ours : s.theirs) !== undefined;
      return keepFile ? named(file) : named({ mode: '40000', oid: dir });
    }
    if (dir !== undefined) return named({ mode: '40000', oid: dir });
    return file ? named(file) : undefined;
  }

  /** Merges one path's file entries; records a conflict and returns the preferred side if any. */
  private async file(path: string, s: Sides<FileEntry>): Promise<FileEntry | undefined> {
    const { base, ours, theirs } = s;
    if (sameEntry(ours, theirs)) return ours;
    if (sameEntry(base, ours)) return theirs;
    if (sameEntry(base, theirs)) return ours;
    const preferred = this.prefer === 'ours' ? ours : theirs;
    const conflict = (kind: ConflictKind, extra: Partial<FileConflict> = {}) => {
      this.conflicts.push({ path, kind, ...definedOf(s), ...extra });
    };
    if (!ours || !theirs) {
      conflict('modify/delete');
      return preferred;
    }
    const kind = fileKind(ours);
    if (kind !== fileKind(theirs)) {
      conflict('mode');
      return preferred;
    }
    if (kind !== 'blob') {
      // Symlink targets and submodule commits are not merged line by line (nor by git).
      conflict(base ? 'content' : 'add/add');
      return preferred;
    }
    const mode = mergeMode(base?.mode, ours.mode, theirs.mode);
    const content = await this.content(path, base?.oid, ours.oid, theirs.oid);
    if (content.kind) conflict(content.kind, content.regions ? { regions: content.regions } : {});
    else if (mode === undefined) conflict('mode');
    return { mode: mode ?? (preferred as FileEntry).mode, oid: content.oid };
  }

  /** Merges blob contents; `kind` set when they conflict (then `oid` is the preferred result). */
  private async content(
    path: string,
    base: string | undefined,
    ours: string,
    theirs: string,
  ): Promise<{ oid: string; kind?: ConflictKind; regions?: ConflictRegion[] }> {
    if (ours === theirs || base === theirs) return { oid: ours };
    if (base === ours) return { oid: theirs };
    const [b, o, t] = await Promise.all([
      base ? readBlob(this.objects, base) : EMPTY,
      readBlob(this.objects, ours),
      readBlob(this.objects, theirs),
    ]);
    if (isBinary(b) || isBinary(o) || isBinary(t)) {
      return { oid: this.prefer === 'ours' ? ours : theirs, kind: 'binary' };
    }
    const merged = mergeBytes(b, o, t, this.prefer);
    const oid = this.objects.add('blob', merged.bytes);
    if (merged.clean) return { oid };
    return { oid, kind: base ? 'content' : 'add/add', regions: merged.conflicts };
  }
}

/** git's mode merge for regular files: one side's change wins; two different changes conflict. */
function mergeMode(base: string | undefined, ours: string, theirs: string): string | undefined {
  if (ours === theirs || base === ours) return theirs;
  if (base === theirs) return ours;
  return undefined;
}

function definedOf(s: Sides<FileEntry>): Partial<Sides<FileEntry>> {
  const out: Partial<Sides<FileEntry>> = {};
  if (s.base) out.base = s.base;
  if (s.ours) out.ours = s.ours;
  if (s.theirs) out.theirs = s.theirs;
  return out;
}

function pick(s: Sides<TreeEntry>): Partial<Sides<FileEntry>> {
  const f = (e: TreeEntry | undefined) => (e ? { mode: e.mode, oid: e.oid } : undefined);
  return definedOf({ base: f(s.base), ours: f(s.ours), theirs: f(s.theirs) });
}
