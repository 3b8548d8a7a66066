import { describe, expect, it } from 'vitest';
import type { DiffLine } from '../../services/browse/diff/hunks';
import { splitPairs } from './diff-rows';

const ctx = (o: number, n: number): DiffLine => ({ op: ' ', text: `c${o}`, oldNo: o, newNo: n });
const del = (o: number): DiffLine => ({ op: '-', text: `d${o}`, oldNo: o });
const add = (n: number): DiffLine => ({ op: '+', text: `a${n}`, newNo: n });
const texts = (rows: ReturnType<typeof splitPairs>) =>
  rows.map(([l, r]) => [l?.text ?? null, r?.text ?? null]);

describe('splitPairs (the rows of a split diff)', () => {
  it('puts context on both sides and pairs removals with the additions after them', () => {
    const rows = splitPairs([ctx(1, 1), del(2), del(3), add(2), ctx(4, 3), add(4), add(5)]);
    expect(texts(rows)).toEqual([
      ['c1', 'c1'],
      ['d2', 'a2'],
      ['d3', null],
      ['c4', 'c4'],
      [null, 'a4'],
      [null, 'a5'],
    ]);
  });
  it('keeps every line exactly once', () => {
    const lines = [del(1), add(1), add(2), del(2), ctx(3, 3)];
    const rows = splitPairs(lines);
    const left = rows.map(([l]) => l).filter((l) => l && l.op !== ' ');
    const right = rows.map(([, r]) => r).filter((r) => r && r.op !== ' ');
    expect(left).toEqual([del(1), del(2)]);
    expect(right).toEqual([add(1), add(2)]);
  });
  it('is empty for no lines', () => {
    expect(splitPairs([])).toEqual([]);
  });
});
