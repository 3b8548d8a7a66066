/**
 * Forge tools of agent steps: `POST /internal/runs/:id/forge/:tool` with the run's own token
 * (`Authorization: Bearer <run token>`) and `{step_id, …input}`. What the token may do is
 * decided by services/agents (the step's prompt must declare the tool; the thread is the run's).
 * The auth middleware leaves Authorization on /internal/runs/* to these handlers.
 *
 * - POST …/forge/comment {step_id, body} → 201 {id, html_url}
 * - POST …/forge/review {step_id, event: approve|request_changes|comment, body?} → 201 {id, html_url}
 * - POST …/forge/open_landing_request {step_id, title, body?, files: [{path, content_base64|null,
 *   executable?}]} → 201 {number, branch, html_url}
 * - POST /internal/runs/:id/agent-budget {step_id} → 200 {running, tokens} | 429 agent_limit: may
 *   this model step start (per-repository limits, services/agents/agent-budget.ts)
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { presentedToken } from '../../middleware/auth';
import { agentLimitsOf, checkAgentBudget } from '../../services/agents/agent-budget';
import { agentComment } from '../../services/agents/forge-comment';
import { agentLanding, openLandingInput } from '../../services/agents/forge-landing';
import { agentReview, reviewToolInput } from '../../services/agents/forge-review';
import {
  forgeRunOf,
  requireDeclared,
  type ForgeRun,
  type ForgeTool,
} from '../../services/agents/forge-run';
import { publicOrigin } from '../../services/platform/public-url';
import { jsonInput } from '../input';

const commentInput = z.object({
  step_id: z.string().min(1).max(200),
  body: z.string().max(64 * 1024),
});

/** The run the token belongs to, once the step's prompt is known to declare `tool`. */
async function declared(
  c: Context<AppEnv>,
  stepId: string,
  tool: ForgeTool,
  now: Date,
): Promise<ForgeRun> {
  const f = await forgeRunOf(
    c.var.db,
    c.req.param('id') ?? '',
    presentedToken(c.req.header('Authorization')),
    now,
  );
  await requireDeclared(c.env, f, stepId, tool);
  return f;
}

const repoUrl = (c: Context<AppEnv>, f: ForgeRun): string =>
  `${publicOrigin(c.env)}/${f.repo.owner_login}/${f.repo.name}`;

const budgetInput = z.object({ step_id: z.string().min(1).max(200) });

export const internalForgeRoutes = new Hono<AppEnv>()
  .post('/:id/agent-budget', async (c) => {
    const input = await jsonInput(c, budgetInput);
    const now = new Date();
    const f = await forgeRunOf(
      c.var.db,
      c.req.param('id'),
      presentedToken(c.req.header('Authorization')),
      now,
    );
    return c.json(await checkAgentBudget(c.var.db, agentLimitsOf(c.env), f, input.step_id, now));
  })
  .post('/:id/forge/comment', async (c) => {
    const input = await jsonInput(c, commentInput);
    const now = new Date();
    const f = await declared(c, input.step_id, 'comment', now);
    const r = await agentComment(c.var.db, f, input.body, publicOrigin(c.env), now);
    return c.json(
      { id: r.id, html_url: `${repoUrl(c, f)}/issues/${r.number}#issuecomment-${r.id}` },
      201,
    );
  })
  .post('/:id/forge/review', async (c) => {
    const input = await jsonInput(c, reviewToolInput);
    const now = new Date();
    const f = await declared(c, input.step_id, 'review', now);
    const r = await agentReview(c.var.db, f, input, publicOrigin(c.env), now);
    return c.json(
      { id: r.id, html_url: `${repoUrl(c, f)}/landings/${r.number}#review-${r.id}` },
      201,
    );
  })
  .post('/:id/forge/open_landing_request', async (c) => {
    const input = await jsonInput(c, openLandingInput);
    const now = new Date();
    const f = await declared(c, input.step_id, 'open_landing_request', now);
    const r = await agentLanding(c.var.db, c.env, f, input, publicOrigin(c.env), now);
    return c.json(
      { number: r.number, branch: r.branch, html_url: `${repoUrl(c, f)}/landings/${r.number}` },
      201,
    );
  });
