/** The code browser's pages, mounted after the git smart-HTTP routes so those match first. */
import { Hono } from 'hono';
import type { AppEnv } from '../../../env';
import { codePageRoutes } from './code';
import { historyPageRoutes } from './history';

export const browsePageRoutes = new Hono<AppEnv>()
  .route('/', historyPageRoutes)
  .route('/', codePageRoutes);
