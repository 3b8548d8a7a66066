/**
 * The line merge: git's rules on small tables (separate changes merge, touching ones conflict,
 * identical ones merge once, a lost final newline is a change) and properties on random input,
 * bytes included (every byte value round-trips).
 */
import { describe, expect, it } from 'vitest';
import { seeded } from '../../../../test/helpers/memory-history';
import { bytesToLines, linesToBytes, mergeBytes, mergeLines } from './diff3';

const L = (s: string) => s.split(/(?<=\n)/).filter((x) => x !== '');

describe('mergeLines', () => {
  it('merges changes separated by an unchanged line', () => {
    const r = mergeLines(L('1\n2\n3\n'), L('x\n2\n3\n'), L('1\n2\ny\n'));
    expect(r).toEqual({ clean: true, lines: L('x\n2\ny\n'), conflicts: [] });
  });

  it('conflicts on changes that touch, as git does', () => {
    const r = mergeLines(L('1\n2\n3\n'), L('x\n2\n3\n'), L('1\ny\n3\n'));
    expect(r.clean).toBe(false);
    expect(r.conflicts).toEqual([{ base: [0, 2], ours: [0, 2], theirs: [0, 2], output: [0, 2] }]);
    expect(r.lines).toEqual(L('x\n2\n3\n'));
    const t = mergeLines(L('1\n2\n3\n'), L('x\n2\n3\n'), L('1\ny\n3\n'), 'theirs');
    expect(t.lines).toEqual(L('1\ny\n3\n'));
    // An insertion where the other side changes a line.
    expect(mergeLines(L('1\n2\n'), L('0\n1\n2\n'), L('x\n2\n')).clean).toBe(false);
  });

  it('takes identical changes once and keeps a lost final newline', () => {
    expect(mergeLines(L('1\n2\n3\n'), L('1\nx\n3\n'), L('1\nx\n3\n')).lines).toEqual(
      L('1\nx\n3\n'),
    );
    const r = mergeBytes(
      new TextEncoder().encode('a\nb\nc\nd\n'),
      new TextEncoder().encode('A\nb\nc\nd\n'),
      new TextEncoder().encode('a\nb\nc\nd'),
    );
    expect(new TextDecoder().decode(r.bytes)).toBe('A\nb\nc\nd');
  });

  it('holds its properties on random input', () => {
    const rnd = seeded(7);
    const pool = ['a\n', 'b\n', 'c\n', '\n', 'd', 'e\r\n'];
    const text = (n: number) =>
      Array.from({ length: n }, () => pool[Math.floor(rnd() * pool.length)] as string);
    for (let round = 0; round < 400; round++) {
      const base = text(Math.floor(rnd() * 12));
      const ours = text(Math.floor(rnd() * 12));
      const theirs = text(Math.floor(rnd() * 12));
      expect(mergeLines(base, ours, ours)).toEqual({ clean: true, lines: ours, conflicts: [] });
      expect(mergeLines(base, base, theirs).lines).toEqual(theirs);
      expect(mergeLines(base, ours, base).lines).toEqual(ours);
      const ab = mergeLines(base, ours, theirs);
      const ba = mergeLines(base, theirs, ours);
      expect(ab.clean).toBe(ba.clean);
      if (ab.clean) expect(ab.lines).toEqual(ba.lines);
      for (const c of ab.conflicts) {
        expect(ab.lines.slice(...c.output)).toEqual(ours.slice(...c.ours));
      }
      // Random bytes (every value, NULs, no newline at all) round-trip through lines.
      const bytes = new Uint8Array(Math.floor(rnd() * 64)).map(() => Math.floor(rnd() * 256));
      expect(linesToBytes(bytesToLines(bytes))).toEqual(bytes);
      const cut = bytes.subarray(0, Math.floor(rnd() * bytes.length));
      expect(mergeBytes(bytes, cut, bytes).bytes).toEqual(cut);
    }
  });
});
