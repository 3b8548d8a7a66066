/**
 * Internal API for the SSH bridge, authenticated by `X-Plue-Internal-Secret` (constant-time
 * compared to PLUE_INTERNAL_SECRET), with bodies checked against common/schemas/internal-ssh.ts,
 * which the bridge shares:
 * - POST /internal/ssh/lookup {key} → {user:{id,login}}: the owner of a public key (per SSH
 *   connection);
 * - POST /internal/ssh/grant {owner, repo, action} as the SSH user (`X-Plue-User-Id`) →
 *   {grant}: authorises one git command once (read for upload-pack, write for receive-pack) and
 *   signs the answer, which the bridge sends back on that command's git requests (see
 *   `issueRepoGrant` in services/repos/authz.ts). Refusals are the git routes' own: 404 for a
 *   repository the user may not see, 403 without write permission. An old name (rename or
 *   transfer) is followed, and the grant covers the name the command used.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { internalSecretOnly } from '../../middleware/auth';
import { issueRepoGrant, loadRepoForAction } from '../../services/repos/authz';
import { edgeCache } from '../../services/cache/cache';
import { lookupSshKey } from '../../services/identity/ssh-keys';
import { sshGrantRequest, sshLookupRequest } from '../../../common/schemas/internal-ssh';
import { jsonInput } from '../input';

export const internalSshRoutes = new Hono<AppEnv>()
  .use(internalSecretOnly)
  .post('/lookup', async (c) => {
    const body = await jsonInput(c, sshLookupRequest, 'ssh_key_invalid');
    return c.json({ user: await lookupSshKey(c.var.db, body.key, new Date()) });
  })
  .post('/grant', async (c) => {
    const user = c.var.user;
    if (c.var.auth.kind !== 'ssh' || user === undefined) {
      throw AppError.unauthenticated('No SSH user on this request', 'internal_user_unknown');
    }
    const { owner, repo, action } = await jsonInput(c, sshGrantRequest, 'body_invalid');
    const ctx = c.executionCtx;
    const actor = { user, scopes: c.var.auth.scopes };
    const row = await loadRepoForAction(
      c.var.db,
      actor,
      owner,
      repo,
      action,
      edgeCache((p) => ctx.waitUntil(p), c.var.memory),
      { follow: true },
    );
    // internalSecretValid above guarantees the secret is set.
    const secret = c.env.PLUE_INTERNAL_SECRET ?? '';
    // Reached through an old name: the grant also covers that name, which the session uses.
    const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
    const asked =
      same(row.owner_login, owner) && same(row.name, repo) ? undefined : { owner, name: repo };
    const grant = await issueRepoGrant(secret, user.id, row, action, new Date(), asked);
    return c.json({ grant });
  });
