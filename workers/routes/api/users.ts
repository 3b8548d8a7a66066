/**
 * People over the API: `GET /users/{user}` (GitHub's shape). An old username answers 301 to the
 * new one's URL, as GitHub does after a rename.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { publicOrigin } from '../../services/platform/public-url';
import { findProfileUser, profileView } from '../../services/identity/profiles';

/** The JSON redirect of an old username: `{message, url}` with `Location`, 301 (no-store). */
export function movedUser(c: Context<AppEnv>, oldLogin: string, login: string): Response {
  const url = new URL(c.req.url);
  const path = url.pathname.replace(
    `/users/${encodeURIComponent(oldLogin)}`,
    `/users/${encodeURIComponent(login)}`,
  );
  c.header('Location', `${path}${url.search}`);
  c.header('Cache-Control', 'no-store');
  return c.json({ message: 'Moved Permanently', url: `${path}${url.search}` }, 301);
}

export const usersRoutes = new Hono<AppEnv>().get('/users/:user', async (c) => {
  const login = c.req.param('user');
  const found = await findProfileUser(c.var.db, login);
  if (!found) throw AppError.notFound('User not found', 'user_not_found');
  if (found.moved) return movedUser(c, login, found.user.login);
  return c.json(await profileView(c.var.db, found.user, publicOrigin(c.env)));
});
