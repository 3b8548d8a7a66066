/**
 * The agent account: the bot user (`plue-agent`) that agents' comments and landing requests are
 * authored by. Created on first use; a bot has no wallet, so it can never sign in, and a person
 * who holds the name (with a wallet) is never taken for it.
 */
import type { Db } from '../../../db/client';
import { AppError } from '../../../common/errors';

export const AGENT_LOGIN = 'plue-agent';

/** The agent account's user id (created as needed). */
export async function agentAccountId(db: Db): Promise<string> {
  await db.query(
    `INSERT INTO users (username, username_chosen)
     SELECT $1, true WHERE NOT EXISTS (SELECT 1 FROM users WHERE lower(username) = lower($1))`,
    [AGENT_LOGIN],
  );
  const [row] = await db.query<{ id: string; wallets: number }>(
    `SELECT u.id::text AS id, (SELECT count(*)::int FROM wallets w WHERE w.user_id = u.id) AS wallets
     FROM users u WHERE lower(u.username) = lower($1)`,
    [AGENT_LOGIN],
  );
  if (!row || row.wallets > 0) {
    throw AppError.conflict(`The name ${AGENT_LOGIN} belongs to a person`, 'agent_account_taken');
  }
  return row.id;
}

/** Whether `userId` is the agent account (its comments start no agent runs). */
export async function isAgentAccount(db: Db, userId: string): Promise<boolean> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM users u WHERE u.id = $1 AND lower(u.username) = lower($2)
       AND NOT EXISTS (SELECT 1 FROM wallets w WHERE w.user_id = u.id)`,
    [userId, AGENT_LOGIN],
  );
  return (row?.n ?? 0) > 0;
}
