/** The JSON API under /api/v1. */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { authRoutes } from './auth';
import { branchProtectionRoutes } from './branch-protection';
import { commitRoutes } from './commits';
import { contentRoutes } from './contents';
import { gitDataRoutes } from './git-data';
import { healthRoutes } from './health';
import { issueCommentRoutes } from './issue-comments';
import { issueLabelRoutes } from './issue-labels';
import { issueRoutes } from './issues';
import { landingCommentRoutes } from './landing-comments';
import { landingRoutes } from './landings';
import { notificationRoutes } from './notifications';
import { repoRoutes } from './repos';
import { runRoutes } from './runs';
import { userRoutes } from './user';
import { usersRoutes } from './users';
import { workflowApiRoutes } from './workflows';

export const apiRoutes = new Hono<AppEnv>()
  .route('/health', healthRoutes)
  .route('/auth', authRoutes)
  .route('/user', userRoutes)
  .route('/', usersRoutes)
  .route('/', repoRoutes)
  .route('/', issueRoutes)
  .route('/', issueCommentRoutes)
  .route('/', issueLabelRoutes)
  .route('/', landingRoutes)
  .route('/', landingCommentRoutes)
  .route('/', notificationRoutes)
  .route('/', contentRoutes)
  .route('/', branchProtectionRoutes)
  .route('/', gitDataRoutes)
  // Before commitRoutes: its `commits/{ref}` would take `commits/{ref}/status`.
  .route('/', workflowApiRoutes)
  .route('/', commitRoutes)
  .route('/', runRoutes);
