import { describe, expect, it } from 'vitest';
import {
  identityOf,
  mayView,
  NOBODY,
  parseViewerIdentity,
  writeViewerIdentity,
  type ViewerIdentity,
} from './run-access';

const alice: ViewerIdentity = { u: '12', s: true };
const aliceNoScope: ViewerIdentity = { u: '12', s: false };
const anon: ViewerIdentity = { u: null, s: true };

describe('run viewer access', () => {
  it('keeps everyone on a public repository', () => {
    for (const who of [alice, aliceNoScope, anon, NOBODY]) {
      expect(mayView(who, { public: true, readers: [] })).toBe(true);
    }
  });

  it('keeps only listed readers with repo:read on a private repository', () => {
    const policy = { public: false, readers: ['7', '12'] };
    expect(mayView(alice, policy)).toBe(true);
    expect(mayView(aliceNoScope, policy)).toBe(false);
    expect(mayView(anon, policy)).toBe(false);
    expect(mayView({ u: '1', s: true }, policy)).toBe(false);
    expect(mayView({ u: '123', s: true }, policy)).toBe(false);
    expect(mayView(alice, { public: false, readers: [] })).toBe(false);
  });

  it('round-trips identities through the header and attachments', () => {
    for (const who of [alice, aliceNoScope, anon, NOBODY]) {
      expect(parseViewerIdentity(writeViewerIdentity(who))).toEqual(who);
      expect(identityOf(JSON.parse(writeViewerIdentity(who)))).toEqual(who);
    }
  });

  it('treats absent, malformed, truncated and random headers as nobody', () => {
    const bad = [
      null,
      undefined,
      '',
      'null',
      '[]',
      '"12"',
      '{"u":12,"s":true}',
      '{"u":"12"}',
      '{"u":"12","s":"yes"}',
      '{"u":"1a","s":true}',
      '{"u":"","s":true}',
      `{"u":"${'9'.repeat(21)}","s":true}`,
      `{"u":"12","s":true,"x":"${'a'.repeat(300)}"}`,
    ];
    for (const text of bad) expect(parseViewerIdentity(text)).toEqual(NOBODY);
    const good = writeViewerIdentity(alice);
    for (let i = 0; i < good.length; i++) {
      const got = parseViewerIdentity(good.slice(0, i));
      expect(got).toEqual(NOBODY);
    }
    for (let i = 0; i < 500; i++) {
      const bytes = Array.from({ length: Math.floor(Math.random() * 40) }, () =>
        String.fromCharCode(Math.floor(Math.random() * 128)),
      ).join('');
      const got = parseViewerIdentity(bytes);
      expect(mayView(got, { public: false, readers: ['12'] })).toBe(false);
    }
    expect(identityOf(undefined)).toEqual(NOBODY);
    expect(identityOf('x')).toEqual(NOBODY);
  });
});
