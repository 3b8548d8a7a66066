/**
 * The signed-in user's profile: the API shape (GitHub's `login`/`id`) and username changes, which
 * leave a redirect from the old name (db/queries/redirects.ts) until someone else takes it.
 */
import type { Db } from '../../../db/client';
import { renameUserWithRedirect } from '../../../db/queries/redirects';
import { findUserById } from '../../../db/queries/users';
import type { CurrentUser } from '../../env';
import { AppError } from '../../../common/errors';
import { isReservedName } from '../repos/names';
import { AGENT_LOGIN } from '../agents/agent-account';

export interface UserView {
  login: string;
  id: number;
  type: 'User';
  wallet_address: string;
  created_at?: string;
}

export function userView(u: CurrentUser, createdAt?: Date): UserView {
  return {
    login: u.login,
    id: Number(u.id),
    type: 'User',
    wallet_address: u.wallet_address,
    ...(createdAt ? { created_at: createdAt.toISOString() } : {}),
  };
}

/** The user with database id `id` as the request's current user, if there is one. */
export async function currentUserById(db: Db, id: string): Promise<CurrentUser | undefined> {
  const u = await findUserById(db, id);
  return u ? { id: u.id, login: u.username, wallet_address: u.address } : undefined;
}

/** Whether the user has chosen their username (new users start with a generated one). */
export async function usernameChosen(db: Db, id: string): Promise<boolean> {
  return (await findUserById(db, id))?.username_chosen === true;
}

const USERNAME = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,37}[A-Za-z0-9])?$/;

/** Changes the user's username (1–39 letters, digits, inner hyphens; unique in any case). */
export async function changeUsername(db: Db, userId: string, login: unknown): Promise<UserView> {
  if (typeof login !== 'string' || !USERNAME.test(login)) {
    throw AppError.invalid(
      'login must be 1–39 letters, digits or hyphens, not starting or ending with a hyphen',
      'login_invalid',
    );
  }
  // The agent's bot account is Plue's too: a person holding its name would pass for the agent.
  if (isReservedName(login) || login.toLowerCase() === AGENT_LOGIN) {
    throw AppError.invalid(`"${login}" is reserved`, 'login_reserved');
  }
  const before = await findUserById(db, userId);
  if (!before) throw AppError.notFound('User not found');
  let renamed: boolean;
  try {
    renamed = await renameUserWithRedirect(db, userId, before.username, login);
  } catch (err) {
    // Two renames to one name at once: the unique index refuses the second.
    if (!/duplicate key|unique/i.test((err as Error).message)) throw err;
    renamed = false;
  }
  if (!renamed) throw AppError.conflict(`The username "${login}" is taken`, 'login_taken');
  const u = await findUserById(db, userId);
  if (!u) throw AppError.notFound('User not found');
  return userView({ id: u.id, login: u.username, wallet_address: u.address }, u.created_at);
}
