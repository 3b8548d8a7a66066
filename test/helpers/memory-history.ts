/**
 * Histories built in memory for the landing engine's tests and benchmarks' checks: blobs, trees
 * and commits (with jj `change-id` headers) hashed here, readable as an `ObjectReader`, and
 * handed to a real git repository as one pack so git's own merge-tree, rebase and range-diff
 * run on exactly the same objects. Objects git makes are read back with `cat-file --batch`.
 */
import {
  hashObject,
  serializeCommit,
  serializeTree,
  sortTreeEntries,
} from '../../common/git/object';
import type { ObjectType, TreeEntry } from '../../common/git/object';
import { PackWriter } from '../../common/git/pack-writer';
import { concatBytes, utf8 } from '../../common/git/bytes';
import type { ScratchRepo } from './git-model-fixtures';

export interface FileSpec {
  mode: string;
  content: string | Uint8Array;
}

/** Path → file; a string is a regular file's text. */
export type Snapshot = Record<string, FileSpec | string>;

export interface CommitSpec {
  tree: string;
  parents?: string[];
  message?: string;
  changeId?: string;
  /** Seconds after a fixed epoch, for author and committer. */
  time?: number;
}

/** A seeded generator (mulberry32). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random jj change id (32 letters k–z). */
export function changeIdOf(rnd: () => number): string {
  let s = '';
  for (let i = 0; i < 32; i++) s += String.fromCharCode(107 + Math.floor(rnd() * 16));
  return s;
}

export class MemoryRepo {
  readonly objects = new Map<string, { type: ObjectType; body: Uint8Array }>();

  async read(oid: string) {
    return this.objects.get(oid);
  }

  put(type: ObjectType, body: Uint8Array): string {
    const oid = hashObject(type, body);
    this.objects.set(oid, { type, body });
    return oid;
  }

  blob(content: string | Uint8Array): string {
    return this.put('blob', typeof content === 'string' ? utf8(content) : content);
  }

  /** Writes the trees of a snapshot; returns the root tree id. */
  tree(files: Snapshot): string {
    const root = new Map<string, unknown>();
    for (const [path, spec] of Object.entries(files)) {
      const parts = path.split('/');
      let dir = root;
      for (const p of parts.slice(0, -1)) {
        let next = dir.get(p) as Map<string, unknown> | undefined;
        if (!next) dir.set(p, (next = new Map()));
        dir = next;
      }
      dir.set(
        parts[parts.length - 1] as string,
        typeof spec === 'string' ? { mode: '100644', content: spec } : spec,
      );
    }
    const write = (dir: Map<string, unknown>): string => {
      const entries: TreeEntry[] = [];
      for (const [name, v] of dir) {
        if (v instanceof Map) entries.push({ mode: '40000', name, oid: write(v) });
        else {
          const f = v as FileSpec;
          entries.push({ mode: f.mode, name, oid: this.blob(f.content) });
        }
      }
      return this.put('tree', serializeTree(sortTreeEntries(entries)));
    };
    return write(root);
  }

  commit(c: CommitSpec): string {
    const at = 1700000000 + (c.time ?? 0);
    const headers: Array<[string, string]> = [['tree', c.tree]];
    for (const p of c.parents ?? []) headers.push(['parent', p]);
    headers.push(['author', `Ada Lovelace <ada@example.com> ${at} +0100`]);
    headers.push(['committer', `Ada Lovelace <ada@example.com> ${at} +0100`]);
    if (c.changeId) headers.push(['change-id', c.changeId]);
    const body = serializeCommit({
      tree: c.tree,
      parents: c.parents ?? [],
      author: { name: '', email: '', timestamp: 0, tz: '' },
      committer: { name: '', email: '', timestamp: 0, tz: '' },
      headers,
      message: c.message ?? 'change\n',
    });
    return this.put('commit', body);
  }

  /** Every object as one pack (for `git index-pack --stdin`). */
  pack(): Uint8Array {
    const w = new PackWriter(this.objects.size);
    const parts = [w.header()];
    for (const o of this.objects.values()) parts.push(w.entry(o.type, o.body));
    parts.push(w.trailer());
    return concatBytes(parts);
  }

  /** Gives git every object and points `refs` at commits. */
  exportTo(repo: ScratchRepo, refs: Record<string, string>): void {
    repo.git(['index-pack', '--stdin'], this.pack());
    const lines = Object.entries(refs).map(([r, oid]) => `update ${r} ${oid}\n`);
    if (lines.length) repo.git(['update-ref', '--stdin'], lines.join(''));
  }

  /** Reads objects git holds (e.g. what it made) into this store. */
  importFrom(repo: ScratchRepo, oids: readonly string[]): void {
    if (oids.length === 0) return;
    const out = repo.git(['cat-file', '--batch'], oids.join('\n') + '\n');
    let at = 0;
    while (at < out.length) {
      const nl = out.indexOf(10, at);
      const [oid, type, size] = new TextDecoder().decode(out.subarray(at, nl)).split(' ');
      if (type === 'missing' || !oid || !type || !size) throw new Error(`git lacks ${oid}`);
      const body = out.slice(nl + 1, nl + 1 + Number(size));
      this.objects.set(oid, { type: type as ObjectType, body });
      at = nl + 1 + Number(size) + 1;
    }
  }
}

/** Paths random histories use: no path is a directory of another, so no file/directory case. */
export const RANDOM_PATHS = [
  'a.txt',
  'b.txt',
  'src/c.txt',
  'src/d.txt',
  'src/deep/e.txt',
  'docs/f.md',
  'new/g.txt',
];

/** Lines unique to a file and a generation, so no two files look alike (no rename pairs them). */
export function freshLines(rnd: () => number, tag: string, n: number): string[] {
  return Array.from({ length: n }, () => `${tag} ${Math.floor(rnd() * 1e9).toString(36)}\n`);
}

const textOf = (f: FileSpec | string | undefined) =>
  f === undefined
    ? undefined
    : typeof f === 'string'
      ? f
      : typeof f.content === 'string'
        ? f.content
        : undefined;

/**
 * A random edit of a snapshot: lines replaced, inserted and deleted in a few files, files added
 * and removed, modes flipped, now and then a binary file or a symlink. `tag` makes new lines
 * unique to this edit.
 */
export function mutateSnapshot(
  rnd: () => number,
  snap: Snapshot,
  tag: string,
  paths: readonly string[] = RANDOM_PATHS,
): Snapshot {
  const out: Snapshot = { ...snap };
  const edits = 1 + Math.floor(rnd() * 3);
  for (let k = 0; k < edits; k++) {
    const path = paths[Math.floor(rnd() * paths.length)] as string;
    const cur = out[path];
    const text = textOf(cur);
    const r = rnd();
    if (cur === undefined) {
      out[path] = freshLines(rnd, `${path}/${tag}`, 3 + Math.floor(rnd() * 10)).join('');
    } else if (r < 0.08) {
      delete out[path];
    } else if (r < 0.14 && text !== undefined) {
      const mode = typeof cur === 'string' || cur.mode === '100644' ? '100755' : '100644';
      out[path] = { mode, content: text };
    } else if (r < 0.17) {
      out[path] = { mode: '100644', content: new Uint8Array([0, 1, 2, Math.floor(rnd() * 256)]) };
    } else if (r < 0.2) {
      out[path] = { mode: '120000', content: `target/${tag}` };
    } else if (text !== undefined) {
      const lines = text.split(/(?<=\n)/);
      const at = Math.floor(rnd() * (lines.length + 1));
      const n = Math.floor(rnd() * 3);
      const add = freshLines(rnd, `${path}/${tag}`, Math.floor(rnd() * 3));
      lines.splice(at, n, ...add);
      if (rnd() < 0.05 && lines.length)
        lines[lines.length - 1] = (lines.at(-1) as string).replace(/\n$/, '');
      const mode = typeof cur === 'string' ? '100644' : cur.mode === '120000' ? '100644' : cur.mode;
      out[path] = { mode, content: lines.join('') };
    } else {
      out[path] = freshLines(rnd, `${path}/${tag}`, 4).join('');
    }
  }
  return out;
}

/** A random starting snapshot over `paths`. */
export function randomSnapshot(
  rnd: () => number,
  paths: readonly string[] = RANDOM_PATHS,
): Snapshot {
  const out: Snapshot = {};
  for (const p of paths)
    if (rnd() < 0.7) out[p] = freshLines(rnd, p, 4 + Math.floor(rnd() * 20)).join('');
  return out;
}
