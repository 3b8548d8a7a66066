import { describe, expect, test } from 'vitest';
import { concatBytes, fromUtf8, utf8 } from '../common/git/bytes';
import { encodePktLine, encodeSideBand, FLUSH_PKT } from '../common/git/pkt-line';
import { describeWantSection, StatelessRounds, type WantSection } from './stateless-rounds';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const C = 'c'.repeat(40);
const D = 'd'.repeat(40);
const X = '9'.repeat(40);

const pkts = (...lines: Array<string | 'flush'>): Uint8Array =>
  concatBytes(lines.map((l) => (l === 'flush' ? FLUSH_PKT : encodePktLine(`${l}\n`))));
const have = (oid: string): Uint8Array => encodePktLine(`have ${oid}\n`);

function want(caps: string, ...more: string[]): WantSection {
  const w = describeWantSection([`want ${A} ${caps}`, ...more]);
  if (typeof w === 'string') throw new Error(w);
  return w;
}

describe('describeWantSection', () => {
  test('reads the ack mode and whether history is cut', () => {
    expect(want('multi_ack_detailed side-band-64k').mode).toBe('detailed');
    expect(want('multi_ack side-band').mode).toBe('multi_ack');
    expect(want('side-band').mode).toBe('none');
    expect(want('multi_ack_detailed').deepen).toBe(false);
    expect(want('multi_ack_detailed', 'deepen 1').deepen).toBe(true);
    expect(want('multi_ack_detailed', 'deepen-since 5').deepen).toBe(true);
    expect(want('multi_ack_detailed', `shallow ${B}`).deepen).toBe(false);
    expect(fromUtf8(want('x').bytes)).toBe(`${fromUtf8(pkts(`want ${A} x`))}0000`);
  });

  test('refuses a section that does not start with a want', () => {
    expect(describeWantSection([`have ${A}`])).toMatch(/expected a want line/);
    expect(describeWantSection([])).toMatch(/expected a want line/);
    expect(describeWantSection([`want ${A.slice(2)}`])).toMatch(/expected a want line/);
  });
});

describe('StatelessRounds', () => {
  test('repeats the wants and every common have; trims what the client already has', () => {
    const w = want('multi_ack_detailed side-band-64k', 'deepen 2');
    const rounds = new StatelessRounds(w);
    const r1 = rounds.round([have(X), have(B)], 'flush');
    expect(fromUtf8(r1.body)).toBe(fromUtf8(concatBytes([w.bytes, have(X), have(B), FLUSH_PKT])));
    expect(r1).toMatchObject({ skipShallow: true, dropAcks: 0 });
    const a1 = pkts(`shallow ${C}`, 'flush', `ACK ${B} common`, 'NAK');
    const at1 = rounds.trim(a1, r1, true) ?? -1;
    expect(fromUtf8(a1.subarray(at1))).toBe(fromUtf8(pkts(`ACK ${B} common`, 'NAK')));
    rounds.learn(a1.subarray(at1));

    const r2 = rounds.round([have(C)], 'done');
    expect(fromUtf8(r2.body)).toBe(
      fromUtf8(concatBytes([w.bytes, have(B), have(C), encodePktLine('done\n')])),
    );
    expect(r2.dropAcks).toBe(1);
    const pack = encodeSideBand(1, utf8('PACK....'));
    const a2 = concatBytes([
      pkts(`shallow ${C}`, 'flush', `ACK ${B} common`, `ACK ${C} common`, `ACK ${C}`),
      pack,
    ]);
    const at2 = rounds.trim(a2, r2, true) ?? -1;
    expect(fromUtf8(a2.subarray(at2))).toBe(
      fromUtf8(concatBytes([pkts(`ACK ${C} common`, `ACK ${C}`), pack])),
    );
  });

  test('the final plain ACK of a done round is kept even when it names a repeated have', () => {
    const rounds = new StatelessRounds(want('multi_ack_detailed'));
    rounds.learn(pkts(`ACK ${B} common`, `ACK ${X} ready`, 'NAK'));
    const r = rounds.round([], 'done');
    // `ready` may name a have the server lacks: it is never repeated.
    expect(fromUtf8(r.body)).not.toContain(`have ${X}`);
    const a = pkts(`ACK ${B} common`, `ACK ${B}`);
    expect(fromUtf8(a.subarray(rounds.trim(a, r, true) ?? -1))).toBe(fromUtf8(pkts(`ACK ${B}`)));
  });

  test('multi_ack repeats "continue" ACKs; without multi_ack only the first ACK is dropped', () => {
    const multi = new StatelessRounds(want('multi_ack'));
    multi.learn(pkts(`ACK ${B} continue`, `ACK ${C} continue`, 'NAK'));
    const rm = multi.round([have(D)], 'flush');
    expect(rm.dropAcks).toBe(2);
    const am = pkts(`ACK ${B} continue`, `ACK ${C} continue`, `ACK ${D} continue`, 'NAK');
    expect(fromUtf8(am.subarray(multi.trim(am, rm, true) ?? -1))).toBe(
      fromUtf8(pkts(`ACK ${D} continue`, 'NAK')),
    );

    const plain = new StatelessRounds(want('side-band-64k'));
    plain.learn(pkts(`ACK ${B}`));
    const rp = plain.round([have(C)], 'done');
    expect(rp.dropAcks).toBe(1);
    const ap = concatBytes([pkts(`ACK ${B}`), encodeSideBand(1, utf8('PACK'))]);
    expect(fromUtf8(ap.subarray(plain.trim(ap, rp, true) ?? -1))).toBe(
      fromUtf8(encodeSideBand(1, utf8('PACK'))),
    );
  });

  test('stops trimming at anything unexpected, so errors reach the client', () => {
    const rounds = new StatelessRounds(want('multi_ack_detailed', 'deepen 1'));
    rounds.learn(pkts(`ACK ${B} common`));
    const r = rounds.round([], 'done');
    const err = pkts('ERR upload-pack: not our ref');
    expect(rounds.trim(err, r, true)).toBe(0);
    const afterShallow = pkts('flush', 'ERR boom');
    expect(rounds.trim(afterShallow, r, true)).toBe(4);
    // A raw (no side-band) pack right after the prefix.
    const raw = concatBytes([pkts('flush', `ACK ${B} common`), utf8('PACK\0\0\0\x02')]);
    const at = rounds.trim(raw, r, true) ?? -1;
    expect(fromUtf8(raw.subarray(at))).toBe('PACK\0\0\0\x02');
  });

  test('asks for more bytes until the prefix is complete, at every split point', () => {
    const rounds = new StatelessRounds(want('multi_ack_detailed', 'deepen 1'));
    rounds.learn(pkts(`ACK ${B} common`, `ACK ${C} common`));
    const r = rounds.round([], 'done');
    const prefix = pkts(`shallow ${D}`, 'flush', `ACK ${B} common`, `ACK ${C} common`);
    const rest = concatBytes([pkts(`ACK ${C}`), encodeSideBand(1, utf8('PACK'))]);
    const full = concatBytes([prefix, rest]);
    for (let n = 0; n < full.length; n++) {
      const at = rounds.trim(full.subarray(0, n), r, false);
      if (n < prefix.length) expect(at, `at ${n}`).toBeUndefined();
      else expect(at).toBe(prefix.length);
    }
    // Truncated answers that have ended: trimming stops cleanly where the bytes do.
    for (let n = 0; n < full.length; n++) {
      const at = rounds.trim(full.subarray(0, n), r, true);
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThanOrEqual(n);
    }
  });

  test('random answers never throw, and trimming never passes the end', () => {
    let seed = 11;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const rounds = new StatelessRounds(want('multi_ack_detailed', 'deepen 3'));
    rounds.learn(pkts(`ACK ${B} common`));
    const r = rounds.round([], 'flush');
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: rnd(60) }, () => rnd(256));
      const at = rounds.trim(bytes, r, true) ?? -1;
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThanOrEqual(bytes.length);
      rounds.learn(bytes);
    }
  });
});
