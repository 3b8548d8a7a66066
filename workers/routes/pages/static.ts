/** Static assets: the shared stylesheet (under /static) and the favicon (at /favicon.ico). */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { BROWSE_STYLE } from '../../views/browse/style';
import { faviconIco } from '../../views/favicon';
import { ISSUES_STYLE } from '../../views/issues/style';
import { LANDINGS_STYLE } from '../../views/landings/style';
import { NOTIFICATIONS_STYLE } from '../../views/notifications/style';
import { STYLE } from '../../views/style';

export const staticRoutes = new Hono<AppEnv>().get('/style.css', (c) => {
  c.header('Content-Type', 'text/css; charset=utf-8');
  c.header('Cache-Control', 'public, max-age=300');
  return c.body(STYLE + BROWSE_STYLE + ISSUES_STYLE + LANDINGS_STYLE + NOTIFICATIONS_STYLE);
});

/** `/favicon.ico`, which browsers ask for on every site. */
export const faviconRoutes = new Hono<AppEnv>().get('/favicon.ico', (c) => {
  c.header('Content-Type', 'image/x-icon');
  c.header('Cache-Control', 'public, max-age=86400');
  return c.body(faviconIco().buffer);
});
