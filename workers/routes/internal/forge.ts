/**
 * Forge tools of agent steps: `POST /internal/runs/:id/forge/:tool` with the run's own token
 * (`Authorization: Bearer <run token>`) and `{step_id, …input}`. What the token may do is
 * decided by services/agents (the step's prompt must declare the tool; the thread is the run's).
 * The auth middleware leaves Authorization on /internal/runs/* to these handlers.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { presentedToken } from '../../middleware/auth';
import { agentComment } from '../../services/agents/forge-comment';
import { forgeRunOf, requireDeclared } from '../../services/agents/forge-run';
import { publicOrigin } from '../../services/platform/public-url';
import { jsonInput } from '../input';

const commentInput = z.object({
  step_id: z.string().min(1).max(200),
  body: z.string().max(64 * 1024),
});

export const internalForgeRoutes = new Hono<AppEnv>().post('/:id/forge/comment', async (c) => {
  const input = await jsonInput(c, commentInput);
  const now = new Date();
  const f = await forgeRunOf(
    c.var.db,
    c.req.param('id'),
    presentedToken(c.req.header('Authorization')),
    now,
  );
  await requireDeclared(c.env, f, input.step_id, 'comment');
  const r = await agentComment(c.var.db, f, input.body, publicOrigin(c.env), now);
  const full = `${f.repo.owner_login}/${f.repo.name}`;
  return c.json(
    {
      id: r.id,
      html_url: `${publicOrigin(c.env)}/${full}/issues/${r.number}#issuecomment-${r.id}`,
    },
    201,
  );
});
