/**
 * The histogram diff and change compaction on their own: what they mark is always a valid edit
 * (the kept lines of both sides are equal, in order) on random input, an unchanged file has no
 * change, and ambiguous insertions slide where git puts them (down, or back up to a change of the
 * other side).
 */
import { describe, expect, it } from 'vitest';
import { seeded } from '../../../../test/helpers/memory-history';
import { compactChanges, histogramDiff } from './histogram';

const kept = (lines: readonly string[], changed: Uint8Array) => lines.filter((_, i) => !changed[i]);

describe('histogramDiff', () => {
  it('marks a valid edit on random input, before and after compaction', () => {
    const rnd = seeded(3);
    const pool = ['a', 'b', '{', '}', '', 'x'];
    for (let round = 0; round < 500; round++) {
      const make = () =>
        Array.from(
          { length: Math.floor(rnd() * 30) },
          () => pool[Math.floor(rnd() * pool.length)] as string,
        );
      const a = make();
      const b = rnd() < 0.1 ? [...a] : make();
      const { changedA, changedB } = histogramDiff(a, b);
      expect(kept(a, changedA)).toEqual(kept(b, changedB));
      compactChanges(changedA, a, changedB);
      compactChanges(changedB, b, changedA);
      expect(kept(a, changedA)).toEqual(kept(b, changedB));
      if (a.join('\n') === b.join('\n'))
        expect([...changedA, ...changedB].every((c) => c === 0)).toBe(true);
    }
  });

  it('slides an ambiguous insertion down, as git does', () => {
    const a = ['x', 'y', 'y', 'z'];
    const b = ['x', 'y', 'y', 'y', 'z'];
    const { changedA, changedB } = histogramDiff(a, b);
    compactChanges(changedA, a, changedB);
    compactChanges(changedB, b, changedA);
    expect([...changedB]).toEqual([0, 0, 0, 1, 0]);
    expect([...changedA]).toEqual([0, 0, 0, 0]);
  });
});
