/**
 * The rename matcher over an in-memory object map: exact renames, similar files above and below
 * git's 50% threshold, the candidate limit, binary and large blobs (never read), random input,
 * and similarity scores checked against the real git CLI on the same files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../../common/git/bytes';
import { hashObject, type ObjectType } from '../../../../common/git/object';
import type { ObjectReader } from '../objects';
import { diffTreesFull, DEFAULT_LIMITS } from './file-diff';
import {
  DEFAULT_RENAME_LIMITS,
  detectRenames,
  similarity,
  spanSignature,
  type RenameLimits,
} from './renames';
import type { FileChange } from './tree-diff';

/** Objects by id; records which blobs were read in full and answers sizes from "headers". */
class Store implements ObjectReader {
  objects = new Map<string, { type: ObjectType; body: Uint8Array }>();
  reads: string[] = [];
  put(body: Uint8Array | string, type: ObjectType = 'blob'): string {
    const bytes = typeof body === 'string' ? utf8(body) : body;
    const oid = hashObject(type, bytes);
    this.objects.set(oid, { type, body: bytes });
    return oid;
  }
  async read(oid: string) {
    this.reads.push(oid);
    return this.objects.get(oid);
  }
  async size(oid: string) {
    return this.objects.get(oid)?.body.length;
  }
}

const removed = (path: string, oid: string, mode = '100644'): FileChange => ({
  path,
  status: 'removed',
  oldOid: oid,
  oldMode: mode,
});
const added = (path: string, oid: string, mode = '100644'): FileChange => ({
  path,
  status: 'added',
  newOid: oid,
  newMode: mode,
});

const lines = (n: number, tag = 'line') =>
  Array.from({ length: n }, (_, i) => `${tag} ${i}: some text that makes the line longer\n`);

describe('rename detection', () => {
  it('pairs exact renames by blob id without reading them, preferring the same base name', async () => {
    const s = new Store();
    const x = s.put('same content\n');
    const other = s.put('unrelated\n'.repeat(10)); // too large to be like a/one.txt
    const r = await detectRenames(s, [
      removed('a/one.txt', x),
      removed('b/two.txt', x),
      added('c/two.txt', x),
      added('d/other.txt', other),
    ]);
    expect(r.limitReached).toBe(false);
    expect(r.changes).toEqual([
      removed('a/one.txt', x),
      {
        path: 'c/two.txt',
        previousPath: 'b/two.txt',
        status: 'renamed',
        similarity: 100,
        oldOid: x,
        oldMode: '100644',
        newOid: x,
        newMode: '100644',
      },
      added('d/other.txt', other),
    ]);
    expect(s.reads).toEqual([]);
  });

  it('pairs a moved and edited file above 50% and leaves one below it apart', async () => {
    const s = new Store();
    const base = lines(20);
    const edited = [...base];
    edited[3] = 'changed line\n';
    edited[10] = 'another changed line\n';
    const rewritten = lines(20, 'different');
    rewritten.splice(0, 9, ...base.slice(0, 9)); // 9 of 20 lines kept: below 50%
    const r = await detectRenames(s, [
      removed('old/kept.txt', s.put(base.join(''))),
      added('new/kept.txt', s.put(edited.join(''))),
      removed('old/gone.txt', s.put(lines(20, 'gone').join(''))),
      added('new/gone.txt', s.put(rewritten.join(''))),
    ]);
    const renamed = r.changes.filter((c) => c.status === 'renamed');
    expect(renamed.map((c) => [c.previousPath, c.path])).toEqual([
      ['old/kept.txt', 'new/kept.txt'],
    ]);
    expect(renamed[0]?.similarity).toBeGreaterThanOrEqual(85);
    expect(renamed[0]?.similarity).toBeLessThan(100);
    expect(r.changes.map((c) => `${c.status} ${c.path}`)).toEqual([
      'added new/gone.txt',
      'renamed new/kept.txt',
      'removed old/gone.txt',
    ]);
  });

  it('gives each file to its best match only', async () => {
    const s = new Store();
    const base = lines(30);
    const near = [...base];
    near[0] = 'x\n';
    const far = [...base];
    for (let i = 0; i < 10; i++) far[i] = `y${i}\n`;
    const r = await detectRenames(s, [
      removed('src.txt', s.put(base.join(''))),
      added('far.txt', s.put(far.join(''))),
      added('near.txt', s.put(near.join(''))),
    ]);
    expect(r.changes.map((c) => `${c.status} ${c.previousPath ?? ''} ${c.path}`)).toEqual([
      'added  far.txt',
      'renamed src.txt near.txt',
    ]);
  });

  it('skips similarity past the rename limit but still finds exact renames', async () => {
    const s = new Store();
    const changes: FileChange[] = [];
    for (let i = 0; i < 3; i++) {
      const text = lines(10, `file${i}`);
      changes.push(removed(`old${i}.txt`, s.put(text.join(''))));
      changes.push(added(`new${i}.txt`, s.put([...text, 'more\n'].join(''))));
    }
    const exact = s.put('exact\n');
    changes.push(removed('e1.txt', exact), added('e2.txt', exact));
    const limits: RenameLimits = { ...DEFAULT_RENAME_LIMITS, renameLimit: 2 };
    const r = await detectRenames(s, changes, limits);
    expect(r.limitReached).toBe(true);
    expect(r.changes.filter((c) => c.status === 'renamed').map((c) => c.path)).toEqual(['e2.txt']);
    expect(s.reads).toEqual([]);
    const within = await detectRenames(s, changes, { ...limits, renameLimit: 3 });
    expect(within.limitReached).toBe(false);
    expect(within.changes.filter((c) => c.status === 'renamed')).toHaveLength(4);
  });

  it('does not compare binary, empty, symlink or large blobs by content', async () => {
    const s = new Store();
    const bin = new Uint8Array(200).map((_, i) => i % 7);
    const bin2 = bin.slice();
    bin2[100] = 99;
    const big = lines(100).join('');
    const big2 = big.replace('line 5:', 'line five:');
    const empty = s.put('');
    const changes = [
      removed('a.bin', s.put(bin)),
      added('b.bin', s.put(bin2)),
      removed('big1.txt', s.put(big)),
      added('big2.txt', s.put(big2)),
      removed('e1', empty),
      added('e2', empty),
      removed('link1', s.put('target/path/somewhere\n'), '120000'),
      added('link2', s.put('target/path/somewhere/else\n'), '120000'),
    ];
    const limits = { ...DEFAULT_RENAME_LIMITS, maxBlobBytes: 1000 };
    const r = await detectRenames(s, changes, limits);
    expect(r.changes.filter((c) => c.status === 'renamed')).toEqual([]);
    // The large blobs were ruled out by their size alone.
    expect(s.reads).not.toContain(hashObject('blob', utf8(big)));
    expect(s.reads).not.toContain(hashObject('blob', utf8(big2)));
    // An unchanged binary file that moved is still an exact rename.
    const moved = await detectRenames(s, [
      removed('x.bin', s.put(bin)),
      added('y.bin', s.put(bin)),
    ]);
    expect(moved.changes.map((c) => `${c.status} ${c.path}`)).toEqual(['renamed y.bin']);
    // Without a size method the reader's objects are read to learn their sizes.
    const plain: ObjectReader = { read: (oid) => s.read(oid) };
    const again = await detectRenames(plain, changes, { ...limits, maxBlobBytes: 1 << 20 });
    expect(again.changes.filter((c) => c.status === 'renamed').map((c) => c.path)).toEqual([
      'big2.txt',
    ]);
  });

  it('keeps every path exactly once on random input', async () => {
    let seed = 12345;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    const pool = ['a\n', 'b\n', 'c\n', 'dd\n', 'e\r\n', '\n', 'x'.repeat(70), '\0'];
    for (let round = 0; round < 100; round++) {
      const s = new Store();
      const changes: FileChange[] = [];
      const n = rnd(8);
      for (let i = 0; i < n; i++) {
        const text = Array.from({ length: rnd(12) }, () => pool[rnd(pool.length)]).join('');
        const oid = s.put(text);
        const mode = ['100644', '100755', '120000', '160000'][rnd(4)];
        changes.push(
          rnd(2) ? removed(`r${i}/f${rnd(3)}`, oid, mode) : added(`a${i}/f${rnd(3)}`, oid, mode),
        );
      }
      const r = await detectRenames(s, changes, { ...DEFAULT_RENAME_LIMITS, renameLimit: 3 });
      const paths = r.changes.flatMap((c) =>
        c.previousPath ? [c.previousPath, c.path] : [c.path],
      );
      expect(paths.sort()).toEqual(changes.map((c) => c.path).sort());
      for (const c of r.changes.filter((x) => x.status === 'renamed')) {
        expect(c.similarity).toBeGreaterThanOrEqual(50);
        expect(c.similarity).toBeLessThanOrEqual(100);
      }
      const bytes = new Uint8Array(rnd(300)).map(() => rnd(256));
      const sig = spanSignature(bytes, false);
      expect(sig.counts.reduce((a, b) => a + b, 0)).toBe(bytes.length);
      const other = spanSignature(
        bytes.map((b) => (rnd(10) === 0 ? 0 : b)),
        false,
      );
      expect(similarity(sig, other)).toBe(similarity(other, sig));
    }
  });

  it('scores files as git does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plue-renames-'));
    try {
      const git = (...args: string[]) =>
        execFileSync('git', args, {
          cwd: dir,
          env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
        }).toString();
      git('init', '-q');
      let seed = 99;
      const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i < 12; i++) {
        const base = lines(10 + rnd(40), `f${i}`);
        const edited = base.map((l) => (rnd(5) === 0 ? `edited ${rnd(1000)}\n` : l));
        if (rnd(2)) edited.push(...lines(rnd(10), 'tail'));
        if (i % 3 === 0) edited[0] = `${'long '.repeat(40)}\r\n`;
        pairs.push([base.join(''), edited.join('')]);
        writeFileSync(join(dir, `old${i}.txt`), base.join(''));
      }
      git('add', '-A');
      git('-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-qm', 'one');
      pairs.forEach(([, edited], i) => {
        rmSync(join(dir, `old${i}.txt`));
        writeFileSync(join(dir, `new${i}.txt`), edited);
      });
      git('add', '-A');
      git('-c', 'user.name=T', '-c', 'user.email=t@x', 'commit', '-qm', 'two');
      const raw = git('diff', '-M', '--raw', 'HEAD~', 'HEAD');
      const scores = new Map<string, number>();
      for (const m of raw.matchAll(/ R(\d{3})\told(\d+)\.txt\tnew(\d+)\.txt/g)) {
        expect(m[2]).toBe(m[3]);
        scores.set(m[2] ?? '', Number(m[1]));
      }
      expect(scores.size).toBeGreaterThan(5);
      pairs.forEach(([a, b], i) => {
        const score = similarity(spanSignature(utf8(a), true), spanSignature(utf8(b), true));
        const expected = scores.get(String(i));
        if (expected === undefined) expect(score).toBeLessThan(50);
        else expect(score, `pair ${i}`).toBe(Math.min(99, expected));
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('diffs a renamed file to only its changed lines', async () => {
    const s = new Store();
    const tree = (files: Record<string, string>) => {
      const entries = Object.entries(files)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([name, text]) => {
          const oid = s.put(text);
          const hex = Buffer.from(oid, 'hex');
          return Buffer.concat([Buffer.from(`100644 ${name}\0`), hex]);
        });
      return s.put(new Uint8Array(Buffer.concat(entries)), 'tree');
    };
    const base = lines(20).join('');
    const t1 = tree({ 'a.txt': base, 'same.txt': 'moved\n' });
    const t2 = tree({ 'b.txt': base.replace('line 7:', 'line seven:'), 'same2.txt': 'moved\n' });
    const d = await diffTreesFull(s, t1, t2, DEFAULT_LIMITS);
    expect(
      d.files.map((f) => [f.status, f.previousPath, f.path, f.additions, f.deletions]),
    ).toEqual([
      ['renamed', 'a.txt', 'b.txt', 1, 1],
      ['renamed', 'same.txt', 'same2.txt', 0, 0],
    ]);
    expect(d.files[1]?.hunks).toEqual([]);
    expect(d.additions + d.deletions).toBe(2);
  });
});
