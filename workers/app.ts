/**
 * The Hono app: request context and logging, a database handle per request, the API and page
 * routes, and the single error mapping per surface.
 */
import { Hono } from 'hono';
import type { AppEnv } from './env';
import { database } from './middleware/database';
import { notFound, renderError } from './middleware/errors';
import { requestContext } from './middleware/logger';
import { apiRoutes } from './routes/api';
import { homeRoutes } from './routes/pages/home';
import { staticRoutes } from './routes/pages/static';

/** Builds the app. A function, not a module-level instance, so tests can build their own. */
export function createApp(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', requestContext());
  app.use('*', database());
  app.route('/api/v1', apiRoutes);
  app.route('/static', staticRoutes);
  app.route('/', homeRoutes);
  app.notFound(notFound);
  app.onError(renderError);
  return app;
}
