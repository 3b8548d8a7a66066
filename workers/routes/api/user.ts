/**
 * The signed-in user: GET/PATCH /api/v1/user, personal access tokens (/user/tokens) and SSH
 * keys (/user/keys). Account changes through a token need the `admin` scope.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { requireUser } from '../../services/repos/authz';
import { addSshKey, listUserSshKeys, removeSshKey } from '../../services/identity/ssh-keys';
import { createToken, listUserTokens, revokeUserToken } from '../../services/identity/tokens';
import { changeUsername, userView } from '../../services/identity/users';
import { actorOf, jsonBody } from './request';
import { edgeCache } from '../../services/cache/cache';
import { ownerRenamed } from '../../services/repos/repo-storage';

export const userRoutes = new Hono<AppEnv>()
  .get('/', (c) => {
    const user = c.var.user;
    if (!user) throw AppError.unauthenticated();
    return c.json(userView(user));
  })
  .patch('/', async (c) => {
    const actor = actorOf(c);
    requireUser(actor, 'admin');
    const body = await jsonBody(c);
    const before = c.var.user?.login ?? '';
    const view = await changeUsername(c.var.db, actor.user.id, body.login);
    await ownerRenamed(
      c.var.db,
      edgeCache((p) => c.executionCtx.waitUntil(p), c.var.memory),
      actor.user.id,
      before,
    );
    return c.json(view);
  })
  .post('/tokens', async (c) => {
    const actor = actorOf(c);
    requireUser(actor, 'admin');
    const body = await jsonBody(c);
    const created = await createToken(c.var.db, actor.user.id, body, new Date());
    c.header('Cache-Control', 'no-store');
    return c.json(created, 201);
  })
  .get('/tokens', async (c) => {
    const actor = actorOf(c);
    requireUser(actor, 'admin');
    return c.json(await listUserTokens(c.var.db, actor.user.id));
  })
  .delete('/tokens/:id', async (c) => {
    const actor = actorOf(c);
    requireUser(actor, 'admin');
    await revokeUserToken(c.var.db, actor.user.id, c.req.param('id'), new Date());
    return c.body(null, 204);
  })
  .post('/keys', async (c) => {
    const actor = actorOf(c);
    requireUser(actor, 'admin');
    const body = await jsonBody(c);
    return c.json(await addSshKey(c.var.db, actor.user.id, body), 201);
  })
  .get('/keys', async (c) => {
    const actor = actorOf(c);
    requireUser(actor);
    return c.json(await listUserSshKeys(c.var.db, actor.user.id));
  })
  .delete('/keys/:id', async (c) => {
    const actor = actorOf(c);
    requireUser(actor, 'admin');
    await removeSshKey(c.var.db, actor.user.id, c.req.param('id'));
    return c.body(null, 204);
  });
