import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { createSiweMessage } from 'viem/siwe';
import { describe, expect, it } from 'vitest';
import { checkSiweMessage, parseChainIds, verifySiweSignature } from './siwe';

const account = privateKeyToAccount(generatePrivateKey());
const other = privateKeyToAccount(generatePrivateKey());
const now = new Date('2026-11-28T12:00:00Z');
const expect_ = { host: 'plue.test', origin: 'https://plue.test', chainIds: [1], now };

function message(over: Partial<Parameters<typeof createSiweMessage>[0]> = {}): string {
  return createSiweMessage({
    address: account.address,
    chainId: 1,
    domain: 'plue.test',
    uri: 'https://plue.test',
    nonce: 'abcdef0123456789',
    version: '1',
    issuedAt: now,
    ...over,
  });
}

const code = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
};

describe('SIWE message checks', () => {
  it('accepts a well-formed message for this site', () => {
    expect(checkSiweMessage(message(), expect_)).toEqual({
      address: account.address,
      nonce: 'abcdef0123456789',
      chainId: 1,
    });
    // A URI with a path on this origin is fine.
    expect(checkSiweMessage(message({ uri: 'https://plue.test/login' }), expect_).chainId).toBe(1);
  });

  it('gives each failure its own code', () => {
    const c = (m: string, e = expect_) => code(() => checkSiweMessage(m, e));
    expect(c(message({ domain: 'evil.test' }))).toBe('siwe_domain_mismatch');
    expect(c(message({ uri: 'https://evil.test' }))).toBe('siwe_uri_mismatch');
    expect(c(message({ uri: 'http://plue.test' }))).toBe('siwe_uri_mismatch');
    expect(c(message({ chainId: 5 }))).toBe('siwe_chain_not_allowed');
    expect(c(message({ issuedAt: new Date(now.getTime() + 120_000) }))).toBe(
      'siwe_issued_in_future',
    );
    expect(c(message({ issuedAt: new Date(now.getTime() + 30_000) }))).toBeUndefined();
    expect(c(message({ expirationTime: new Date(now.getTime() - 1000) }))).toBe('siwe_expired');
    expect(c(message({ notBefore: new Date(now.getTime() + 60_000) }))).toBe('siwe_not_yet_valid');
    expect(c('hello')).toBe('siwe_malformed');
    expect(code(() => checkSiweMessage(42, expect_))).toBe('siwe_malformed');
    expect(c('x'.repeat(5000))).toBe('siwe_malformed');
    expect(c(message().replace('Version: 1', 'Version: 2'))).toBe('siwe_malformed');
    expect(c(message().replace(/Issued At: .*/, 'Issued At: yesterday'))).toBe('siwe_malformed');
  });

  it('parses the chain allow-list', () => {
    expect(parseChainIds(undefined)).toEqual([1]);
    expect(parseChainIds('1, 8453,junk')).toEqual([1, 8453]);
    expect(parseChainIds('')).toEqual([1]);
  });
});

describe('SIWE signatures', () => {
  it('accepts the signer and refuses tampering, other signers and junk', async () => {
    const m = message();
    const signature = await account.signMessage({ message: m });
    await expect(
      verifySiweSignature({ address: account.address, message: m, signature }),
    ).resolves.toBeUndefined();
    await expect(
      verifySiweSignature({ address: account.address, message: m + ' ', signature }),
    ).rejects.toMatchObject({ code: 'siwe_bad_signature' });
    const theirs = await other.signMessage({ message: m });
    await expect(
      verifySiweSignature({ address: account.address, message: m, signature: theirs }),
    ).rejects.toMatchObject({ code: 'siwe_bad_signature' });
    await expect(
      verifySiweSignature({ address: account.address, message: m, signature: 'nope' }),
    ).rejects.toMatchObject({ code: 'siwe_malformed' });
  });

  it('refuses contract-wallet signatures clearly when no RPC is configured', async () => {
    const m = message();
    const erc1271 = `0x${'ab'.repeat(200)}` as const;
    const erc6492 = `0x${'00'.repeat(64)}${'6492'.repeat(16)}` as const;
    for (const signature of [erc1271, erc6492]) {
      await expect(
        verifySiweSignature({ address: account.address, message: m, signature }),
      ).rejects.toMatchObject({
        code: 'siwe_contract_wallet_unsupported',
        kind: 'unauthenticated',
      });
    }
  });
});
