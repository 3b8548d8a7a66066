/**
 * Gives each request its own lazily connected database handle and closes it after the response
 * (Workers may not share sockets between requests).
 */
import type { MiddlewareHandler } from 'hono';
import { createDb } from '../../db/client';
import type { AppEnv } from '../env';

export function database(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const db = createDb({ databaseUrl: c.env.DATABASE_URL, wsProxy: c.env.DB_WS_PROXY });
    c.set('db', db);
    try {
      await next();
    } finally {
      c.executionCtx.waitUntil(db.end());
    }
  };
}
