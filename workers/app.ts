/**
 * The Hono app: request context and logging, a database handle per request, the API and page
 * routes, and the single error mapping per surface.
 */
import { Hono } from 'hono';
import type { AppEnv } from './env';
import type { MemoryTiers } from './services/cache/memory-cache';
import { authenticate } from './middleware/auth';
import { configCheck } from './middleware/config-check';
import { csrf } from './middleware/csrf';
import { database } from './middleware/database';
import { notFound, renderError } from './middleware/errors';
import { requestContext } from './middleware/logger';
import { rateLimits } from './middleware/rate-limit';
import { unreadCount } from './middleware/unread-count';
import { urlCheck } from './middleware/url-check';
import { apiRoutes } from './routes/api';
import { gitRoutes } from './routes/git';
import { internalControllerRoutes } from './routes/internal/controller';
import { internalRepoRoutes } from './routes/internal/repos';
import { internalRunRoutes } from './routes/internal/runs';
import { internalForgeRoutes } from './routes/internal/forge';
import { internalSshRoutes } from './routes/internal/ssh';
import { accountRoutes } from './routes/pages/account';
import { browsePageRoutes } from './routes/pages/browse';
import { commitStatusRoutes } from './routes/pages/commit-statuses';
import { homeRoutes } from './routes/pages/home';
import { issuePageRoutes } from './routes/pages/issues';
import { landingPageRoutes } from './routes/pages/landings';
import { landingReviewRoutes } from './routes/pages/landing-review';
import { newRepoRoutes } from './routes/pages/new-repo';
import { notificationPageRoutes } from './routes/pages/notifications';
import { peopleRoutes } from './routes/pages/people';
import { repoSettingsRoutes } from './routes/pages/repo-settings';
import { branchRuleRoutes } from './routes/pages/branch-rules';
import { runPageRoutes } from './routes/pages/runs';
import { faviconRoutes, staticRoutes } from './routes/pages/static';
import { workflowPageRoutes } from './routes/pages/workflows';

/**
 * Builds the app over the isolate memory tiers it hands to every request (`c.var.memory`). A
 * function, not a module-level instance, so tests can build their own.
 */
export function createApp(memory: MemoryTiers): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('memory', memory);
    await next();
  });
  app.use('*', requestContext());
  // Before anything else reads the request: a misconfigured production deployment serves
  // nothing, and URLs no route can mean (a %00, broken escapes) are a 400.
  app.use('*', configCheck());
  app.use('*', urlCheck());
  app.use('*', database());
  // Identity for every request (c.var.user, c.var.auth), then per-client limits, then the
  // same-origin check for cookie-authenticated writes.
  app.use('*', authenticate());
  app.use('*', rateLimits());
  app.use('*', csrf());
  app.use('*', unreadCount());
  app.route('/api/v1', apiRoutes);
  app.route('/internal/ssh', internalSshRoutes);
  app.route('/internal/runs', internalRunRoutes);
  app.route('/internal/runs', internalForgeRoutes);
  app.route('/internal/controller', internalControllerRoutes);
  app.route('/internal/repos', internalRepoRoutes);
  app.route('/static', staticRoutes);
  app.route('/', faviconRoutes);
  app.route('/', gitRoutes);
  app.route('/', homeRoutes);
  app.route('/', accountRoutes);
  app.route('/', newRepoRoutes);
  app.route('/', runPageRoutes);
  app.route('/', workflowPageRoutes);
  app.route('/', commitStatusRoutes);
  app.route('/', issuePageRoutes);
  app.route('/', landingPageRoutes);
  app.route('/', landingReviewRoutes);
  app.route('/', notificationPageRoutes);
  app.route('/', repoSettingsRoutes);
  app.route('/', branchRuleRoutes);
  // After every fixed top-level page: `/{user}` takes any single segment that is not reserved.
  app.route('/', peopleRoutes);
  // Last: the code browser's /:owner/:repo/... pages must not shadow more specific routes.
  app.route('/', browsePageRoutes);
  app.notFound(notFound);
  app.onError(renderError);
  return app;
}
