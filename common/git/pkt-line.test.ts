import { describe, expect, test } from 'vitest';
import { concatBytes, fromUtf8, utf8 } from './bytes';
import {
  DELIM_PKT,
  FLUSH_PKT,
  PktLineError,
  PktLineReader,
  RESPONSE_END_PKT,
  encodePktLine,
  encodeSideBand,
  parsePktLines,
  pktLineText,
  type Pkt,
} from './pkt-line';

const text = (p: Pkt | undefined) => (p ? pktLineText(p) : undefined);

describe('pkt-line', () => {
  test('encodes with the total length in lower-case hex', () => {
    expect(fromUtf8(encodePktLine('hello\n'))).toBe('000ahello\n');
    expect(fromUtf8(encodePktLine(''))).toBe('0004');
    expect(fromUtf8(FLUSH_PKT) + fromUtf8(DELIM_PKT) + fromUtf8(RESPONSE_END_PKT)).toBe(
      '000000010002',
    );
    expect(encodePktLine(new Uint8Array(65516)).length).toBe(65520);
    expect(fromUtf8(encodePktLine(new Uint8Array(65516)).subarray(0, 4))).toBe('fff0');
    expect(() => encodePktLine(new Uint8Array(65517))).toThrow(PktLineError);
  });

  test('parses data, flush, delim and response-end; 8-bit clean', () => {
    const bin = new Uint8Array([0, 255, 10, 13]);
    const body = concatBytes([
      encodePktLine('command=ls-refs\n'),
      DELIM_PKT,
      encodePktLine('peel'),
      encodePktLine(bin),
      FLUSH_PKT,
      RESPONSE_END_PKT,
    ]);
    const pkts = parsePktLines(body);
    expect(pkts.map((p) => p.type)).toEqual([
      'data',
      'delim',
      'data',
      'data',
      'flush',
      'response-end',
    ]);
    expect(text(pkts[0])).toBe('command=ls-refs');
    expect(text(pkts[2])).toBe('peel');
    expect((pkts[3] as { data: Uint8Array }).data).toEqual(bin);
    expect(parsePktLines(utf8('000AHELLO\n'))).toHaveLength(1); // upper-case hex accepted
  });

  test('streams byte by byte and hands back the bytes after the last packet', () => {
    const pack = utf8('PACK\0\0\0\x02rest-of-pack');
    const body = concatBytes([
      encodePktLine('0000 1111 refs/heads/main\0report-status\n'),
      FLUSH_PKT,
      pack,
    ]);
    const r = new PktLineReader();
    const got: Pkt[] = [];
    for (const b of body) {
      r.push(new Uint8Array([b]));
      for (let p = r.next(); p; p = r.next()) got.push(p);
      if (got.length === 2) break;
      expect(r.buffered).toBeLessThan(70);
    }
    expect(got.map((p) => p.type)).toEqual(['data', 'flush']);
    expect(r.buffered).toBe(0);
    r.push(body.subarray(body.length - pack.length));
    expect(r.takeRest()).toEqual(pack);
    expect(r.buffered).toBe(0);
    expect(r.next()).toBeUndefined();
  });

  test('takeRest after a chunk holding commands and pack together', () => {
    const pack = utf8('PACKxyz');
    const r = new PktLineReader();
    r.push(concatBytes([encodePktLine('a'), FLUSH_PKT, pack]));
    expect(text(r.next())).toBe('a');
    expect(r.next()).toEqual({ type: 'flush' });
    expect(r.takeRest()).toEqual(pack);
  });

  test('bad input gives PktLineError', () => {
    expect(() => parsePktLines(utf8('zzzzhello'))).toThrow(/bad pkt-line length header/);
    expect(() => parsePktLines(utf8('0003'))).toThrow(/bad pkt-line length header/);
    expect(() => parsePktLines(utf8('fff1' + 'x'.repeat(70000)))).toThrow(/pkt-line too long/);
    expect(() => parsePktLines(utf8('0009abc'))).toThrow(/truncated pkt-line/);
    expect(() => parsePktLines(utf8('00'))).toThrow(/truncated pkt-line/);
    const r = new PktLineReader();
    r.push(utf8('0009abc'));
    expect(r.next()).toBeUndefined(); // not finished yet: wait for more
    r.end();
    expect(() => r.next()).toThrow(PktLineError);
  });

  test('random bytes never throw anything but PktLineError', () => {
    let seed = 42;
    const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) & 255;
    for (let i = 0; i < 500; i++) {
      const len = rnd() % 64;
      const b = new Uint8Array(len).map(() =>
        i % 2 ? rnd() : '0123456789abcdef'.charCodeAt(rnd() % 16),
      );
      try {
        parsePktLines(b);
      } catch (e) {
        expect(e).toBeInstanceOf(PktLineError);
      }
    }
  });

  test('side-band splits at 65515 data bytes per packet', () => {
    const data = new Uint8Array(65515 * 2 + 3).map((_, i) => i & 255);
    const pkts = parsePktLines(encodeSideBand(1, data));
    expect(pkts).toHaveLength(3);
    const datas = pkts.map((p) => (p as { data: Uint8Array }).data);
    expect(datas.map((d) => d.length)).toEqual([65516, 65516, 4]);
    expect(datas.every((d) => d[0] === 1)).toBe(true);
    expect(concatBytes(datas.map((d) => d.subarray(1)))).toEqual(data);
    expect(fromUtf8(encodeSideBand(2, utf8('hi\n'), 1))).toBe('0006\x02h0006\x02i0006\x02\n');
    expect(fromUtf8(encodeSideBand(1, new Uint8Array(0)))).toBe('0005\x01');
  });
});
