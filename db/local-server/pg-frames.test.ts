import { describe, expect, it } from 'vitest';
import { FrontendFramer, lastReadyStatus } from './pg-frames';

function startup(): Uint8Array {
  const body = new TextEncoder().encode('user\0postgres\0\0');
  const b = new Uint8Array(8 + body.length);
  const v = new DataView(b.buffer);
  v.setInt32(0, b.length);
  v.setInt32(4, 196608);
  b.set(body, 8);
  return b;
}
function msg(type: string, payload: Uint8Array): Uint8Array {
  const b = new Uint8Array(5 + payload.length);
  b[0] = type.charCodeAt(0);
  new DataView(b.buffer).setInt32(1, 4 + payload.length);
  b.set(payload, 5);
  return b;
}

describe('FrontendFramer', () => {
  it('splits startup and typed messages across arbitrary chunk boundaries', () => {
    const q = msg('Q', new TextEncoder().encode('SELECT 1\0'));
    const all = new Uint8Array([...startup(), ...q, ...msg('X', new Uint8Array())]);
    for (let cut = 1; cut < all.length; cut++) {
      const f = new FrontendFramer();
      const out = [...f.push(all.slice(0, cut)), ...f.push(all.slice(cut))];
      expect(out.map((m) => m.kind)).toEqual(['startup', 'message', 'terminate']);
    }
  });

  it('rejects impossible lengths instead of buffering forever', () => {
    const f = new FrontendFramer();
    const bad = new Uint8Array(8);
    new DataView(bad.buffer).setInt32(0, 2);
    expect(() => f.push(bad)).toThrow(/bad startup/);
    const g = new FrontendFramer();
    g.push(startup());
    const neg = new Uint8Array([0x51, 0xff, 0xff, 0xff, 0xff]);
    expect(() => g.push(neg)).toThrow(/bad message length/);
  });

  it('never throws anything but a clean error on random bytes', () => {
    for (let i = 0; i < 200; i++) {
      const f = new FrontendFramer();
      const junk = crypto.getRandomValues(new Uint8Array(1 + (i % 64)));
      try {
        f.push(junk);
      } catch (e) {
        expect((e as Error).message).toMatch(/^bad /);
      }
    }
  });
});

describe('lastReadyStatus', () => {
  it('finds the status of the last ReadyForQuery', () => {
    const z = (s: string) => msg('Z', new Uint8Array([s.charCodeAt(0)]));
    const c = msg('C', new TextEncoder().encode('SELECT 1\0'));
    expect(lastReadyStatus(new Uint8Array([...c, ...z('T')]))).toBe('T');
    expect(lastReadyStatus(new Uint8Array([...z('T'), ...c, ...z('I')]))).toBe('I');
    expect(lastReadyStatus(c)).toBeUndefined();
    expect(lastReadyStatus(new Uint8Array([0x5a, 0, 0]))).toBeUndefined();
  });
});
