/**
 * Personal access tokens: `plue_pat_` + 43 base62 characters (≥ 256 random bits), shown once,
 * stored as SHA-256. Scopes: repo:read, repo:write, admin; a wider scope includes the narrower
 * ones (admin ⊇ repo:write ⊇ repo:read).
 */
import { z } from 'zod';
import type { Db } from '../../../db/client';
import {
  insertToken,
  listTokens,
  revokeToken,
  useToken,
  type TokenRow,
} from '../../../db/queries/tokens';
import type { UserWithWallet } from '../../../db/queries/users';
import { AppError } from '../../../common/errors';
import { parseInput } from '../../../common/schemas/parse';
import { randomBase62, sha256Hex } from './secrets';

export const TOKEN_PREFIX = 'plue_pat_';
export const SCOPES = ['repo:read', 'repo:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];
/** Every scope: what sessions and the SSH bridge hold. */
export const ALL_SCOPES: ReadonlySet<string> = new Set(SCOPES);

/** Expands granted scopes to the set they imply. */
export function effectiveScopes(granted: readonly string[]): Set<string> {
  const s = new Set<string>();
  if (granted.includes('admin')) SCOPES.forEach((x) => s.add(x));
  if (granted.includes('repo:write')) ['repo:write', 'repo:read'].forEach((x) => s.add(x));
  if (granted.includes('repo:read')) s.add('repo:read');
  return s;
}

export interface TokenView {
  id: number;
  name: string;
  scopes: string[];
  created_at: string;
  expires_at: string | null;
  last_used_at: string | null;
}

export function tokenView(t: TokenRow): TokenView {
  return {
    id: Number(t.id),
    name: t.name,
    scopes: t.scopes,
    created_at: t.created_at.toISOString(),
    expires_at: t.expires_at?.toISOString() ?? null,
    last_used_at: t.last_used_at?.toISOString() ?? null,
  };
}

const NAME = 'must be 1–100 characters';

/** The body of a token request, from the API or the settings form. */
export const tokenRequest = z.object({
  name: z.string(NAME).trim().min(1, NAME).max(100, NAME),
  scopes: z
    .array(z.enum(SCOPES), `must be a non-empty list of ${SCOPES.join(', ')}`)
    .min(1, `must be a non-empty list of ${SCOPES.join(', ')}`),
  expires_at: z.union([z.string(), z.null()], 'must be a future ISO 8601 time').optional(),
});

/** The codes each field's problem has always had. */
const TOKEN_CODES = {
  name: 'token_name_invalid',
  scopes: 'token_scopes_invalid',
  expires_at: 'token_expiry_invalid',
};

/** Validates and creates a token; the returned `token` is the only time the secret is seen. */
export async function createToken(
  db: Db,
  userId: string,
  body: unknown,
  now: Date,
): Promise<TokenView & { token: string }> {
  const input = parseInput(tokenRequest, body, TOKEN_CODES);
  const { name, scopes } = input;
  let expiresAt: Date | null = null;
  if (input.expires_at !== undefined && input.expires_at !== null && input.expires_at !== '') {
    expiresAt = new Date(input.expires_at);
    if (Number.isNaN(expiresAt.getTime()) || expiresAt <= now) {
      throw AppError.invalid('expires_at: must be a future ISO 8601 time', 'token_expiry_invalid');
    }
  }
  const token = TOKEN_PREFIX + randomBase62(256);
  const row = await insertToken(db, {
    userId,
    name,
    hash: sha256Hex(token),
    scopes: [...new Set(scopes)],
    expiresAt,
  });
  return { ...tokenView(row), token };
}

/** Resolves a presented token to its user and effective scopes, or undefined. */
export async function authenticateToken(
  db: Db,
  token: string,
  now: Date,
): Promise<{ user: UserWithWallet; scopes: Set<string> } | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const found = await useToken(db, sha256Hex(token), now);
  return found && { user: found.user, scopes: effectiveScopes(found.token.scopes) };
}

export async function listUserTokens(db: Db, userId: string): Promise<TokenView[]> {
  return (await listTokens(db, userId)).map(tokenView);
}

export async function revokeUserToken(
  db: Db,
  userId: string,
  id: string,
  now: Date,
): Promise<void> {
  if (!/^\d{1,18}$/.test(id) || !(await revokeToken(db, userId, id, now))) {
    throw AppError.notFound('Token not found');
  }
}
