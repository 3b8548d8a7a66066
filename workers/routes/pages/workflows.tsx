/**
 * Workflow pages and their forms: `/{owner}/{repo}/actions/workflows` (list + dispatch forms),
 * `POST …/actions/workflows/{name}/dispatch`, and the run page's `POST …/actions/runs/{id}/cancel`
 * and `…/rerun`. Forms are plain posts (CSRF-checked by the middleware); each handler authorises
 * `write` and redirects (303) to the page that shows the result.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../../env';
import { loadRepoForAction, requireUser } from '../../services/repos/authz';
import { publicOrigin } from '../../services/platform/public-url';
import { loadRunForViewer } from '../../services/runs/runs';
import { cancelRun, rerunRun } from '../../services/runs/workflow-actions';
import { dispatchWorkflow } from '../../services/workflows/workflow-events';
import { workflowsOf } from '../../services/workflows/workflow-evaluation';
import { WorkflowsPage } from '../../views/workflows-page';
import { actorOf } from '../api/request';
import { mayWrite } from './may-write';
import { formInput, formText } from '../input';

const origin = (c: Context<AppEnv>): string => publicOrigin(c.env);

/** The dispatch form: `ref` and `input.<name>` fields, each a single text value. */
const dispatchForm = z.record(z.string(), formText);

export const workflowPageRoutes = new Hono<AppEnv>()
  .get('/:owner/:repo/actions/workflows', async (c) => {
    const { owner, repo } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'read');
    const workflows = await workflowsOf(c.var.db, row.id);
    const canWrite = await mayWrite(c, row);
    c.header('Cache-Control', 'private, no-cache');
    return c.html(
      <WorkflowsPage user={c.var.user} canWrite={canWrite} repo={row} workflows={workflows} />,
    );
  })
  .post('/:owner/:repo/actions/workflows/:name/dispatch', async (c) => {
    const { owner, repo, name } = c.req.param();
    const actor = actorOf(c);
    const row = await loadRepoForAction(c.var.db, actor, owner, repo, 'write');
    requireUser(actor);
    const form = await formInput(c, dispatchForm);
    const inputs: Record<string, string> = {};
    for (const [k, v] of Object.entries(form)) {
      if (k.startsWith('input.') && v !== '') inputs[k.slice(6)] = v;
    }
    const event = await dispatchWorkflow(
      c.var.db,
      c.env,
      row,
      name,
      { ref: form.ref ?? '', inputs },
      actor.user.id,
    );
    const full = `${row.owner_login}/${row.name}`;
    // The list shows the request until its run exists, then links the run (run-request.ts).
    const q = `workflow=${encodeURIComponent(name)}&requested=${event.id}`;
    return c.redirect(`/${full}/actions?${q}`, 303);
  })
  .post('/:owner/:repo/actions/runs/:id/cancel', async (c) => {
    const { owner, repo, id } = c.req.param();
    const found = await loadRunForViewer(c.var.db, actorOf(c), owner, repo, id);
    await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'write');
    await cancelRun(c.var.db, c.env, found.repo, found.run, origin(c));
    return c.redirect(`/${owner}/${repo}/actions/runs/${found.run.id}`, 303);
  })
  .post('/:owner/:repo/actions/runs/:id/rerun', async (c) => {
    const { owner, repo, id } = c.req.param();
    const actor = actorOf(c);
    const found = await loadRunForViewer(c.var.db, actor, owner, repo, id);
    await loadRepoForAction(c.var.db, actor, owner, repo, 'write');
    requireUser(actor);
    const again = await rerunRun(c.var.db, c.env, found.repo, found.run, actor.user.id, origin(c));
    return c.redirect(`/${owner}/${repo}/actions/runs/${again.id}`, 303);
  });
