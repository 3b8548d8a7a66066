import { describe, expect, it } from 'vitest';
import { readReceiveCommands, ReceiveRequestError } from './receive-commands';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const Z = '0'.repeat(40);
const enc = new TextEncoder();
const pkt = (s: string) => `${(enc.encode(s).length + 4).toString(16).padStart(4, '0')}${s}`;

async function* chunks(bytes: Uint8Array, size = 7): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
const read = (text: string | Uint8Array, size?: number) =>
  readReceiveCommands(chunks(typeof text === 'string' ? enc.encode(text) : text, size));

describe('readReceiveCommands', () => {
  it('reads shallow lines, then commands with capabilities on the first', async () => {
    const body =
      pkt(`shallow ${A}\n`) +
      pkt(`shallow ${B}\n`) +
      pkt(`${A} ${B} refs/heads/main\0report-status side-band-64k\n`) +
      pkt(`${Z} ${B} refs/heads/new\n`) +
      '0000PACK';
    const r = await read(body, 4096);
    expect(r.shallow).toEqual([A, B]);
    expect(r.commands).toEqual([
      { oldOid: A, newOid: B, ref: 'refs/heads/main' },
      { oldOid: Z, newOid: B, ref: 'refs/heads/new' },
    ]);
    expect([...r.caps]).toEqual(['report-status', 'side-band-64k']);
    expect(new TextDecoder().decode(r.pkts.takeRest())).toBe('PACK');
  });

  it('keeps push options in order, after the commands', async () => {
    const body =
      pkt(`${Z} ${B} refs/for/main\0report-status push-options\n`) +
      '0000' +
      pkt('title=Fix the parser\n') +
      pkt('description=line one\n') +
      pkt('draft') +
      '0000PACK';
    const r = await read(body, 4096);
    expect(r.options).toEqual(['title=Fix the parser', 'description=line one', 'draft']);
    expect(new TextDecoder().decode(r.pkts.takeRest())).toBe('PACK');
    // Without the capability, what follows the flush is the pack, not options.
    const plain = await read(pkt(`${Z} ${B} refs/heads/x\0report-status\n`) + '0000PACK');
    expect(plain.options).toEqual([]);
  });

  it('refuses more than 100 push options', async () => {
    const many = Array.from({ length: 101 }, (_, i) => pkt(`o${i}=1\n`)).join('');
    const err = await read(
      pkt(`${Z} ${B} refs/for/main\0push-options side-band-64k\n`) + '0000' + many + '0000',
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ReceiveRequestError);
    expect((err as ReceiveRequestError).message).toMatch(/more than 100 push options/);
  });

  it('keeps a ref name with spaces or control characters whole, to be refused by name', async () => {
    const r = await read(pkt(`${Z} ${B} refs/heads/a b\tc\0report-status\n`) + '0000');
    expect(r.commands[0]?.ref).toBe('refs/heads/a b\tc');
  });

  it('refuses malformed requests with the capabilities read so far', async () => {
    const caps = `\0report-status side-band-64k`;
    for (const body of [
      pkt(`${A} ${B} refs/heads/main${caps}\n`) + pkt('garbage\n') + '0000',
      pkt(`${A} ${B} refs/heads/main${caps}\n`) + pkt(`shallow ${A}\n`) + '0000',
      pkt(`${A} ${B} refs/heads/main${caps}\n`) + '00',
      pkt(`${A} ${B} refs/heads/main${caps}\n`),
    ]) {
      const err = await read(body).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err, body).toBeInstanceOf(ReceiveRequestError);
      expect((err as ReceiveRequestError).caps.has('side-band-64k'), body).toBe(true);
    }
    const bad = await read(pkt('shallow xyz\n')).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(ReceiveRequestError);
    expect((bad as ReceiveRequestError).message).toMatch(/malformed shallow line/);
  });

  it('answers every truncation and random bytes with a result or a clean error', async () => {
    const body = enc.encode(
      pkt(`shallow ${A}\n`) +
        pkt(`${A} ${B} refs/heads/main\0report-status push-options\n`) +
        '0000' +
        pkt('opt=1\n') +
        '0000',
    );
    for (let n = 0; n <= body.length; n++) {
      await read(body.subarray(0, n), 5).catch((e: unknown) => {
        expect(e).toBeInstanceOf(ReceiveRequestError);
      });
    }
    let seed = 99;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    for (let i = 0; i < 2000; i++) {
      const b = new Uint8Array(rand() % 120);
      for (let k = 0; k < b.length; k++)
        b[k] = i % 2 ? rand() & 0xff : '0123456789abcdef '.charCodeAt(rand() % 17);
      await read(b, 1 + (rand() % 16)).catch((e: unknown) => {
        expect(e).toBeInstanceOf(ReceiveRequestError);
      });
    }
  });
});
