/**
 * Internal API for the SSH bridge: POST /internal/ssh/lookup {key} → {user:{id,login}}.
 * Authenticated by `X-Plue-Internal-Secret` (constant-time compared to PLUE_INTERNAL_SECRET).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../errors';
import { INTERNAL_SECRET_HEADER, internalSecretValid } from '../../middleware/auth';
import { lookupSshKey } from '../../services/ssh-keys';
import { jsonBody } from '../api/request';

export const internalSshRoutes = new Hono<AppEnv>().post('/lookup', async (c) => {
  if (!internalSecretValid(c.env, c.req.header(INTERNAL_SECRET_HEADER))) {
    throw AppError.unauthenticated('Internal endpoint', 'internal_secret_invalid');
  }
  const body = await jsonBody(c);
  return c.json({ user: await lookupSshKey(c.var.db, body.key, new Date()) });
});
