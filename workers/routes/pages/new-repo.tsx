/** GET /new (the new-repository form) and POST /new (create, then go to the repository). */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { createRepo } from '../../services/repos/repos';
import { NewRepoPage } from '../../views/new-repo-page';
import { actorOf } from '../api/request';
import { formInput, formText } from '../input';

const newRepoForm = z.object({
  name: formText.default(''),
  description: formText.default(''),
  visibility: z
    .enum(['public', 'private'], { error: 'must be public or private' })
    .default('public'),
  default_branch: formText.default(''),
});

export const newRepoRoutes = new Hono<AppEnv>()
  .get('/new', (c) => {
    const user = c.var.user;
    if (!user) return c.redirect('/login?next=/new', 303);
    return c.html(<NewRepoPage user={user} />);
  })
  .post('/new', async (c) => {
    const user = c.var.user;
    if (!user) return c.redirect('/login?next=/new', 303);
    let values = { name: '', description: '', private: false, default_branch: 'main' };
    try {
      const form = await formInput(c, newRepoForm);
      values = {
        name: form.name,
        description: form.description,
        private: form.visibility === 'private',
        default_branch: form.default_branch || 'main',
      };
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
