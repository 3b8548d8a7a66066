/**
 * Comment porting: a table of moves (lines inserted above, the line itself edited, the hunk
 * deleted, the file emptied, renamed or removed) and properties on random files: the ported
 * range is always inside the new file, an unchanged file keeps every comment in place, and a
 * comment is outdated exactly when the text under it differs from what it was written on.
 */
import { describe, expect, it } from 'vitest';
import { MemoryRepo, seeded } from '../../../../test/helpers/memory-history';
import { anchorHash, portComment, portCommentToRevision, portLines } from './port-comment';

const lines = (s: string) => s.split('\n');
const anchorOn = (file: string[], startLine: number, endLine = startLine) => ({
  startLine,
  endLine,
  textHash: anchorHash(file.slice(startLine - 1, endLine)),
});

describe('portLines', () => {
  const old = lines('a\nb\nc\nd\ne\nf');
  it('follows lines moved by changes above them', () => {
    expect(portLines(old, lines('x\ny\na\nb\nc\nd\ne\nf'), anchorOn(old, 3, 4))).toEqual({
      startLine: 5,
      endLine: 6,
      outdated: false,
    });
  });
  it('marks an edited line outdated and keeps it on the line that replaced it', () => {
    expect(portLines(old, lines('a\nb\nC\nd\ne\nf'), anchorOn(old, 3))).toEqual({
      startLine: 3,
      endLine: 3,
      outdated: true,
    });
  });
  it('moves a comment on deleted lines to the nearest surviving line', () => {
    expect(portLines(old, lines('a\nb\ne\nf'), anchorOn(old, 4))).toEqual({
      startLine: 3,
      endLine: 3,
      outdated: true,
    });
    expect(portLines(old, lines('a\nb\nc\nd'), anchorOn(old, 6))).toEqual({
      startLine: 4,
      endLine: 4,
      outdated: true,
    });
  });
  it('has no line in an emptied file', () => {
    expect(portLines(old, [], anchorOn(old, 2))).toEqual({ outdated: true });
  });
  it('keeps its properties on random files', () => {
    const rnd = seeded(11);
    const pool = ['a', 'b', 'c', 'd', '', '  x', 'long line'];
    const file = (n: number) =>
      Array.from({ length: n }, () => pool[Math.floor(rnd() * pool.length)] as string);
    for (let round = 0; round < 500; round++) {
      const a = file(1 + Math.floor(rnd() * 15));
      const b = rnd() < 0.2 ? [...a] : file(Math.floor(rnd() * 15));
      const s = 1 + Math.floor(rnd() * a.length);
      const e = s + Math.floor(rnd() * (a.length - s + 1));
      const anchor = anchorOn(a, s, e);
      const p = portLines(a, b, anchor);
      if (b.length === 0) {
        expect(p).toEqual({ outdated: true });
        continue;
      }
      const start = p.startLine as number;
      const end = p.endLine as number;
      expect(start).toBeGreaterThanOrEqual(1);
      expect(end).toBeGreaterThanOrEqual(start);
      expect(end).toBeLessThanOrEqual(b.length);
      expect(p.outdated).toBe(anchorHash(b.slice(start - 1, end)) !== anchor.textHash);
      if (b.join('\n') === a.join('\n'))
        expect(p).toEqual({ startLine: s, endLine: e, outdated: false });
      // Truncated and out-of-range anchors still land inside the file.
      const wild = portLines(a, b, { startLine: -3, endLine: a.length + 9, textHash: 'x' });
      expect(wild.outdated).toBe(true);
      expect(wild.endLine as number).toBeLessThanOrEqual(b.length);
    }
  });
});

describe('portComment', () => {
  const body = Array.from({ length: 20 }, (_, i) => `line ${i + 1} with enough text to compare`);
  it('follows a renamed file and turns file-level when the file is gone', async () => {
    const mem = new MemoryRepo();
    const from = mem.tree({ 'src/a.txt': body.join('\n') + '\n', 'b.txt': 'b\n' });
    const edited = ['new first line', ...body];
    const renamed = mem.tree({ 'lib/a.txt': edited.join('\n') + '\n', 'b.txt': 'b\n' });
    const anchor = { path: 'src/a.txt', ...anchorOn(body, 5, 6) };
    expect(await portComment(mem, anchor, from, renamed)).toEqual({
      path: 'lib/a.txt',
      startLine: 6,
      endLine: 7,
      outdated: false,
      moved: true,
    });
    const gone = mem.tree({ 'b.txt': 'b\n' });
    expect(await portComment(mem, anchor, from, gone)).toEqual({
      path: 'src/a.txt',
      outdated: true,
      moved: true,
    });
    expect(await portComment(mem, anchor, from, from)).toEqual({
      path: 'src/a.txt',
      startLine: 5,
      endLine: 6,
      outdated: false,
      moved: false,
    });
  });

  it('ports between revisions on the side the comment was written on', async () => {
    const mem = new MemoryRepo();
    const base = mem.commit({ tree: mem.tree({ f: body.join('\n') + '\n' }) });
    const head1 = mem.commit({
      tree: mem.tree({ f: ['top', ...body].join('\n') + '\n' }),
      parents: [base],
    });
    const base2 = mem.commit({
      tree: mem.tree({ f: ['x', 'y', ...body].join('\n') + '\n' }),
      parents: [base],
    });
    const head2 = mem.commit({
      tree: mem.tree({ f: ['x', 'y', 'top', ...body].join('\n') + '\n' }),
      parents: [base2],
    });
    const on = (side: 'base' | 'head', file: string[], line: number) => ({
      path: 'f',
      side,
      ...anchorOn(file, line),
    });
    const r1 = { head: head1, base };
    const r2 = { head: head2, base: base2 };
    // Line 4 of the head ("line 3 …") is line 6 of revision 2's head; line 3 of the base is 5.
    expect(await portCommentToRevision(mem, on('head', ['top', ...body], 4), r1, r2)).toMatchObject(
      {
        startLine: 6,
        outdated: false,
      },
    );
    expect(await portCommentToRevision(mem, on('base', body, 3), r1, r2)).toMatchObject({
      startLine: 5,
      outdated: false,
    });
  });
});
