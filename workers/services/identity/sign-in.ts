/**
 * Sign-in and sessions: nonces from the NonceObject, SIWE verification, first-sign-in user
 * creation, server-side sessions (the cookie holds a random token; the database holds its
 * SHA-256), logout.
 */
import { z } from 'zod';
import type { Db } from '../../../db/client';
import { insertSession, findSessionUser, revokeSession } from '../../../db/queries/sessions';
import {
  createUserWithWallet,
  findUserByWallet,
  type UserWithWallet,
} from '../../../db/queries/users';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { randomHex, sha256Hex } from './secrets';
import { checkSiweMessage, parseChainIds, verifySiweSignature } from './siwe';

export const SESSION_TTL_MS = 30 * 24 * 3600_000;

type NonceEnv = Pick<Env, 'NONCES'>;

function nonceStub(env: NonceEnv) {
  return env.NONCES.get(env.NONCES.idFromName('global'));
}

/** Issues a single-use sign-in nonce (valid five minutes). */
export async function issueNonce(env: NonceEnv): Promise<string> {
  return nonceStub(env).issue();
}

/**
 * The body of `POST /auth/verify`: the EIP-4361 message as signed and its signature. Anything
 * else is a malformed sign-in (the message's own grammar is checked by siwe.ts).
 */
export const signInBody = z.object({
  message: z
    .string('must be the signed message text')
    .min(1, 'must not be empty')
    .max(8192, 'is longer than any sign-in message'),
  signature: z.string('must be 0x-prefixed hex').max(4096, 'is longer than any signature'),
});

export interface SignInRequest {
  message: string;
  signature: string;
  host: string;
  origin: string;
  userAgent: string | null;
  now: Date;
}

export interface SignInResult {
  user: UserWithWallet;
  /** The cookie value; only its digest is stored. */
  sessionToken: string;
  expiresAt: Date;
}

/** Verifies a SIWE sign-in, creates the user on first sign-in, and opens a session. */
export async function signIn(
  db: Db,
  env: Pick<Env, 'NONCES' | 'SIWE_CHAIN_IDS' | 'ETH_RPC_URL'>,
  req: SignInRequest,
): Promise<SignInResult> {
  const checked = checkSiweMessage(req.message, {
    host: req.host,
    origin: req.origin,
    chainIds: parseChainIds(env.SIWE_CHAIN_IDS),
    now: req.now,
  });
  await verifySiweSignature({
    address: checked.address,
    message: req.message,
    signature: req.signature,
    rpcUrl: env.ETH_RPC_URL,
  });
  // Last: only a correctly signed message spends its nonce.
  const consumed = await nonceStub(env).consume(checked.nonce);
  if (consumed === 'unknown') {
    throw new AppError('unauthenticated', 'This nonce was not issued here; request a new one', {
      code: 'siwe_nonce_unknown',
    });
  }
  if (consumed === 'used') {
    throw new AppError('unauthenticated', 'This nonce was already used; request a new one', {
      code: 'siwe_nonce_used',
    });
  }
  if (consumed === 'expired') {
    throw new AppError('unauthenticated', 'This nonce has expired; request a new one', {
      code: 'siwe_nonce_expired',
    });
  }
  const user = await findOrCreateUser(db, checked.address);
  const sessionToken = randomHex(32);
  const expiresAt = new Date(req.now.getTime() + SESSION_TTL_MS);
  await insertSession(db, {
    id: sha256Hex(sessionToken),
    userId: user.id,
    expiresAt,
    userAgent: req.userAgent?.slice(0, 300) ?? null,
  });
  return { user, sessionToken, expiresAt };
}

/** Usernames to try for a new wallet: `u-` + 8 hex chars, then longer, then random. */
export function usernameCandidates(address: string): string[] {
  const hex = address.toLowerCase().replace(/^0x/, '');
  return [
    `u-${hex.slice(0, 8)}`,
    `u-${hex.slice(0, 12)}`,
    `u-${hex.slice(0, 16)}`,
    `u-${hex.slice(0, 8)}-${randomHex(3)}`,
    `u-${hex.slice(0, 8)}-${randomHex(4)}`,
  ];
}

async function findOrCreateUser(db: Db, address: string): Promise<UserWithWallet> {
  const existing = await findUserByWallet(db, address);
  if (existing) return existing;
  for (const name of usernameCandidates(address)) {
    try {
      return await createUserWithWallet(db, name, address);
    } catch (err) {
      if (!/duplicate key|unique/i.test((err as Error).message)) throw err;
      // Either the name is taken or a concurrent first sign-in of this wallet won the race.
      const raced = await findUserByWallet(db, address);
      if (raced) return raced;
    }
  }
  throw AppError.conflict('Could not pick a free username; try again', 'username_unavailable');
}

/** The user of a live session token, if any. */
export async function userOfSession(
  db: Db,
  token: string,
  now: Date,
): Promise<{ user: UserWithWallet; sessionId: string } | undefined> {
  if (!/^[0-9a-f]{64}$/.test(token)) return undefined;
  const sessionId = sha256Hex(token);
  const user = await findSessionUser(db, sessionId, now);
  return user ? { user, sessionId } : undefined;
}

/** Revokes a session server-side. */
export async function signOut(db: Db, sessionId: string, now: Date): Promise<void> {
  await revokeSession(db, sessionId, now);
}
