import { describe, expect, test } from 'vitest';
import { concatBytes, fromUtf8 } from '../../../common/git/bytes';
import { encodePktLine, FLUSH_PKT, parsePktLines, pktLineText } from '../../../common/git/pkt-line';
import { ZERO_OID } from '../../../common/git/refs';
import { AppError } from '../../../common/errors';
import { writeUploadPackAdvertisement } from './advertise-v0';
import { negotiateV0, type NegotiationInput, type NegotiationRepo } from './negotiate-v0';
import { parseUploadPackV0Request } from './upload-pack-v0-request';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const T = 'e'.repeat(40);

const body = (...lines: Array<string | 'flush'>): Uint8Array =>
  concatBytes(lines.map((l) => (l === 'flush' ? FLUSH_PKT : encodePktLine(`${l}\n`))));

const texts = (bytes: Uint8Array): string[] =>
  parsePktLines(bytes).map((p) => (p.type === 'flush' ? '0000' : pktLineText(p)));

describe('v0 ref advertisement', () => {
  const opts = { agent: 'plue/test', http: true, noDone: true, version1: false };

  test('HEAD first with the capabilities and symref, refs sorted, tags peeled', () => {
    const state = {
      head: 'refs/heads/main',
      refs: [
        { name: 'refs/tags/v1', oid: T },
        { name: 'refs/heads/main', oid: A },
        { name: 'refs/heads/feature', oid: B },
      ],
    };
    const lines = texts(writeUploadPackAdvertisement(state, new Map([[T, A]]), opts));
    expect(lines[0]).toBe('# service=git-upload-pack');
    expect(lines[1]).toBe('0000');
    const [first, caps] = (lines[2] as string).split('\0');
    expect(first).toBe(`${A} HEAD`);
    const words = (caps as string).split(' ');
    for (const w of [
      'multi_ack',
      'multi_ack_detailed',
      'no-done',
      'side-band',
      'side-band-64k',
      'thin-pack',
      'ofs-delta',
      'shallow',
      'deepen-since',
      'deepen-not',
      'deepen-relative',
      'no-progress',
      'include-tag',
      'filter',
      'allow-tip-sha1-in-want',
      'allow-reachable-sha1-in-want',
      'symref=HEAD:refs/heads/main',
      'object-format=sha1',
      'agent=plue/test',
    ])
      expect(words).toContain(w);
    expect(lines.slice(3)).toEqual([
      `${B} refs/heads/feature`,
      `${A} refs/heads/main`,
      `${T} refs/tags/v1`,
      `${A} refs/tags/v1^{}`,
      '0000',
    ]);
  });

  test('an empty repository: capabilities^{} with the zero id; SSH form, v1, no no-done', () => {
    const adv = writeUploadPackAdvertisement({ head: 'refs/heads/main', refs: [] }, new Map(), {
      ...opts,
      http: false,
      noDone: false,
      version1: true,
    });
    const lines = texts(adv);
    expect(lines[0]).toBe('version 1');
    expect(lines[1]?.startsWith(`${ZERO_OID} capabilities^{}\0multi_ack `)).toBe(true);
    expect(lines[1]).not.toContain('no-done');
    expect(lines[1]).not.toContain('symref=');
    expect(lines[2]).toBe('0000');
    expect(lines).toHaveLength(3);
  });

  test('an unborn HEAD is left out, as git does', () => {
    const lines = texts(
      writeUploadPackAdvertisement(
        { head: 'refs/heads/main', refs: [{ name: 'refs/heads/other', oid: B }] },
        new Map(),
        opts,
      ),
    );
    expect(lines[2]?.startsWith(`${B} refs/heads/other\0`)).toBe(true);
    expect(lines[2]).not.toContain('symref=');
  });

  test('leaves out refs whose names were stored before they were checked', () => {
    const long = `refs/heads/${'a'.repeat(65_350)}`;
    const lines = texts(
      writeUploadPackAdvertisement(
        {
          head: 'refs/heads/zz',
          refs: [
            { name: long, oid: A },
            { name: `refs/heads/${'b'.repeat(300)}`, oid: A },
            { name: 'refs/heads/ok', oid: B },
          ],
        },
        new Map(),
        opts,
      ),
    );
    expect(lines[2]?.startsWith(`${B} refs/heads/ok\0`)).toBe(true);
    expect(lines).toHaveLength(4);
  });
});

describe('parseUploadPackV0Request', () => {
  test('reads wants with capabilities, shallow and deepen lines, haves and done', () => {
    const r = parseUploadPackV0Request(
      body(
        `want ${A} multi_ack_detailed no-done side-band-64k thin-pack ofs-delta include-tag no-progress deepen-relative filter agent=git/2.39`,
        `want ${B}`,
        `shallow ${C}`,
        'deepen 3',
        'filter blob:none',
        'flush',
        `have ${C}`,
        `have ${D}`,
        'done',
      ),
    );
    expect(r).toBeDefined();
    if (!r) return;
    expect(r.fetch.wants).toEqual([A, B]);
    expect(r.fetch.haves).toEqual([C, D]);
    expect(r.fetch.done).toBe(true);
    expect([...r.fetch.shallow]).toEqual([C]);
    expect(r.fetch.depth).toBe(3);
    expect(r.fetch.filter).toEqual({ kind: 'blob:none' });
    expect(r).toMatchObject({ multiAck: 'detailed', sideBand: 65515, noDone: true });
    expect(r.negotiating).toBe(true);
    expect(r.fetch).toMatchObject({
      ofsDelta: true,
      includeTag: true,
      noProgress: true,
      relative: true,
    });
  });

  test('side-band and multi_ack alone; deepen-since and deepen-not', () => {
    const r = parseUploadPackV0Request(
      body(`want ${A} multi_ack side-band`, 'deepen-since 1700000000', 'deepen-not main', 'flush'),
    );
    expect(r).toMatchObject({ multiAck: 'multi_ack', sideBand: 995, negotiating: false });
    expect(r?.fetch.deepenSince).toBe(1700000000);
    expect(r?.fetch.deepenNot).toEqual(['main']);
  });

  test('git fetch --unshallow asks for depth 2^31 - 1', () => {
    const r = parseUploadPackV0Request(
      body(`want ${A}`, `shallow ${B}`, 'deepen 2147483647', 'flush'),
    );
    expect(r?.fetch.depth).toBe(2147483647);
    expect(() => parseUploadPackV0Request(body(`want ${A}`, 'deepen 2147483648', 'flush'))).toThrow(
      AppError,
    );
  });

  test('a request with only its want section is not negotiating; a bare flush wants nothing', () => {
    expect(parseUploadPackV0Request(body(`want ${A}`, 'flush'))?.negotiating).toBe(false);
    expect(parseUploadPackV0Request(body('flush'))).toBeUndefined();
    // A have section that ends without its flush reads like one that flushed (git does so).
    const r = parseUploadPackV0Request(body(`want ${A}`, 'flush', `have ${B}`));
    expect(r?.negotiating).toBe(true);
    expect(r?.fetch.done).toBe(false);
    expect(r?.fetch.haves).toEqual([B]);
  });

  test.each([
    ['a have among the wants', body(`want ${A}`, `have ${B}`, 'flush')],
    ['a bad want id', body(`want ${A.slice(1)}`, 'flush')],
    ['an upper-case want id', body(`want ${A.toUpperCase()}`, 'flush')],
    ['an unknown want-section line', body(`want ${A}`, 'bogus', 'flush')],
    ['a filter without the capability', body(`want ${A}`, 'filter blob:none', 'flush')],
    ['an unsupported filter', body(`want ${A} filter`, 'filter tree:0', 'flush')],
    ['a zero depth', body(`want ${A}`, 'deepen 0', 'flush')],
    ['a bad deepen-since', body(`want ${A}`, 'deepen-since soon', 'flush')],
    ['a want section without its flush', body(`want ${A}`)],
    ['a non-have in the have section', body(`want ${A}`, 'flush', `want ${B}`)],
    ['a bad have id', body(`want ${A}`, 'flush', 'have 1234')],
    [
      'a delim packet',
      concatBytes([encodePktLine(`want ${A}\n`), new Uint8Array([48, 48, 48, 49])]),
    ],
    ['shallow lines without wants', body(`shallow ${A}`, 'flush')],
  ])('refuses %s with an invalid-request error', (_what, bytes) => {
    expect(() => parseUploadPackV0Request(bytes)).toThrow(AppError);
  });

  test('every truncation of a valid request parses or fails cleanly', () => {
    const full = body(
      `want ${A} multi_ack_detailed side-band-64k ofs-delta`,
      `want ${B}`,
      'deepen 2',
      'flush',
      `have ${C}`,
      'flush',
    );
    for (let n = 0; n < full.length; n++) {
      try {
        parseUploadPackV0Request(full.subarray(0, n));
      } catch (err) {
        expect(err).toBeInstanceOf(AppError);
      }
    }
  });

  test('random bytes and random lines never fail with anything but an invalid-request error', () => {
    let seed = 7;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const words = ['want', 'have', 'shallow', 'deepen', 'deepen-since', 'filter', 'done', A, '1'];
    for (let i = 0; i < 2000; i++) {
      const bytes =
        i % 2 === 0
          ? Uint8Array.from({ length: rnd(80) }, () => rnd(256))
          : body(
              ...Array.from({ length: rnd(6) }, () =>
                rnd(5) === 0
                  ? ('flush' as const)
                  : Array.from({ length: 1 + rnd(3) }, () => words[rnd(words.length)]).join(' '),
              ),
            );
      try {
        parseUploadPackV0Request(bytes);
      } catch (err) {
        expect(err, fromUtf8(bytes)).toBeInstanceOf(AppError);
      }
    }
  });
});

describe('negotiateV0', () => {
  // History: D ← C ← B ← A (A newest); X is a commit the server does not have.
  const X = '9'.repeat(40);
  const graph: Record<string, { parents: string[]; time: number }> = {
    [D]: { parents: [], time: 100 },
    [C]: { parents: [D], time: 200 },
    [B]: { parents: [C], time: 300 },
    [A]: { parents: [B], time: 400 },
  };
  const repo: NegotiationRepo = {
    has: (oid) => oid in graph,
    commit: (oid) => Promise.resolve(graph[oid]),
  };
  const input: NegotiationInput = {
    wants: [A],
    haves: [],
    done: false,
    multiAck: 'detailed',
    noDone: false,
  };

  test('multi_ack_detailed: ACK common per known have, ready once every want is reached, NAK', async () => {
    const r = await negotiateV0(repo, { ...input, haves: [X, B] });
    expect(r.lines).toEqual([`ACK ${B} common`, 'NAK']);
    expect(r.common).toEqual([B]);
    expect(r.sendPack).toBe(false);
    const ready = await negotiateV0(repo, { ...input, haves: [B, C] });
    expect(ready.lines).toEqual([`ACK ${B} common`, `ACK ${C} common`, `ACK ${C} ready`, 'NAK']);
  });

  test('an unknown have after the wants are reached is answered ready', async () => {
    const r = await negotiateV0(repo, { ...input, haves: [B, X] });
    expect(r.lines).toEqual([`ACK ${B} common`, `ACK ${X} ready`, 'NAK']);
  });

  test('no-done goes straight to the pack after ready', async () => {
    const r = await negotiateV0(repo, { ...input, haves: [B], noDone: true });
    expect(r.lines).toEqual([`ACK ${B} common`, `ACK ${B} ready`, 'NAK', `ACK ${B}`]);
    expect(r.sendPack).toBe(true);
  });

  test('nothing in common: NAK; done then answers NAK and sends the pack', async () => {
    expect((await negotiateV0(repo, { ...input, haves: [X] })).lines).toEqual(['NAK']);
    const done = await negotiateV0(repo, { ...input, haves: [], done: true });
    expect(done).toEqual({ lines: ['NAK'], common: [], sendPack: true });
  });

  test('done after common haves answers with the last one', async () => {
    const r = await negotiateV0(repo, { ...input, haves: [C, B], done: true });
    expect(r.lines).toEqual([`ACK ${C} common`, `ACK ${B} common`, `ACK ${B}`]);
    expect(r.sendPack).toBe(true);
  });

  test('a want older than every have is not reached: no ready', async () => {
    const r = await negotiateV0(repo, { ...input, wants: [C], haves: [A] });
    expect(r.lines).toEqual([`ACK ${A} common`, 'NAK']);
  });

  test('multi_ack answers continue; without multi_ack only the first common is ACKed', async () => {
    const multi = await negotiateV0(repo, { ...input, multiAck: 'multi_ack', haves: [B, X] });
    expect(multi.lines).toEqual([`ACK ${B} continue`, `ACK ${X} continue`, 'NAK']);
    const plain = await negotiateV0(repo, { ...input, multiAck: 'none', haves: [B, C] });
    expect(plain.lines).toEqual([`ACK ${B}`]);
    const plainDone = await negotiateV0(repo, {
      ...input,
      multiAck: 'none',
      haves: [B],
      done: true,
    });
    expect(plainDone.lines).toEqual([`ACK ${B}`]);
    const none = await negotiateV0(repo, { ...input, multiAck: 'none', haves: [X] });
    expect(none.lines).toEqual(['NAK']);
  });
});
