/** GET /new (the new-repository form) and POST /new (create, then go to the repository). */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { createRepo } from '../../services/repos/repos';
import { NewRepoPage } from '../../views/new-repo-page';
import { actorOf } from '../api/request';

const field = (v: unknown): string => (typeof v === 'string' ? v : '');

export const newRepoRoutes = new Hono<AppEnv>()
  .get('/new', (c) => {
    const user = c.var.user;
    if (!user) return c.redirect('/login?next=/new', 303);
    return c.html(<NewRepoPage user={user} />);
  })
  .post('/new', async (c) => {
    const user = c.var.user;
    if (!user) return c.redirect('/login?next=/new', 303);
    const body = await c.req.parseBody();
    const values = {
      name: field(body.name),
      description: field(body.description),
      private: field(body.visibility) === 'private',
      default_branch: field(body.default_branch) || 'main',
    };
    try {
      const repo = await createRepo(c.var.db, actorOf(c), values);
      return c.redirect(`/${repo.owner_login}/${repo.name}`, 303);
    } catch (err) {
      if (err instanceof AppError && (err.kind === 'invalid' || err.kind === 'conflict')) {
        return c.html(
          <NewRepoPage user={user} error={err.message} values={values} />,
          err.status as 400 | 409,
        );
      }
      throw err;
    }
  });
