/** Unit tests of the browse services over an in-memory object map built with the git model. */
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../common/git/bytes';
import {
  hashObject,
  serializeCommit,
  serializeTag,
  serializeTree,
  sortTreeEntries,
  type ObjectType,
} from '../../../common/git/object';
import { diffTreesFull } from './diff/file-diff';
import { formatPatch, splitLines, toHunks } from './diff/hunks';
import { diffLines } from './diff/myers';
import { findChangeVersions, interdiff } from './changes';
import { lastCommits } from './last-commits';
import { commitLog } from './log';
import { entryAt, splitPath, type ObjectReader } from './objects';
import { resolveRef, splitRefPath } from './resolve-ref';

class Store implements ObjectReader {
  objects = new Map<string, { type: ObjectType; body: Uint8Array }>();
  put(type: ObjectType, body: Uint8Array): string {
    const oid = hashObject(type, body);
    this.objects.set(oid, { type, body });
    return oid;
  }
  async read(oid: string) {
    return this.objects.get(oid);
  }
  /** Writes a tree from { path: content } (nested paths make subtrees). */
  tree(files: Record<string, string>): string {
    const top = new Map<string, Record<string, string>>();
    const entries: Array<{ mode: string; name: string; oid: string }> = [];
    for (const [path, content] of Object.entries(files)) {
      const [head = '', ...rest] = path.split('/');
      if (rest.length === 0)
        entries.push({ mode: '100644', name: head, oid: this.put('blob', utf8(content)) });
      else top.set(head, { ...top.get(head), [rest.join('/')]: content });
    }
    for (const [name, sub] of top) entries.push({ mode: '40000', name, oid: this.tree(sub) });
    return this.put('tree', serializeTree(sortTreeEntries(entries)));
  }
  commit(tree: string, parents: string[], msg: string, t: number, changeId?: string): string {
    const sig = { name: 'T', email: 't@x', timestamp: t, tz: '+0000' };
    const c = { tree, parents, author: sig, committer: sig, headers: [], message: `${msg}\n` };
    return this.put('commit', serializeCommit(changeId ? { ...c, changeId } : c));
  }
}

describe('myers line diff', () => {
  const apply = (ops: ReturnType<typeof diffLines>) => ({
    a: ops.filter((o) => o.op !== '+').map((o) => o.text),
    b: ops.filter((o) => o.op !== '-').map((o) => o.text),
  });
  it('reproduces both sides and finds a minimal script', () => {
    const a = ['a', 'b', 'c', 'a', 'b', 'b', 'a'];
    const b = ['c', 'b', 'a', 'b', 'a', 'c'];
    const ops = diffLines(a, b);
    expect(apply(ops)).toEqual({ a, b });
    expect(ops.filter((o) => o.op !== ' ').length).toBe(5); // the paper's example: D = 5
  });
  it('handles empty sides and random inputs', () => {
    expect(diffLines([], ['x'])).toEqual([{ op: '+', text: 'x' }]);
    expect(diffLines(['x'], [])).toEqual([{ op: '-', text: 'x' }]);
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 4;
    for (let i = 0; i < 200; i++) {
      const a = Array.from({ length: rnd() * 5 }, () => String(rnd()));
      const b = Array.from({ length: rnd() * 5 }, () => String(rnd()));
      expect(apply(diffLines(a, b))).toEqual({ a, b });
    }
  });
  it('falls back to remove-all/add-all past the edit bound', () => {
    const a = Array.from({ length: 100 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 100 }, (_, i) => `b${i}`);
    const ops = diffLines(a, b, 10);
    expect(apply(ops)).toEqual({ a, b });
  });
  it('makes unified hunks with context and correct headers', () => {
    const a = splitLines(Array.from({ length: 20 }, (_, i) => `l${i + 1}`).join('\n') + '\n');
    const b = [...a];
    b[1] = 'changed';
    b.splice(15, 1);
    const hunks = toHunks(diffLines(a, b));
    expect(hunks.length).toBe(2);
    expect(formatPatch(hunks).split('\n')[0]).toBe('@@ -1,5 +1,5 @@');
    expect(hunks[1]).toMatchObject({ oldStart: 13, oldLines: 7, newStart: 13, newLines: 6 });
  });
});

describe('paths and refs', () => {
  it('rejects dot segments and normalises slashes', () => {
    expect(splitPath('/a/b/')).toEqual(['a', 'b']);
    expect(splitPath('')).toEqual([]);
    expect(() => splitPath('a/../b')).toThrow(/Invalid path/);
    expect(() => splitPath('a//b')).toThrow(/Invalid path/);
    expect(() => splitPath('./a')).toThrow(/Invalid path/);
  });
  const s = new Store();
  const t1 = s.tree({ 'README.md': '# hi\n', 'src/a.ts': 'a\n', 'src/lib/b.ts': 'b\n' });
  const c1 = s.commit(t1, [], 'one', 1000);
  const tag = s.put(
    'tag',
    serializeTag({
      object: c1,
      type: 'commit',
      tag: 'v1',
      message: 'v1\n',
      headers: [
        ['object', c1],
        ['type', 'commit'],
        ['tag', 'v1'],
        ['tagger', 'T <t@x> 1 +0000'],
      ],
    }),
  );
  const refs = {
    head: 'refs/heads/main',
    refs: [
      { name: 'refs/heads/main', oid: c1 },
      { name: 'refs/heads/feature/x', oid: c1 },
      { name: 'refs/tags/v1', oid: tag },
    ],
  };
  it('resolves HEAD, branches, annotated tags, full and short ids', async () => {
    expect((await resolveRef(s, refs, 'HEAD')).commit).toBe(c1);
    expect((await resolveRef(s, refs, 'feature/x')).kind).toBe('branch');
    expect(await resolveRef(s, refs, 'v1')).toMatchObject({ commit: c1, kind: 'tag' });
    expect((await resolveRef(s, refs, c1.toUpperCase())).commit).toBe(c1);
    const finder = async (p: string) => [...s.objects.keys()].filter((o) => o.startsWith(p));
    expect((await resolveRef(s, refs, c1.slice(0, 8), finder)).commit).toBe(c1);
    await expect(resolveRef(s, refs, 'nope')).rejects.toThrow(/No branch, tag or commit/);
    await expect(resolveRef(s, refs, 'abc', finder)).rejects.toThrow(/No branch/);
    await expect(resolveRef(s, { head: 'refs/heads/main', refs: [] }, 'HEAD')).rejects.toThrow(
      /empty/,
    );
  });
  it('splits ref and path with slashed branch names', () => {
    expect(splitRefPath(refs, ['feature', 'x', 'src', 'a.ts'])).toEqual({
      ref: 'feature/x',
      path: 'src/a.ts',
    });
    expect(splitRefPath(refs, ['main', 'src'])).toEqual({ ref: 'main', path: 'src' });
    expect(splitRefPath(refs, [c1])).toEqual({ ref: c1, path: '' });
  });
  it('looks up entries in nested trees', async () => {
    expect((await entryAt(s, t1, ['src', 'lib', 'b.ts']))?.kind).toBe('blob');
    expect((await entryAt(s, t1, ['src', 'lib']))?.kind).toBe('tree');
    expect(await entryAt(s, t1, ['src', 'a.ts', 'x'])).toBeUndefined();
    expect(await entryAt(s, t1, ['missing'])).toBeUndefined();
  });
});

describe('history', () => {
  const s = new Store();
  const c1 = s.commit(
    s.tree({ 'a.txt': '1\n', 'd/x.txt': 'x\n', 'd/y.txt': 'y\n' }),
    [],
    'c1',
    100,
  );
  const c2 = s.commit(
    s.tree({ 'a.txt': '2\n', 'd/x.txt': 'x\n', 'd/y.txt': 'y\n' }),
    [c1],
    'c2',
    200,
  );
  const c3 = s.commit(
    s.tree({ 'a.txt': '2\n', 'd/x.txt': 'x2\n', 'd/y.txt': 'y\n' }),
    [c2],
    'c3',
    300,
  );
  const c4 = s.commit(
    s.tree({ 'a.txt': '2\n', 'd/x.txt': 'x2\n', 'd/y.txt': 'y\n', 'n.txt': 'n\n' }),
    [c3],
    'c4',
    400,
  );

  it('pages the log and filters by path', async () => {
    const p1 = await commitLog(s, c4, { page: 1, perPage: 3 });
    expect(p1.commits.map((w) => w.oid)).toEqual([c4, c3, c2]);
    expect(p1.hasMore).toBe(true);
    const p2 = await commitLog(s, c4, { page: 2, perPage: 3 });
    expect(p2.commits.map((w) => w.oid)).toEqual([c1]);
    expect(p2.hasMore).toBe(false);
    const a = await commitLog(s, c4, { page: 1, perPage: 10, path: ['a.txt'] });
    expect(a.commits.map((w) => w.oid)).toEqual([c2, c1]);
    const d = await commitLog(s, c4, { page: 1, perPage: 10, path: ['d'] });
    expect(d.commits.map((w) => w.oid)).toEqual([c3, c1]);
  });
  it('finds the last commit of every entry', async () => {
    const root = await lastCommits(s, c4, []);
    expect(root.entries).toEqual({ 'a.txt': c2, d: c3, 'n.txt': c4 });
    expect(root.complete).toBe(true);
    const d = await lastCommits(s, c4, ['d']);
    expect(d.entries).toEqual({ 'x.txt': c3, 'y.txt': c1 });
  });
  it('diffs trees with statuses and counts', async () => {
    const t = async (oid: string) => (await s.read(oid))?.body;
    expect(await t(c1)).toBeDefined();
    const c5 = s.commit(
      s.tree({ 'a.txt': '2\n3\n', 'd/y.txt': 'y\n', bin: 'a\0b' }),
      [c4],
      'c5',
      500,
    );
    const treeOf = (oid: string) => new TextDecoder().decode(s.objects.get(oid)?.body).slice(5, 45);
    const d = await diffTreesFull(s, treeOf(c4), treeOf(c5));
    expect(d.files.map((f) => [f.path, f.status, f.additions, f.deletions, f.binary])).toEqual([
      ['a.txt', 'modified', 1, 0, false],
      ['bin', 'added', 0, 0, true],
      ['d/x.txt', 'removed', 0, 1, false],
      ['n.txt', 'removed', 0, 1, false],
    ]);
  });
  it('finds the versions of a jj change and their interdiff', async () => {
    const id = 'kkkkllllmmmmnnnnooooppppqqqqrrrr';
    const v1 = s.commit(s.tree({ 'a.txt': '2\n', 'f.txt': 'one\n' }), [c2], 'feat', 600, id);
    const v2 = s.commit(s.tree({ 'a.txt': '2\n', 'f.txt': 'two\n' }), [c2], 'feat', 700, id);
    const { versions } = await findChangeVersions(s, id, [c4, v2], [v1]);
    expect(versions.map((v) => v.oid)).toEqual([v2, v1]);
    const [n, o] = versions;
    if (!n || !o) throw new Error('versions missing');
    const files = await interdiff(s, o, n);
    expect(files.map((f) => [f.path, f.additions, f.deletions])).toEqual([['f.txt', 1, 1]]);
  });
});
