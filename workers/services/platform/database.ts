/**
 * Opens the Worker's database handle from its bindings: `DATABASE_URL`, and the local
 * WebSocket→Postgres proxy when `DB_WS_PROXY` is set. Each request, or each scheduled job, opens
 * its own and ends it (Workers may not share sockets between requests).
 */
import { createDb, type Db } from '../../../db/client';
import type { Env } from '../../env';

/** A lazily connected handle; the caller ends it with `db.end()`. */
export function openDb(env: Env): Db {
  return createDb({ databaseUrl: env.DATABASE_URL, wsProxy: env.DB_WS_PROXY });
}
