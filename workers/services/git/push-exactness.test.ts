import { describe, expect, it } from 'vitest';
import { fromHex } from '../../../common/git/bytes';
import { OidSet } from '../../../common/git/oid-set';
import { ZERO_OID } from '../../../common/git/refs';
import { pushKeepsExact, type ExactnessInput } from './push-exactness';

const oid = (c: string) => c.repeat(40);
const set = (...oids: string[]) => {
  const s = new OidSet(16);
  for (const o of oids) s.add(fromHex(o) as Uint8Array);
  return s;
};
/** A stand-in for a pushed pack's index: `has` and `forEachId` over a fixed list. */
const pack = (...oids: string[]) =>
  ({
    has: (o: string) => oids.includes(o),
    forEachId: (fn: (b: Uint8Array, at: number) => void) => {
      for (const o of oids) fn(fromHex(o) as Uint8Array, 0);
    },
  }) as unknown as NonNullable<ExactnessInput['pack']>;

const A = oid('a'); // old tip of main
const B = oid('b'); // new commit, child of A
const T = oid('c'); // B's tree
const X = oid('d'); // a stored object elsewhere

const base = (over: Partial<ExactnessInput> = {}): ExactnessInput => ({
  wasExact: true,
  commands: [{ ref: 'refs/heads/main', oldOid: A, newOid: B }],
  refs: [{ name: 'refs/heads/main', oid: A }],
  pack: pack(B, T),
  links: set(A, T),
  referencesCruft: false,
  storedLive: (b, at) => [A, X].includes(Buffer.from(b.subarray(at, at + 20)).toString('hex')),
  ...over,
});

describe('pushKeepsExact', () => {
  it('keeps a fast-forward exact', () => {
    expect(pushKeepsExact(base())).toBe(true);
  });
  it('not when the packs were inexact already, or the push points into cruft', () => {
    expect(pushKeepsExact(base({ wasExact: false }))).toBe(false);
    expect(pushKeepsExact(base({ referencesCruft: true }))).toBe(false);
  });
  it('not when an object is sent again', () => {
    expect(pushKeepsExact(base({ pack: pack(B, T, X), links: set(A, T, X) }))).toBe(false);
  });
  it('not when a pushed object is reached by nothing', () => {
    expect(pushKeepsExact(base({ pack: pack(B, T, oid('e')) }))).toBe(false);
  });
  it('not on a deletion or a rewind, unless the old value stays reachable', () => {
    const del = [{ ref: 'refs/heads/main', oldOid: A, newOid: ZERO_OID }];
    expect(pushKeepsExact(base({ commands: del, pack: undefined, links: set() }))).toBe(false);
    const rewind = [{ ref: 'refs/heads/main', oldOid: A, newOid: X }];
    expect(pushKeepsExact(base({ commands: rewind, pack: undefined, links: set() }))).toBe(false);
    // Deleting a branch whose tip another ref still names loses nothing.
    expect(
      pushKeepsExact(
        base({
          commands: [{ ref: 'refs/heads/b', oldOid: A, newOid: ZERO_OID }],
          refs: [
            { name: 'refs/heads/main', oid: A },
            { name: 'refs/heads/b', oid: A },
          ],
          pack: undefined,
          links: set(),
        }),
      ),
    ).toBe(true);
  });
  it('not when a new value is neither pushed nor stored live', () => {
    const c = [{ ref: 'refs/heads/x', oldOid: ZERO_OID, newOid: oid('9') }];
    expect(pushKeepsExact(base({ commands: c, pack: undefined, links: set() }))).toBe(false);
    const ok = [{ ref: 'refs/heads/x', oldOid: ZERO_OID, newOid: X }];
    expect(pushKeepsExact(base({ commands: ok, pack: undefined, links: set() }))).toBe(true);
  });
});
