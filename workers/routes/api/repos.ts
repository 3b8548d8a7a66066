/**
 * Repository records over the API (GitHub's shapes): create and list under /user/repos, list
 * another user's under /users/:owner/repos, read/update (rename)/delete /repos/:owner/:repo,
 * transfer (POST …/transfer {new_owner, new_name?}) and collaborators. Every handler goes through
 * the authorisation service; an old name answers 301/307 to the new one (middleware/errors.ts).
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { edgeCache } from '../../services/cache/cache';
import { publicOrigin } from '../../services/platform/public-url';
import { branchesOf, repoDeleted, repoUpdated } from '../../services/repos/repo-storage';
import { loadRepoForAction, requireUser } from '../../services/repos/authz';
import { repoAccessChanged, repoViewersGone } from '../../services/runs/run-viewer-access';
import {
  collaboratorRequest,
  collaboratorsOf,
  removeCollaborator,
  setCollaborator,
} from '../../services/repos/collaborators';
import {
  createRepo,
  deleteRepoRecord,
  listReposOf,
  repoView,
  transferRepoRecord,
  updateRepoRecord,
} from '../../services/repos/repos';
import { optionalJsonInput } from '../input';
import { actorOf, jsonBody, pageOf, setLinkHeader } from './request';
import { movedUser } from './users';
import { findProfileUser } from '../../services/identity/profiles';

export const repoRoutes = new Hono<AppEnv>()
  .post('/user/repos', async (c) => {
    const repo = await createRepo(c.var.db, actorOf(c), await jsonBody(c));
    return c.json(repoView(repo, publicOrigin(c.env), c.env.PLUE_SSH_URL), 201);
  })
  .get('/user/repos', async (c) => {
    const actor = actorOf(c);
    requireUser(actor);
    const page = pageOf(c);
    const list = await listReposOf(c.var.db, actor, c.var.user?.login ?? '', page);
    setLinkHeader(c, page, list?.total ?? 0);
    return c.json(
      (list?.rows ?? []).map((r) => repoView(r, publicOrigin(c.env), c.env.PLUE_SSH_URL)),
    );
  })
  .get('/users/:owner/repos', async (c) => {
    const page = pageOf(c);
    const owner = c.req.param('owner');
    const list = await listReposOf(c.var.db, actorOf(c), owner, page);
    if (!list) {
      const moved = await findProfileUser(c.var.db, owner);
      if (moved?.moved) return movedUser(c, owner, moved.user.login);
      throw AppError.notFound('User not found', 'user_not_found');
    }
    setLinkHeader(c, page, list.total);
    return c.json(list.rows.map((r) => repoView(r, publicOrigin(c.env), c.env.PLUE_SSH_URL)));
  })
  .get('/repos/:owner/:repo', async (c) => {
    const { owner, repo } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'read');
    return c.json(repoView(row, publicOrigin(c.env), c.env.PLUE_SSH_URL));
  })
  .patch('/repos/:owner/:repo', async (c) => {
    const { owner, repo } = c.req.param();
    const body = await jsonBody(c);
    const now = new Date();
    const row = await updateRepoRecord(c.var.db, actorOf(c), owner, repo, body, now, (r) =>
      branchesOf(c.env, r),
    );
    // Made (or kept) private: live run viewers who may no longer read it are ended.
    if (row.private) await repoAccessChanged(c.env, c.var.db, row, now);
    await repoUpdated(
      c.env,
      edgeCache((p) => c.executionCtx.waitUntil(p), c.var.memory),
      owner,
      repo,
      row,
    );
    return c.json(repoView(row, publicOrigin(c.env), c.env.PLUE_SSH_URL));
  })
  .post('/repos/:owner/:repo/transfer', async (c) => {
    const { owner, repo } = c.req.param();
    const body = await jsonBody(c);
    const now = new Date();
    const row = await transferRepoRecord(c.var.db, actorOf(c), owner, repo, body, now);
    // The old owner may have lost access: live run viewers are checked again.
    await repoAccessChanged(c.env, c.var.db, row, now);
    await repoUpdated(
      c.env,
      edgeCache((p) => c.executionCtx.waitUntil(p), c.var.memory),
      owner,
      repo,
      row,
    );
    return c.json(repoView(row, publicOrigin(c.env), c.env.PLUE_SSH_URL), 202);
  })
  .delete('/repos/:owner/:repo', async (c) => {
    const { owner, repo } = c.req.param();
    const { repo: row, streamingRuns } = await deleteRepoRecord(
      c.var.db,
      actorOf(c),
      owner,
      repo,
      new Date(),
    );
    await repoViewersGone(c.env, row.id, streamingRuns);
    const cache = edgeCache((p) => c.executionCtx.waitUntil(p), c.var.memory);
    c.executionCtx.waitUntil(repoDeleted(c.env, cache, row));
    return c.body(null, 204);
  })
  .get('/repos/:owner/:repo/collaborators', async (c) => {
    const { owner, repo } = c.req.param();
    const rows = await collaboratorsOf(c.var.db, actorOf(c), owner, repo);
    return c.json(
      rows.map((r) => ({
        login: r.login,
        id: Number(r.user_id),
        permissions: { [r.permission]: true },
        role_name: r.permission,
      })),
    );
  })
  .put('/repos/:owner/:repo/collaborators/:user', async (c) => {
    const { owner, repo, user } = c.req.param();
    const body = await optionalJsonInput(c, collaboratorRequest);
    await setCollaborator(c.var.db, actorOf(c), owner, repo, user, body.permission);
    return c.body(null, 204);
  })
  .delete('/repos/:owner/:repo/collaborators/:user', async (c) => {
    const { owner, repo, user } = c.req.param();
    const row = await removeCollaborator(c.var.db, actorOf(c), owner, repo, user);
    await repoAccessChanged(c.env, c.var.db, row, new Date());
    return c.body(null, 204);
  });
