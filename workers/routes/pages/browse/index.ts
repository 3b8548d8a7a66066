/** The code browser's pages, mounted after the git smart-HTTP routes so those match first. */
import { Hono } from 'hono';
import type { AppEnv } from '../../../env';
import { archivePageRoutes } from './archive';
import { codePageRoutes } from './code';
import { storeRenderedPages } from './context';
import { historyPageRoutes } from './history';

export const browsePageRoutes = new Hono<AppEnv>()
  .use('*', storeRenderedPages())
  .route('/', archivePageRoutes)
  .route('/', historyPageRoutes)
  .route('/', codePageRoutes);
