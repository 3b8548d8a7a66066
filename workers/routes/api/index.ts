/** The JSON API under /api/v1. */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { healthRoutes } from './health';

export const apiRoutes = new Hono<AppEnv>().route('/health', healthRoutes);
