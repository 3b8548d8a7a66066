import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../common/git/bytes';
import { ReportedObject } from '../../../common/git/pack-indexer';
import { ShallowPush } from './receive-shallow';

const enc = new TextEncoder();
const id = (c: string) => c.repeat(40);
const TREE = id('e');
const SIG = 'A <a@b> 1700000000 +0000';

function commit(oid: string, parents: string[]): ReportedObject {
  const body = enc.encode(
    `tree ${TREE}\n${parents.map((p) => `parent ${p}\n`).join('')}author ${SIG}\ncommitter ${SIG}\n\nm\n`,
  );
  return new ReportedObject(fromHex(oid) as Uint8Array, 'commit', body, 0);
}

describe('ShallowPush', () => {
  // History: a <- b <- c <- d; the client is shallow at c (it lacks b).
  const [a, b, c, d] = ['1', '2', '3', '4'].map(id) as [string, string, string, string];

  it('is inert without shallow lines', () => {
    const s = new ShallowPush([]);
    s.record(commit(d, [c]));
    s.settle(
      () => true,
      () => false,
    );
    expect(s.active).toBe(false);
    expect(s.reachesBoundary(d)).toBe(false);
    expect(s.excuses(c)).toBe(false);
  });

  it('needs nothing when the server already stores the boundary', () => {
    const s = new ShallowPush([c]);
    s.record(commit(d, [c]));
    s.settle(
      (oid) => oid === d,
      (oid) => [a, b, c].includes(oid),
    );
    expect(s.reachesBoundary(d)).toBe(false);
    expect(s.excuses(b)).toBe(false);
  });

  it('refuses refs reaching a boundary the pack brings, excusing only its parents', () => {
    const s = new ShallowPush([c]);
    s.record(commit(d, [c]));
    s.record(commit(c, [b]));
    s.settle(
      (oid) => oid === c || oid === d,
      () => false,
    );
    expect(s.reachesBoundary(d)).toBe(true);
    expect(s.reachesBoundary(c)).toBe(true);
    expect(s.excuses(b)).toBe(true);
    expect(s.excuses(a)).toBe(false);
    // A tip outside the pack's history does not reach it.
    expect(s.reachesBoundary(a)).toBe(false);
  });

  it('walks merges and cycles without looping', () => {
    const s = new ShallowPush([c]);
    s.record(commit(d, [d, a, c]));
    s.record(commit(c, [b]));
    s.settle(
      (oid) => oid !== b,
      () => false,
    );
    expect(s.reachesBoundary(d)).toBe(true);
  });
});
