/**
 * The dashboard (`/`: your repositories when signed in, recent public ones otherwise) and
 * Explore (`/explore`: every repository you may see, newest activity first).
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../env';
import { visibleRepos } from '../../services/repos/repo-lookup';
import { Layout } from '../../views/layout';
import { RepoList } from '../../views/repo-list';
import { queryInput, uiPageQuery } from '../input';

const PER_PAGE = 30;

function pageOf(c: Context<AppEnv>): number {
  return queryInput(c, uiPageQuery).page;
}

export const homeRoutes = new Hono<AppEnv>()
  .get('/', async (c) => {
    const user = c.var.user;
    const page = pageOf(c);
    const list = await visibleRepos(
      c.var.db,
      user?.id ?? null,
      { page, perPage: PER_PAGE },
      { mine: user !== undefined },
    );
    c.header('Cache-Control', 'private, no-store');
    return c.html(
      <Layout title="Plue" user={user}>
        {user ? (
          <>
            <h1>Your repositories</h1>
            <p>
              <a class="button primary" href="/new">
                New repository
              </a>
            </p>
          </>
        ) : (
          <>
            <h1>Plue</h1>
            <p>
              A code forge with built-in CI, served from the edge. Push over HTTPS or SSH, browse
              code, and watch workflow runs stream live.{' '}
              <a href="/login">Sign in with your wallet</a> to create repositories.
            </p>
            <h2>Recently updated</h2>
          </>
        )}
        <RepoList
          rows={list.rows}
          total={list.total}
          page={page}
          perPage={PER_PAGE}
          base="/"
          now={Date.now()}
          empty={
            user
              ? 'No repositories yet. Create one to push your code.'
              : 'No public repositories yet.'
          }
        />
      </Layout>,
    );
  })
  .get('/explore', async (c) => {
    const page = pageOf(c);
    const list = await visibleRepos(c.var.db, c.var.user?.id ?? null, {
      page,
      perPage: PER_PAGE,
    });
    c.header('Cache-Control', 'private, no-store');
    return c.html(
      <Layout title="Explore" user={c.var.user}>
        <h1>Explore</h1>
        <RepoList
          rows={list.rows}
          total={list.total}
          page={page}
          perPage={PER_PAGE}
          base="/explore"
          now={Date.now()}
          empty="No repositories to show yet."
        />
      </Layout>,
    );
  });
