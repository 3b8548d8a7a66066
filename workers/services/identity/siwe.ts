/**
 * Sign-In with Ethereum (EIP-4361) checks. `checkSiweMessage` is pure: it parses the message
 * with the EIP's grammar (siwe-grammar.ts) and checks domain, URI, chain, times and format,
 * each failure with its own error code. The expected domain and origin are the configured
 * public URL's (services/platform/public-url.ts), never the request's Host.
 * `verifySiweSignature` checks the signature: ecrecover for EOAs; contract wallets
 * (EIP-1271/EIP-6492) only through an RPC when one is configured. The nonce is consumed by
 * the caller last, so a bad attempt does not burn a legitimate user's nonce.
 */
import {
  createPublicClient,
  http,
  isAddress,
  isHex,
  verifyMessage,
  type Address,
  type Hex,
} from 'viem';
import { AppError } from '../../../common/errors';
import { parseSiweMessageStrict, SiweGrammarError, type SiweFields } from './siwe-grammar';
/** Allowed clock skew for `Issued At` in the future. */
export const ISSUED_AT_SKEW_MS = 60_000;
const ERC6492_SUFFIX = '6492649264926492649264926492649264926492649264926492649264926492';

export interface SiweExpectations {
  /** This site's host (`host[:port]`), from configuration. */
  host: string;
  /** This site's origin (`scheme://host[:port]`), from configuration. */
  origin: string;
  chainIds: number[];
  now: Date;
}

export interface CheckedSiwe {
  address: Address;
  nonce: string;
  chainId: number;
}

const fail = (code: string, message: string): AppError =>
  new AppError('unauthenticated', message, { code });
const malformed = (why: string): AppError =>
  new AppError('invalid', `Malformed sign-in message: ${why}`, { code: 'siwe_malformed' });

/** Parses the allow-list var ("1,8453"); defaults to mainnet. */
export function parseChainIds(value: string | undefined): number[] {
  const ids = (value ?? '1')
    .split(',')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isSafeInteger(n) && n > 0);
  return ids.length > 0 ? ids : [1];
}

/** Checks everything about a SIWE message except its signature and nonce freshness. */
export function checkSiweMessage(message: unknown, expect: SiweExpectations): CheckedSiwe {
  if (typeof message !== 'string' || message.length === 0) throw malformed('not a string');
  let m: SiweFields;
  try {
    m = parseSiweMessageStrict(message);
  } catch (err) {
    if (err instanceof SiweGrammarError) throw malformed(err.message);
    throw err;
  }
  // EIP-55: a mixed-case address must carry a valid checksum.
  if (!isAddress(m.address, { strict: true })) throw malformed('the address checksum is wrong');
  if (m.domain !== expect.host) {
    throw fail('siwe_domain_mismatch', `The message is for ${m.domain}, not ${expect.host}`);
  }
  let uriOrigin: string;
  try {
    uriOrigin = new URL(m.uri).origin;
  } catch {
    throw malformed('URI is not a URL');
  }
  if (
    uriOrigin !== expect.origin ||
    (m.scheme && `${m.scheme}:` !== new URL(expect.origin).protocol)
  ) {
    throw fail('siwe_uri_mismatch', `The message's URI must be on ${expect.origin}`);
  }
  if (!expect.chainIds.includes(m.chainId)) {
    throw fail('siwe_chain_not_allowed', `Chain ${m.chainId} is not accepted here`);
  }
  const now = expect.now.getTime();
  if (m.issuedAt.getTime() > now + ISSUED_AT_SKEW_MS) {
    throw fail('siwe_issued_in_future', 'The message was issued in the future; check your clock');
  }
  if (m.expirationTime && m.expirationTime.getTime() <= now) {
    throw fail('siwe_expired', 'The message has expired; sign in again');
  }
  if (m.notBefore && m.notBefore.getTime() > now) {
    throw fail('siwe_not_yet_valid', 'The message is not valid yet');
  }
  return { address: m.address as Address, nonce: m.nonce, chainId: m.chainId };
}

/**
 * Verifies that `address` signed `message`. EOAs: ecrecover, offline. Contract wallets: EIP-1271
 * or EIP-6492 through `rpcUrl`; without one they are refused with their own code.
 */
export async function verifySiweSignature(opts: {
  address: Address;
  message: string;
  signature: unknown;
  rpcUrl?: string | undefined;
}): Promise<void> {
  const { signature } = opts;
  if (typeof signature !== 'string' || !isHex(signature, { strict: true })) {
    throw malformed('the signature must be 0x-prefixed hex');
  }
  const sig = signature as Hex;
  const eoaShaped = sig.length === 132 && !sig.toLowerCase().endsWith(ERC6492_SUFFIX);
  if (eoaShaped) {
    let ok = false;
    try {
      ok = await verifyMessage({ address: opts.address, message: opts.message, signature: sig });
    } catch {
      ok = false;
    }
    if (ok) return;
  }
  if (opts.rpcUrl) {
    const client = createPublicClient({ transport: http(opts.rpcUrl, { timeout: 10_000 }) });
    let ok = false;
    try {
      ok = await client.verifyMessage({
        address: opts.address,
        message: opts.message,
        signature: sig,
      });
    } catch (err) {
      throw AppError.unavailable('Could not reach the Ethereum RPC to check the signature', err);
    }
    if (ok) return;
    throw fail('siwe_bad_signature', 'The signature does not match the message and address');
  }
  if (!eoaShaped) {
    throw fail(
      'siwe_contract_wallet_unsupported',
      'Smart-contract wallet signatures cannot be checked here (no Ethereum RPC configured); sign in with an externally owned account',
    );
  }
  throw fail('siwe_bad_signature', 'The signature does not match the message and address');
}
