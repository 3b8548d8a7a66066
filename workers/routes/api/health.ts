/** GET /api/v1/health: liveness plus database reachability; 503 when the database is down. */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { checkHealth } from '../../services/platform/health';
import { VERSION } from '../../version';

export const healthRoutes = new Hono<AppEnv>().get('/', async (c) => {
  const health = await checkHealth(c.var.db, VERSION);
  c.header('Cache-Control', 'no-store');
  return c.json(health, health.db === 'ok' ? 200 : 503);
});
