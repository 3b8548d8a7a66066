import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';
import { describe, expect, it } from 'vitest';
import { parseSiweMessageStrict, SIWE_LIMITS, SiweGrammarError } from './siwe-grammar';
import { checkSiweMessage } from './siwe';

const account = privateKeyToAccount(generatePrivateKey());
const now = new Date('2026-11-28T12:00:00Z');

function message(over: Partial<Parameters<typeof createSiweMessage>[0]> = {}): string {
  return createSiweMessage({
    address: account.address,
    chainId: 1,
    domain: 'plue.test',
    uri: 'https://plue.test',
    nonce: 'abcdef0123456789',
    version: '1',
    statement: 'Sign in to Plue.',
    issuedAt: now,
    ...over,
  });
}

/** The grammar error's message, or undefined when the text parses. */
const why = (text: string): string | undefined => {
  try {
    parseSiweMessageStrict(text);
    return undefined;
  } catch (e) {
    expect(e).toBeInstanceOf(SiweGrammarError);
    return (e as Error).message;
  }
};

/** A hand-written message, one field per line, in the ABNF's own layout. */
const lines = (...l: string[]) => l.join('\n');
const GOOD = [
  'plue.test wants you to sign in with your Ethereum account:',
  account.address,
  '',
  'Sign in to Plue.',
  '',
  'URI: https://plue.test',
  'Version: 1',
  'Chain ID: 1',
  'Nonce: abcdef0123456789',
  'Issued At: 2026-11-28T12:00:00Z',
];

describe('EIP-4361 grammar', () => {
  it('reads what viem writes, with and without a statement, and every optional field', () => {
    const m = parseSiweMessageStrict(message());
    expect(m).toMatchObject({
      domain: 'plue.test',
      address: account.address,
      statement: 'Sign in to Plue.',
      uri: 'https://plue.test',
      chainId: 1,
      nonce: 'abcdef0123456789',
    });
    expect(m.issuedAt.toISOString()).toBe(now.toISOString());
    expect(parseSiweMessageStrict(message({ statement: undefined })).statement).toBeUndefined();
    const full = parseSiweMessageStrict(
      message({
        scheme: 'https',
        expirationTime: new Date(now.getTime() + 60_000),
        notBefore: now,
        requestId: 'req-1:@x',
        resources: ['https://plue.test/a', 'ipfs://bafy/'],
      }),
    );
    expect(full.scheme).toBe('https');
    expect(full.requestId).toBe('req-1:@x');
    expect(full.resources).toEqual(['https://plue.test/a', 'ipfs://bafy/']);
    expect(full.expirationTime?.getTime()).toBe(now.getTime() + 60_000);
    // The ABNF's own layout without a statement: two blank lines.
    expect(why(lines(...GOOD.slice(0, 3), '', ...GOOD.slice(5)))).toBeUndefined();
    expect(why(lines(...GOOD))).toBeUndefined();
  });

  it('refuses hostile statements: CR, LF, NUL, bidi controls, non-ASCII, quotes and brackets', () => {
    for (const s of [
      'Sign in\rto Plue',
      'Sign in\u0000',
      'Sign in \u202Eeulp',
      'Sign in \u2066x\u2069',
      'Connexion à Plue',
      'Sign in 👋',
      'say "hi"',
      'a <b> tag',
      'back\\slash',
      'pipe | brace {}',
      '100% sure',
      'tab\there',
    ]) {
      const text = lines(...GOOD.slice(0, 3), s, ...GOOD.slice(4));
      expect(why(text), JSON.stringify(s)).toBeDefined();
    }
    // A statement with an embedded LF breaks the layout and is refused too.
    expect(why(lines(...GOOD.slice(0, 3), 'line one', 'line two', ...GOOD.slice(4)))).toBeDefined();
    // Reserved and unreserved URI characters are all fine.
    const ok = "I accept: https://plue.test/tos?x=1#y [a] @b !$&'()*+,;= -._~";
    expect(why(lines(...GOOD.slice(0, 3), ok, ...GOOD.slice(4)))).toBeUndefined();
  });

  it('checks every field against its rule', () => {
    const swap = (i: number, line: string) => lines(...GOOD.map((l, j) => (j === i ? line : l)));
    expect(why(swap(0, 'plue.test wants you to sign in with your account:'))).toBeDefined();
    expect(
      why(swap(0, 'user@plue.test wants you to sign in with your Ethereum account:')),
    ).toBeDefined();
    expect(
      why(swap(0, 'plue test wants you to sign in with your Ethereum account:')),
    ).toBeDefined();
    expect(
      why(swap(0, 'ht tp://plue.test wants you to sign in with your Ethereum account:')),
    ).toBeDefined();
    expect(
      why(swap(0, '[::1]:8787 wants you to sign in with your Ethereum account:')),
    ).toBeUndefined();
    expect(why(swap(1, '0x1234'))).toBeDefined();
    expect(why(swap(1, account.address.slice(2)))).toBeDefined();
    expect(why(swap(2, 'x'))).toBeDefined();
    expect(why(swap(5, 'URI: not a uri'))).toBeDefined();
    expect(why(swap(5, 'URI: https://plue.test/<x>'))).toBeDefined();
    expect(why(swap(5, 'Uri: https://plue.test'))).toBeDefined();
    expect(why(swap(6, 'Version: 2'))).toBeDefined();
    expect(why(swap(7, 'Chain ID: 0'))).toBeDefined();
    expect(why(swap(7, 'Chain ID: -1'))).toBeDefined();
    expect(why(swap(7, 'Chain ID: 1e3'))).toBeDefined();
    expect(why(swap(7, 'Chain ID: 99999999999999999'))).toBeDefined();
    expect(why(swap(8, 'Nonce: short12'))).toBeDefined();
    expect(why(swap(8, 'Nonce: abcdefgh-123'))).toBeDefined();
    expect(why(swap(9, 'Issued At: 2026-11-28'))).toBeDefined();
    expect(why(swap(9, 'Issued At: 2026-02-30T00:00:00Z'))).toBeDefined();
    expect(why(swap(9, 'Issued At: 2026-11-28T25:00:00Z'))).toBeDefined();
    expect(why(swap(9, 'Issued At: 2026-11-28T12:00:00'))).toBeDefined();
    expect(why(swap(9, 'Issued At: yesterday'))).toBeDefined();
    expect(why(swap(9, 'Issued At: 2026-11-28T12:00:00.123+05:30'))).toBeUndefined();
    // Fields out of order, unknown, repeated, or after the resources.
    expect(
      why(
        lines(...GOOD, 'Not Before: 2026-11-28T12:00:00Z', 'Expiration Time: 2026-11-28T13:00:00Z'),
      ),
    ).toBeDefined();
    expect(why(lines(...GOOD, 'Colour: blue'))).toBeDefined();
    expect(why(lines(...GOOD, 'Request ID: a b'))).toBeDefined();
    expect(why(lines(...GOOD, 'Resources:', '- https://a.test', 'Nonce: again123'))).toBeDefined();
    expect(why(lines(...GOOD, 'Resources:', '- not a uri'))).toBeDefined();
    expect(why(`${lines(...GOOD)}\n`)).toBeDefined();
  });

  it('limits every field', () => {
    const big = (n: number) => 'a'.repeat(n);
    const swap = (i: number, line: string) => lines(...GOOD.map((l, j) => (j === i ? line : l)));
    expect(why(swap(3, big(SIWE_LIMITS.statement)))).toBeUndefined();
    expect(why(swap(3, big(SIWE_LIMITS.statement + 1)))).toMatch(/statement is longer/);
    expect(why(swap(8, `Nonce: ${big(SIWE_LIMITS.nonce + 1)}`))).toMatch(/nonce is longer/);
    expect(
      why(
        swap(0, `${big(SIWE_LIMITS.domain + 1)} wants you to sign in with your Ethereum account:`),
      ),
    ).toMatch(/domain is longer/);
    expect(why(swap(5, `URI: https://plue.test/${big(SIWE_LIMITS.uri)}`))).toMatch(/URI is longer/);
    expect(why(lines(...GOOD, `Request ID: ${big(SIWE_LIMITS.requestId + 1)}`))).toMatch(
      /request id is longer/,
    );
    const many = Array.from(
      { length: SIWE_LIMITS.resources + 1 },
      (_, i) => `- https://a.test/${i}`,
    );
    expect(why(lines(...GOOD, 'Resources:', ...many))).toMatch(/more than/);
    expect(
      why(lines(...GOOD, 'Resources:', `- https://a.test/${big(SIWE_LIMITS.resource)}`)),
    ).toMatch(/resource is longer/);
    expect(why(big(SIWE_LIMITS.message + 1))).toMatch(/message is longer/);
  });

  it('refuses every truncation of a valid message with a grammar error, never a crash', () => {
    const text = message({
      expirationTime: new Date(now.getTime() + 60_000),
      resources: ['https://plue.test/x'],
    });
    // Cutting inside the last resource still leaves a valid (shorter) URI; stop before it.
    const lastField = text.lastIndexOf('\n- ');
    for (let n = 0; n < lastField; n++) {
      const cut = text.slice(0, n);
      const r = why(cut);
      // A cut that ends exactly at a field boundary may still be a complete, shorter message.
      if (r === undefined) expect(text.slice(n).startsWith('\n')).toBe(true);
    }
  });

  it('survives random and mutated input', () => {
    let seed = 42;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const base = message();
    for (let i = 0; i < 2000; i++) {
      const chars = [...base];
      const edits = 1 + Math.floor(rand() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(rand() * chars.length);
        const code = Math.floor(rand() * 0x3000);
        chars[at] = String.fromCharCode(code);
      }
      const text = chars.join('');
      // Either it parses (the edit kept it valid), or it fails with a grammar error.
      why(text);
      let junk = '';
      const len = Math.floor(rand() * 300);
      for (let k = 0; k < len; k++) junk += String.fromCharCode(Math.floor(rand() * 0x80));
      why(junk);
    }
  });

  it('surfaces grammar errors from checkSiweMessage as siwe_malformed with the reason', () => {
    const expectations = { host: 'plue.test', origin: 'https://plue.test', chainIds: [1], now };
    const hostile = message({ statement: 'ok' }).replace('ok', 'ok\u202Egnp.exe');
    try {
      checkSiweMessage(hostile, expectations);
      expect.unreachable();
    } catch (e) {
      expect((e as { code?: string }).code).toBe('siwe_malformed');
      expect((e as Error).message).toMatch(/printable ASCII/);
    }
    // A lowercase address is fine; a wrong EIP-55 checksum is not.
    const lower = message().replace(account.address, account.address.toLowerCase());
    expect(checkSiweMessage(lower, expectations).chainId).toBe(1);
    const flipped = account.address.replace(/[a-f]/, (c) => c.toUpperCase());
    if (flipped !== account.address) {
      const wrong = message().replace(account.address, flipped);
      expect(() => checkSiweMessage(wrong, expectations)).toThrow(/checksum/);
    }
  });
});
