import { describe, expect, test } from 'vitest';
import { fromHex } from './bytes';
import { ObjectFormatError } from './errors';
import { addLinks } from './object-links';
import { OidSet } from './oid-set';
import { serializeTree, hashObject } from './object';
import { sha1 } from './native';

const id = (n: number) => sha1(Uint8Array.of(n & 255, n >> 8, n >> 16));

describe('OidSet', () => {
  test('adds, dedupes, grows and answers membership', () => {
    const s = new OidSet(4);
    for (let i = 0; i < 5000; i++) s.add(id(i));
    for (let i = 0; i < 5000; i += 7) s.add(id(i));
    expect(s.size).toBe(5000);
    for (let i = 0; i < 5000; i++) expect(s.has(id(i))).toBe(true);
    for (let i = 5000; i < 6000; i++) expect(s.has(id(i))).toBe(false);
    const buf = new Uint8Array(25);
    buf.set(id(3), 5);
    expect(s.has(buf, 5)).toBe(true);
    let seen = 0;
    s.forEach(() => void seen++);
    expect(seen).toBe(5000);
  });

  test('ids sharing a long prefix still spread (crafted tree entries)', () => {
    const s = new OidSet();
    for (let i = 0; i < 50000; i++) {
      const b = new Uint8Array(20);
      b[18] = i >> 8;
      b[19] = i & 255;
      b[17] = i >> 16;
      s.add(b);
    }
    expect(s.size).toBe(50000);
    // Piled into one run, a lookup would probe up to 50,000 slots; spread, a few dozen at most.
    expect(s.longestRun()).toBeLessThan(1000);
  });
});

describe('addLinks', () => {
  const blob = hashObject('blob', new Uint8Array(1));
  const sub = 'ab'.repeat(20);
  const tree = serializeTree([
    { mode: '100644', name: 'a', oid: blob },
    { mode: '160000', name: 'm', oid: sub },
    { mode: '40000', name: 'd', oid: 'cd'.repeat(20) },
  ]);

  test('tree entries but submodules; commit tree and parents; tag object', () => {
    const s = new OidSet();
    addLinks(2, tree, s);
    expect(s.hexes().sort()).toEqual([blob, 'cd'.repeat(20)].sort());
    const commit = new TextEncoder().encode(
      `tree ${'11'.repeat(20)}\nparent ${'22'.repeat(20)}\nauthor A <a@x> 1 +0000\ncommitter A <a@x> 1 +0000\n\nm\n`,
    );
    addLinks(1, commit, s);
    const tag = new TextEncoder().encode(`object ${'33'.repeat(20)}\ntype commit\ntag v1\n\nmsg\n`);
    addLinks(4, tag, s);
    addLinks(3, new Uint8Array([1, 2, 3]), s); // blobs link nowhere
    for (const h of ['11', '22', '33'])
      expect(s.has(fromHex(h.repeat(20)) as Uint8Array)).toBe(true);
    expect(s.size).toBe(5);
  });

  test.each([
    ['no mode', '100644a\0'],
    ['bad mode', '100x44 a\0' + 'x'.repeat(20)],
    ['empty name', '100644 \0' + 'x'.repeat(20)],
    ['slash', '100644 a/b\0' + 'x'.repeat(20)],
    ['short oid', '100644 a\0' + 'x'.repeat(19)],
    ['no NUL', '100644 abc'],
  ])('a tree with %s is refused', (_n, text) => {
    const body = Uint8Array.from(text, (c) => c.charCodeAt(0));
    expect(() => addLinks(2, body, new OidSet())).toThrow(ObjectFormatError);
  });
});
