import { describe, expect, it } from 'vitest';
import { ObjectFormatError } from './errors';
import { fsckAndLink } from './fsck-links';
import { firstError, fsckObject, type SpecialBlobs } from './fsck';
import { addLinks } from './object-links';
import { OidSet } from './oid-set';

type Kind = 'commit' | 'tree' | 'tag';
const CODES = { commit: 1, tree: 2, tag: 4 } as const;
const enc = new TextEncoder();

/** A small seeded generator (mulberry32), so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODES = [
  '100644',
  '100755',
  '40000',
  '120000',
  '160000',
  '040000',
  '100664',
  '1100644',
  '10000644',
  '7',
  '0',
  '170000',
  '777777',
  '644',
];
const NAMES = [
  'a',
  'b',
  'c',
  'a.b',
  'a-b',
  '.',
  '..',
  '.git',
  '.GIT',
  'git~1',
  '.gitmodules',
  '.gitattributes',
  'a/b',
  'x\\.git',
  '.mailmap',
  'z',
  'ß',
  '',
];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** A random tree: mostly well-formed entries, sometimes bad modes, names, order or bytes. */
function randomTree(r: () => number): Uint8Array {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const n = Math.floor(r() * 8);
  const names = Array.from({ length: n }, () => pick(NAMES));
  if (r() < 0.6) names.sort();
  const parts = names.map((name) => {
    const mode = r() < 0.7 ? pick(MODES.slice(0, 5)) : pick(MODES);
    const oid = Uint8Array.from({ length: 20 }, () => (r() < 0.05 ? 0 : Math.floor(r() * 256)));
    return concat([enc.encode(`${mode} ${name}\0`), oid]);
  });
  let body = concat(parts);
  const damage = r();
  if (damage < 0.1 && body.length > 0) body = body.subarray(0, Math.floor(r() * body.length));
  else if (damage < 0.2 && body.length > 0) {
    body = body.slice();
    body[Math.floor(r() * body.length)] = Math.floor(r() * 256);
  }
  return body;
}

function randomCommitOrTag(r: () => number): [Kind, Uint8Array] {
  const id = 'A U Thor <a@example.com> 1700000000 +0100';
  const oid = 'ab'.repeat(20);
  const good: Array<[Kind, string]> = [
    ['commit', `tree ${oid}\nparent ${oid}\nauthor ${id}\ncommitter ${id}\n\nmessage\n`],
    ['commit', `tree ${oid}\nauthor ${id}\ncommitter ${id}\n\n`],
    ['tag', `object ${oid}\ntype commit\ntag v1\ntagger ${id}\n\nmessage\n`],
  ];
  const [kind, text] = good[Math.floor(r() * good.length)] as [Kind, string];
  let body = enc.encode(text);
  if (r() < 0.5) body = body.subarray(0, Math.floor(r() * body.length));
  else if (r() < 0.5) {
    body = body.slice();
    body[Math.floor(r() * body.length)] = Math.floor(r() * 128);
  }
  return [kind, body];
}

const special = (): SpecialBlobs => ({ gitmodules: new Set(), gitattributes: new Set() });

/** The two passes receive-pack made before: fsck, then (if fsck refused nothing) addLinks. */
function twoPasses(kind: Kind, body: Uint8Array) {
  const found = special();
  const links = new OidSet(16);
  const problems = fsckObject(kind, body, found);
  let linkError: string | undefined;
  if (!firstError(problems)) {
    try {
      addLinks(CODES[kind], body, links);
    } catch (e) {
      if (!(e instanceof ObjectFormatError)) throw e;
      linkError = e.message;
    }
  }
  return { problems, linkError, found, links };
}

function onePass(kind: Kind, body: Uint8Array) {
  const found = special();
  const links = new OidSet(16);
  const { problems, linkError } = fsckAndLink(kind, body, found, links);
  return { problems, linkError, found, links };
}

/** Compares the two; returns how the object ended: 'refused', 'unlinkable' or 'accepted'. */
function expectSame(kind: Kind, body: Uint8Array, what: string): string {
  const a = twoPasses(kind, body);
  const b = onePass(kind, body);
  expect(b.problems, what).toEqual(a.problems);
  expect(b.linkError, what).toEqual(a.linkError);
  expect(b.found, what).toEqual(a.found);
  // Links only count when the object is accepted.
  if (!firstError(a.problems) && a.linkError === undefined)
    expect(b.links.hexes(), what).toEqual(a.links.hexes());
  return firstError(a.problems) ? 'refused' : a.linkError ? 'unlinkable' : 'accepted';
}

describe('fsckAndLink equals fsck followed by addLinks', () => {
  it('on random trees, well-formed and malformed', () => {
    const ends = new Map<string, number>();
    for (let seed = 1; seed <= 3000; seed++) {
      const end = expectSame('tree', randomTree(rng(seed)), `tree seed ${seed}`);
      ends.set(end, (ends.get(end) ?? 0) + 1);
    }
    // The cases cover every way out.
    expect(ends.get('refused')).toBeGreaterThan(100);
    expect(ends.get('unlinkable')).toBeGreaterThan(2);
    expect(ends.get('accepted')).toBeGreaterThan(100);
  });

  it('on random commits and tags, whole and damaged', () => {
    const ends = new Set<string>();
    for (let seed = 1; seed <= 1000; seed++) {
      const [kind, body] = randomCommitOrTag(rng(seed));
      ends.add(expectSame(kind, body, `${kind} seed ${seed}`));
    }
    expect([...ends].sort()).toEqual(['accepted', 'refused', 'unlinkable']);
  });

  it('where addLinks refuses what fsck lets pass: modes of seven digits or more', () => {
    const oid = new Uint8Array(20).fill(7);
    for (const mode of ['1100644', '10100644', '10000644', '0100644']) {
      const body = concat([enc.encode(`${mode} a\0`), oid]);
      expectSame('tree', body, mode);
    }
    const seven = onePass('tree', concat([enc.encode('1100644 a\0'), oid]));
    // git keeps 16 bits of a mode: it reads 1100644 as 100644 and finds nothing wrong.
    expect(seven.problems).toEqual([]);
    expect(seven.linkError).toBe('bad tree entry mode: 1100644');
    expect(onePass('tree', concat([enc.encode('10100644 a\0'), oid])).linkError).toBe(
      'tree entry without mode',
    );
  });

  it('leaves submodules out of the links', () => {
    const a = new Uint8Array(20).fill(1);
    const b = new Uint8Array(20).fill(2);
    const body = concat([enc.encode('100644 a\0'), a, enc.encode('160000 s\0'), b]);
    const got = onePass('tree', body);
    expect(got.problems).toEqual([]);
    expect(got.links.hexes()).toEqual(['01'.repeat(20)]);
  });
});
