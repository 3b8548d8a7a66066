/**
 * Gives each request its own lazily connected database handle and closes it after the response
 * (Workers may not share sockets between requests).
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { openDb } from '../services/platform/database';

export function database(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const db = openDb(c.env);
    c.set('db', db);
    try {
      await next();
    } finally {
      c.executionCtx.waitUntil(db.end());
    }
  };
}
