/**
 * Workflows over the API (GitHub's shapes): the workflow list (from the last evaluation of the
 * default branch), manual dispatch (write), cancel and re-run of a run (write), repository
 * secrets (admin; values never leave the Worker), and commit statuses (posting needs write).
 * Registered before the commit routes, whose `commits/{ref}` would otherwise take `…/status`.
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../env';
import { loadRepoForAction, requireUser } from '../../services/repos/authz';
import { publicOrigin } from '../../services/platform/public-url';
import { loadRunForViewer } from '../../services/runs/runs';
import { runView } from '../../services/runs/runs-view';
import { cancelRun, rerunRun } from '../../services/runs/workflow-actions';
import { dispatchRequest, dispatchWorkflow } from '../../services/workflows/workflow-events';
import { listedSecrets, putSecret, removeSecret } from '../../services/workflows/workflow-secrets';
import { workflowsOf } from '../../services/workflows/workflow-evaluation';
import {
  combinedStatus,
  postStatus,
  shaOfRef,
  statusesOf,
  statusRequest,
  statusView,
} from '../../services/repos/statuses';
import { jsonInput } from '../input';
import { actorOf, jsonBody, pageOf } from './request';

const BASE = '/repos/:owner/:repo';
const origin = (c: Context<AppEnv>): string => publicOrigin(c.env);
const repoApi = (c: Context<AppEnv>, owner: string, repo: string): string =>
  `${origin(c)}/api/v1/repos/${owner}/${repo}`;

export const workflowApiRoutes = new Hono<AppEnv>()
  .get(`${BASE}/actions/workflows`, async (c) => {
    const { owner, repo } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'read');
    const list = await workflowsOf(c.var.db, row.id);
    const full = `${row.owner_login}/${row.name}`;
    return c.json({
      total_count: list.length,
      workflows: list.map((w) => ({
        name: w.name,
        path: w.file,
        line: w.line,
        state: w.error === null ? 'active' : 'invalid',
        error: w.error,
        triggers: w.triggers,
        head_sha: w.head_sha,
        updated_at: w.updated_at.toISOString(),
        html_url: `${origin(c)}/${full}/actions?workflow=${encodeURIComponent(w.name)}`,
        dispatches_url: `${repoApi(c, row.owner_login, row.name)}/actions/workflows/${encodeURIComponent(w.name)}/dispatches`,
      })),
    });
  })
  .post(`${BASE}/actions/workflows/:name/dispatches`, async (c) => {
    const { owner, repo, name } = c.req.param();
    const actor = actorOf(c);
    const row = await loadRepoForAction(c.var.db, actor, owner, repo, 'write');
    requireUser(actor);
    const body = await jsonInput(c, dispatchRequest);
    await dispatchWorkflow(c.var.db, c.env, row, name, body, actor.user.id);
    return c.body(null, 204);
  })
  .post(`${BASE}/actions/runs/:id/cancel`, async (c) => {
    const { owner, repo, id } = c.req.param();
    const found = await loadRunForViewer(c.var.db, actorOf(c), owner, repo, id);
    await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'write');
    await cancelRun(c.var.db, c.env, found.repo, found.run, origin(c));
    return c.json({}, 202);
  })
  .post(`${BASE}/actions/runs/:id/rerun`, async (c) => {
    const { owner, repo, id } = c.req.param();
    const actor = actorOf(c);
    const found = await loadRunForViewer(c.var.db, actor, owner, repo, id);
    await loadRepoForAction(c.var.db, actor, owner, repo, 'write');
    requireUser(actor);
    const again = await rerunRun(c.var.db, c.env, found.repo, found.run, actor.user.id, origin(c));
    return c.json(runView(again, found.repo, origin(c)), 201);
  })
  .get(`${BASE}/actions/secrets`, async (c) => {
    const { owner, repo } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'admin');
    const list = await listedSecrets(c.var.db, row.id);
    return c.json({
      total_count: list.length,
      secrets: list.map((s) => ({
        name: s.name,
        created_at: s.created_at.toISOString(),
        updated_at: s.updated_at.toISOString(),
      })),
    });
  })
  .put(`${BASE}/actions/secrets/:name`, async (c) => {
    const { owner, repo, name } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'admin');
    const body = await jsonBody(c);
    const created = await putSecret(c.var.db, c.env, row.id, name, body.value);
    return c.body(null, created ? 201 : 204);
  })
  .delete(`${BASE}/actions/secrets/:name`, async (c) => {
    const { owner, repo, name } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'admin');
    await removeSecret(c.var.db, row.id, name);
    return c.body(null, 204);
  })
  .post(`${BASE}/statuses/:sha`, async (c) => {
    const { owner, repo, sha } = c.req.param();
    const actor = actorOf(c);
    const row = await loadRepoForAction(c.var.db, actor, owner, repo, 'write');
    requireUser(actor);
    const body = await jsonInput(c, statusRequest);
    const s = await postStatus(c.var.db, row, sha, body, actor.user.id);
    return c.json(statusView(s, repoApi(c, row.owner_login, row.name)), 201);
  })
  .get(`${BASE}/statuses/:ref{.+}`, (c) => listOf(c))
  .get(`${BASE}/commits/:ref{.+}/statuses`, (c) => listOf(c))
  .get(`${BASE}/commits/:ref{.+}/status`, async (c) => {
    const { owner, repo, ref } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'read');
    const sha = await shaOfRef(c.env, row, ref);
    return c.json(await combinedStatus(c.var.db, row, sha, repoApi(c, row.owner_login, row.name)));
  });

async function listOf(c: Context<AppEnv>) {
  const owner = c.req.param('owner') ?? '';
  const repo = c.req.param('repo') ?? '';
  const ref = c.req.param('ref') ?? '';
  const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'read');
  const sha = await shaOfRef(c.env, row, ref);
  const page = pageOf(c);
  const list = await statusesOf(c.var.db, row.id, sha, page);
  return c.json(list.map((s) => statusView(s, repoApi(c, row.owner_login, row.name))));
}
