/**
 * Internal API for the SSH bridge, authenticated by its own credential (`X-Plue-Bridge-Secret`,
 * middleware/components.ts), with bodies checked against common/schemas/internal-ssh.ts, which
 * the bridge shares:
 * - POST /internal/ssh/lookup {key, proof?} → {user:{id,login}, ticket?}: the owner of a public
 *   key (per SSH connection); with the client's signature over its authentication request
 *   (`proof`, checked here: services/identity/ssh-key-proof.ts) also the session ticket the
 *   bridge then acts for that user with (services/identity/ssh-tickets.ts). A proof that does
 *   not verify is a 401;
 * - POST /internal/ssh/grant {owner, repo, action} as the ticket's user (`X-Plue-Ssh-Ticket`) →
 *   {grant}: authorises one git command once (read for upload-pack, write for receive-pack) and
 *   signs the answer, which the bridge sends back on that command's git requests (see
 *   `issueRepoGrant` in services/repos/authz.ts). Refusals are the git routes' own: 404 for a
 *   repository the user may not see, 403 without write permission. An old name (rename or
 *   transfer) is followed, and the grant covers the name the command used.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { componentOnly } from '../../middleware/components';
import { issueRepoGrant, loadRepoForAction } from '../../services/repos/authz';
import { edgeCache } from '../../services/cache/cache';
import { lookupSshKey } from '../../services/identity/ssh-keys';
import { issueSshTicket } from '../../services/identity/ssh-tickets';
import { keyProofValid } from '../../services/identity/ssh-key-proof';
import { sshGrantRequest, sshLookupRequest } from '../../../common/schemas/internal-ssh';
import { jsonInput } from '../input';

export const internalSshRoutes = new Hono<AppEnv>()
  .use(componentOnly('bridge'))
  .post('/lookup', async (c) => {
    const body = await jsonInput(c, sshLookupRequest, 'ssh_key_invalid');
    const now = new Date();
    const { fingerprint, blob, ...user } = await lookupSshKey(c.var.db, body.key, now);
    if (body.proof === undefined) return c.json({ user });
    if (!(await keyProofValid(blob, body.proof))) {
      throw AppError.unauthenticated(
        'The signature does not prove the key',
        'ssh_key_proof_invalid',
      );
    }
    return c.json({ user, ticket: await issueSshTicket(c.env, user, fingerprint, now) });
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
    // Reached through an old name: the grant also covers that name, which the session uses.
    const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
    const asked =
      same(row.owner_login, owner) && same(row.name, repo) ? undefined : { owner, name: repo };
    const grant = await issueRepoGrant(c.env, user.id, row, action, new Date(), asked);
    return c.json({ grant });
  });
