/** Static assets: the shared stylesheet. */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { BROWSE_STYLE } from '../../views/browse/style';
import { STYLE } from '../../views/style';

export const staticRoutes = new Hono<AppEnv>().get('/style.css', (c) => {
  c.header('Content-Type', 'text/css; charset=utf-8');
  c.header('Cache-Control', 'public, max-age=300');
  return c.body(STYLE + BROWSE_STYLE);
});
