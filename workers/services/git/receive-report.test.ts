import { describe, expect, it } from 'vitest';
import { parsePktLines, pktLineText } from '../../../common/git/pkt-line';
import { writeReport, writeRequestRefusal } from './receive-report';
import { GitResponseWriter } from './response-writer';

async function collect(fn: (out: GitResponseWriter) => Promise<void>): Promise<Uint8Array> {
  const out = new GitResponseWriter();
  const body = new Response(out.readable).arrayBuffer();
  await fn(out);
  await out.close();
  return new Uint8Array(await body);
}

/** Report lines, band 1 unwrapped when `sideband`. */
function lines(bytes: Uint8Array, sideband: boolean): string[] {
  let pkts = parsePktLines(bytes);
  if (sideband) {
    const inner = pkts
      .filter((p) => p.type === 'data' && p.data[0] === 1)
      .map((p) => (p.type === 'data' ? p.data.subarray(1) : new Uint8Array()));
    const all = new Uint8Array(inner.reduce((n, b) => n + b.length, 0));
    let o = 0;
    for (const b of inner) {
      all.set(b, o);
      o += b.length;
    }
    pkts = parsePktLines(all);
  }
  return pkts.filter((p) => p.type === 'data').map(pktLineText);
}

describe('writeReport', () => {
  it('reports the refs a command really updated with report-status-v2 options', async () => {
    const Z = '0'.repeat(40);
    const [a, b] = ['a'.repeat(40), 'b'.repeat(40)];
    const r = {
      ref: 'refs/for/main',
      ok: true,
      updated: [
        { refname: 'refs/landings/3/1', oldOid: Z, newOid: a },
        { refname: 'refs/landings/4/2', oldOid: Z, newOid: b },
      ],
    };
    const v2 = lines(await collect((out) => writeReport(out, false, undefined, [r], true)), false);
    expect(v2).toEqual([
      'unpack ok',
      'ok refs/for/main',
      'option refname refs/landings/3/1',
      `option old-oid ${Z}`,
      `option new-oid ${a}`,
      'ok refs/for/main',
      'option refname refs/landings/4/2',
      `option old-oid ${Z}`,
      `option new-oid ${b}`,
    ]);
    const v1 = lines(await collect((out) => writeReport(out, false, undefined, [r])), false);
    expect(v1).toEqual(['unpack ok', 'ok refs/for/main']);
  });

  it('writes unpack and per-ref status, plain or in band 1', async () => {
    for (const sideband of [false, true]) {
      const bytes = await collect((out) =>
        writeReport(out, sideband, undefined, [
          { ref: 'refs/heads/main', ok: true },
          { ref: 'refs/heads/x', ok: false, reason: 'shallow update not allowed' },
        ]),
      );
      expect(lines(bytes, sideband)).toEqual([
        'unpack ok',
        'ok refs/heads/main',
        'ng refs/heads/x shallow update not allowed',
      ]);
    }
  });

  it('keeps a ref name of any length a pkt-line can carry whole, shortening only the reason', async () => {
    const ref = `refs/heads/${'x'.repeat(65_420)}`;
    const reason = 'invalid ref name: 65431 bytes long, the limit is 255 '.repeat(3);
    const bytes = await collect((out) =>
      writeReport(out, true, 'é'.repeat(40_000), [{ ref, ok: false, reason }]),
    );
    const [unpack, ng] = lines(bytes, true);
    expect(unpack?.startsWith('unpack éé')).toBe(true);
    expect(ng?.startsWith(`ng ${ref} invalid ref name`)).toBe(true);
    // The payload (line and LF) fills at most one pkt-line.
    expect(new TextEncoder().encode(`${ng ?? ''}\n`).length).toBeLessThanOrEqual(65516);
  });
});

describe('writeRequestRefusal', () => {
  it('uses ERR without side-band and band 3 with it', async () => {
    const plain = parsePktLines(await collect((o) => writeRequestRefusal(o, new Set(), 'bad')));
    expect(plain.map(pktLineText)).toEqual(['ERR bad']);
    const banded = parsePktLines(
      await collect((o) => writeRequestRefusal(o, new Set(['side-band-64k']), 'bad')),
    );
    expect(banded[0]?.type === 'data' && banded[0].data[0]).toBe(3);
  });
});
