import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { scratchRepo, type ScratchRepo } from '../../test/helpers/git-model-fixtures';
import { fromUtf8, utf8 } from './bytes';
import {
  ObjectFormatError,
  changeIdToHex,
  hashObject,
  objectHeader,
  objectTypeCode,
  objectTypeFromCode,
  parseCommit,
  parseTag,
  parseTree,
  serializeCommit,
  serializeTag,
  serializeTree,
  sortTreeEntries,
  type TreeEntry,
} from './object';

let repo: ScratchRepo;
let c1: string;
let c2: string;
let merge: string;

const cat = (type: string, oid: string) => repo.git(['cat-file', type, oid]);
const writeLiteral = (type: string, body: Uint8Array | string) =>
  repo.text(['hash-object', '-t', type, '-w', '--literally', '--stdin'], body);

beforeAll(() => {
  repo = scratchRepo();
  repo.write('a.txt', 'hello\n');
  repo.write('dir/b.txt', 'b\n');
  repo.write('dir.txt', 'sorts between dir and dir/\n');
  repo.write('ünï.txt', 'utf8 name\n');
  c1 = repo.commitAll('first\n\nwith body\n', 1);
  repo.git(['checkout', '-q', '-b', 'side']);
  repo.write('side.txt', 'side\n');
  c2 = repo.commitAll('side', 2);
  repo.git(['checkout', '-q', 'main']);
  repo.write('main.txt', 'main\n');
  repo.commitAll('main', 3);
  repo.git(['merge', '-q', '--no-ff', '-m', 'merge side', 'side']);
  merge = repo.text(['rev-parse', 'HEAD']);
  repo.git(['tag', '-a', '-m', 'release 1\n\nnotes', 'v1', c1]);
});
afterAll(() => repo.remove());

describe('object ids and type codes', () => {
  test('hashObject matches git hash-object', () => {
    for (const body of ['', 'hello\n', 'x'.repeat(10000)]) {
      expect(hashObject('blob', utf8(body))).toBe(repo.text(['hash-object', '--stdin'], body));
    }
    expect(hashObject('commit', cat('commit', c1))).toBe(c1);
  });
  test('objectHeader writes "<type> <size>\\0" for every size', () => {
    const sizes = [0, 1, 9, 10, 99, 100, 12345, 2 ** 31, Number.MAX_SAFE_INTEGER];
    for (const type of ['commit', 'tree', 'blob', 'tag'] as const) {
      for (const size of sizes) expect(objectHeader(type, size)).toEqual(utf8(`${type} ${size}\0`));
    }
  });
  test('type codes', () => {
    expect(['commit', 'tree', 'blob', 'tag'].map((t) => objectTypeCode(t as 'tag'))).toEqual([
      1, 2, 3, 4,
    ]);
    expect([0, 1, 4, 5, 6, 7].map(objectTypeFromCode)).toEqual([
      undefined,
      'commit',
      'tag',
      undefined,
      undefined,
      undefined,
    ]);
  });
});

describe('commits', () => {
  test('parse and round-trip real commits (root, child, merge)', () => {
    for (const oid of [c1, c2, merge]) {
      const body = cat('commit', oid);
      const c = parseCommit(body);
      expect(serializeCommit(c)).toEqual(body);
      expect(c.tree).toBe(repo.text(['rev-parse', `${oid}^{tree}`]));
      expect(c.author).toEqual({
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        timestamp: expect.any(Number),
        tz: '+0100',
      });
      expect(c.committer.name).toBe('Charles Babbage');
    }
    const m = parseCommit(cat('commit', merge));
    expect(m.parents).toHaveLength(2);
    expect(m.parents[1]).toBe(c2);
    expect(m.message).toBe('merge side\n');
    expect(parseCommit(cat('commit', c1)).message).toBe('first\n\nwith body\n');
    expect(parseCommit(cat('commit', c1)).parents).toEqual([]);
  });

  test('jj change-id and multi-line gpgsig headers survive a round trip', () => {
    const tree = repo.text(['rev-parse', `${c1}^{tree}`]);
    const text =
      `tree ${tree}\nparent ${c1}\n` +
      'author Jay Jay <jj@example.com> 1700000000 -0700\n' +
      'committer Jay Jay <jj@example.com> 1700000001 -0700\n' +
      'change-id zyxwvutsrqponmlkzyxwvutsrqponmlk\n' +
      'gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n =abcd\n -----END PGP SIGNATURE-----\n' +
      '\nA jj commit\n';
    const oid = writeLiteral('commit', text);
    const body = cat('commit', oid);
    expect(fromUtf8(body)).toBe(text);
    const c = parseCommit(body);
    expect(c.changeId).toBe('zyxwvutsrqponmlkzyxwvutsrqponmlk');
    expect(changeIdToHex(c.changeId as string)).toBe('0123456789abcdef0123456789abcdef');
    expect(c.headers.map(([k]) => k)).toEqual([
      'tree',
      'parent',
      'author',
      'committer',
      'change-id',
      'gpgsig',
    ]);
    expect(c.headers[5]?.[1]).toContain('\n\niQEzBAABCAAdFiEE\n');
    expect(serializeCommit(c)).toEqual(body);
    expect(hashObject('commit', serializeCommit(c))).toBe(oid);
    expect(repo.text(['log', '-1', '--format=%s', oid])).toBe('A jj commit');
  });

  test('serialize from fields when headers are empty', () => {
    const c = parseCommit(cat('commit', c2));
    expect(serializeCommit({ ...c, headers: [] })).toEqual(cat('commit', c2));
  });

  test('invalid change-id values are kept as headers but not exposed', () => {
    const c = parseCommit(
      utf8(
        `tree ${'a'.repeat(40)}\nauthor A <a> 1 +0000\ncommitter A <a> 1 +0000\nchange-id abc\n\nm`,
      ),
    );
    expect(c.changeId).toBeUndefined();
    expect(c.headers[3]).toEqual(['change-id', 'abc']);
  });

  test.each([
    ['empty', ''],
    ['no tree', 'author A <a> 1 +0000\ncommitter A <a> 1 +0000\n\nm'],
    ['short tree', 'tree abc\nauthor A <a> 1 +0000\ncommitter A <a> 1 +0000\n\nm'],
    ['no author', `tree ${'a'.repeat(40)}\ncommitter A <a> 1 +0000\n\nm`],
    ['no committer', `tree ${'a'.repeat(40)}\nauthor A <a> 1 +0000\n\nm`],
    ['bad ident', `tree ${'a'.repeat(40)}\nauthor nobody\ncommitter A <a> 1 +0000\n\nm`],
    [
      'bad parent',
      `tree ${'a'.repeat(40)}\nparent xyz\nauthor A <a> 1 +0000\ncommitter A <a> 1 +0000\n`,
    ],
    ['continuation first', ` tree ${'a'.repeat(40)}\n`],
  ])('rejects %s', (_name, text) => {
    expect(() => parseCommit(utf8(text))).toThrow(ObjectFormatError);
  });
});

describe('trees', () => {
  test('parse and round-trip real trees; order matches sortTreeEntries', () => {
    const treeOid = repo.text(['rev-parse', `${merge}^{tree}`]);
    const body = cat('tree', treeOid);
    const entries = parseTree(body);
    const ls = repo
      .text(['-c', 'core.quotePath=false', 'ls-tree', treeOid])
      .split('\n')
      .map((l) => {
        const [meta = '', name = ''] = l.split('\t');
        const [mode = '', , oid = ''] = meta.split(' ');
        return { mode: mode.replace(/^0/, ''), name, oid };
      });
    expect(entries).toEqual(ls);
    expect(serializeTree(entries)).toEqual(body);
    expect(sortTreeEntries([...entries].reverse())).toEqual(entries);
    expect(entries.map((e) => e.name)).toEqual([
      'a.txt',
      'dir.txt',
      'dir',
      'main.txt',
      'side.txt',
      'ünï.txt',
    ]);
  });

  test('non-UTF-8 names keep their bytes', () => {
    const raw = new Uint8Array([...utf8('100644 caf'), 0xe9, 0, ...new Uint8Array(20).fill(7)]);
    const [e] = parseTree(raw);
    expect(e?.nameBytes).toEqual(new Uint8Array([0x63, 0x61, 0x66, 0xe9]));
    expect(serializeTree(parseTree(raw))).toEqual(raw);
    const oid = writeLiteral('tree', raw);
    expect(hashObject('tree', raw)).toBe(oid);
  });

  const oid20 = new Uint8Array(20).fill(1);
  test.each([
    ['bad mode', new Uint8Array([...utf8('99999 a'), 0, ...oid20])],
    ['mode with wrong type bits', new Uint8Array([...utf8('170000 a'), 0, ...oid20])],
    ['missing space', utf8('100644')],
    ['missing NUL', utf8('100644 name-without-nul')],
    ['short oid', new Uint8Array([...utf8('100644 a'), 0, 1, 2, 3])],
    ['empty name', new Uint8Array([...utf8('100644 '), 0, ...oid20])],
    ['slash in name', new Uint8Array([...utf8('100644 a/b'), 0, ...oid20])],
  ])('rejects %s', (_name, body) => {
    expect(() => parseTree(body)).toThrow(ObjectFormatError);
  });

  test('serializeTree validates entries', () => {
    const good: TreeEntry = { mode: '100644', name: 'a', oid: 'ab'.repeat(20) };
    expect(() => serializeTree([{ ...good, mode: 'x' }])).toThrow(ObjectFormatError);
    expect(() => serializeTree([{ ...good, oid: 'abc' }])).toThrow(ObjectFormatError);
    expect(() => serializeTree([{ ...good, name: '' }])).toThrow(ObjectFormatError);
  });
});

describe('tags', () => {
  test('parse and round-trip an annotated tag', () => {
    const oid = repo.text(['rev-parse', 'v1']);
    const body = cat('tag', oid);
    const t = parseTag(body);
    expect(t).toMatchObject({
      object: c1,
      type: 'commit',
      tag: 'v1',
      message: 'release 1\n\nnotes\n',
    });
    expect(t.tagger?.name).toBe('Charles Babbage');
    expect(serializeTag(t)).toEqual(body);
  });
  test.each([
    ['no object', 'type commit\ntag v\n\nm'],
    ['bad type', `object ${'a'.repeat(40)}\ntype thing\ntag v\n\nm`],
    ['no tag name', `object ${'a'.repeat(40)}\ntype commit\n\nm`],
  ])('rejects %s', (_n, text) => {
    expect(() => parseTag(utf8(text))).toThrow(ObjectFormatError);
  });
});

test('random bytes give ObjectFormatError or a parse, never another error', () => {
  let seed = 7;
  const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 255;
  for (let i = 0; i < 300; i++) {
    const b = new Uint8Array(rnd() % 100).map(() =>
      i % 3 === 0 ? rnd() : (utf8('tree 0a1 \n<>')[rnd() % 12] ?? 0),
    );
    for (const parse of [parseCommit, parseTree, parseTag]) {
      try {
        parse(b);
      } catch (e) {
        expect(e).toBeInstanceOf(ObjectFormatError);
      }
    }
  }
});

test('every truncation of real objects parses or gives ObjectFormatError', () => {
  const tree = cat('tree', repo.text(['rev-parse', `${merge}^{tree}`]));
  const commit = cat('commit', merge);
  const tag = cat('tag', repo.text(['rev-parse', 'v1']));
  for (const [body, parse] of [
    [tree, parseTree],
    [commit, parseCommit],
    [tag, parseTag],
  ] as const) {
    for (let cut = 0; cut < body.length; cut++) {
      try {
        parse(body.subarray(0, cut));
      } catch (e) {
        expect(e).toBeInstanceOf(ObjectFormatError);
      }
    }
  }
  // A tree cut inside an oid is always an error.
  expect(() => parseTree(tree.subarray(0, tree.length - 1))).toThrow(/short oid/);
});
