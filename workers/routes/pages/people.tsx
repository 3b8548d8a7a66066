/**
 * People pages: `/welcome` (a new user picks their username after the first sign-in, instead of
 * keeping the generated `u-…` one) and the profile `/{user}`. An old username redirects (301) to
 * the profile under the new one. Registered after every fixed top-level page; a reserved name
 * (names.ts) falls through to the routes after it.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv, CurrentUser } from '../../env';
import { AppError } from '../../../common/errors';
import { findProfileUser, profilePage } from '../../services/identity/profiles';
import { changeUsername, usernameChosen } from '../../services/identity/users';
import { edgeCache } from '../../services/cache/cache';
import { ownerRenamed } from '../../services/repos/repo-storage';
import { isReservedName } from '../../services/repos/names';
import { ProfilePage, WelcomePage } from '../../views/profile-page';
import { actorOf } from '../api/request';
import { formInput, formText, queryInput, uiPageQuery } from '../input';
import { takeFlash } from './flash';

const PER_PAGE = 30;

/** A same-site path to go on to (never another origin), `/` otherwise. */
export function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\')
    ? next
    : '/';
}

const welcomeForm = z.object({ login: formText.default(''), next: formText.optional() });

async function welcome(
  c: Context<AppEnv>,
  user: CurrentUser,
  next: string,
  value: string,
  error?: string,
) {
  c.header('Cache-Control', 'no-store');
  return c.html(
    <WelcomePage user={user} next={next} value={value} error={error} />,
    error ? 400 : 200,
  );
}

export const peopleRoutes = new Hono<AppEnv>()
  .get('/welcome', async (c) => {
    const next = safeNext(c.req.query('next'));
    const user = c.var.user;
    if (!user) return c.redirect(`/login?next=${encodeURIComponent(`/welcome?next=${next}`)}`, 303);
    if (await usernameChosen(c.var.db, user.id)) return c.redirect(next, 303);
    return welcome(c, user, next, user.login);
  })
  .post('/welcome', async (c) => {
    const user = c.var.user;
    if (!user || c.var.auth.kind !== 'session') throw AppError.unauthenticated();
    const body = await formInput(c, welcomeForm);
    const next = safeNext(body.next);
    const login = body.login.trim();
    try {
      await changeUsername(c.var.db, user.id, login);
      const cache = edgeCache((p) => c.executionCtx.waitUntil(p), c.var.memory);
      await ownerRenamed(c.var.db, cache, user.id, user.login);
    } catch (err) {
      if (err instanceof AppError && (err.kind === 'invalid' || err.kind === 'conflict')) {
        return welcome(c, user, next, login, err.message);
      }
      throw err;
    }
    return c.redirect(next, 303);
  })
  .get('/:user', async (c, next) => {
    const login = c.req.param('user');
    if (isReservedName(login)) return next();
    const found = await findProfileUser(c.var.db, login);
    if (!found) throw AppError.notFound(`No user named ${login}`, 'user_not_found');
    const url = new URL(c.req.url);
    if (found.moved) {
      c.header('Cache-Control', 'no-store');
      return c.redirect(`/${encodeURIComponent(found.user.login)}${url.search}`, 301);
    }
    const page = queryInput(c, uiPageQuery).page;
    const shown = await profilePage(c.var.db, actorOf(c), found.user, {
      limit: PER_PAGE,
      offset: (page - 1) * PER_PAGE,
    });
    const flash = await takeFlash(c, `/${encodeURIComponent(found.user.login)}`);
    c.header('Cache-Control', 'private, no-store');
    return c.html(
      <ProfilePage
        viewer={c.var.user}
        login={found.user.login}
        joined={found.user.created_at}
        repos={shown.repos}
        pushes={shown.pushes}
        page={page}
        perPage={PER_PAGE}
        now={Date.now()}
        notice={flash.notice}
      />,
    );
  });
