/**
 * Account pages: /login (wallet sign-in), POST /logout, /settings (profile, tokens, SSH keys)
 * with plain form posts (same-origin checked by the csrf middleware). A form that succeeds
 * redirects back to /settings (POST/redirect/GET) with a one-time flash saying what happened (and
 * a new token's secret, shown once); a form the user got wrong re-renders with the message.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AppEnv, CurrentUser } from '../../env';
import { AppError } from '../../../common/errors';
import { requireUser } from '../../services/repos/authz';
import { publicUrl } from '../../services/platform/public-url';
import { parseChainIds } from '../../services/identity/siwe';
import { addSshKey, listUserSshKeys, removeSshKey } from '../../services/identity/ssh-keys';
import { createToken, listUserTokens, revokeUserToken } from '../../services/identity/tokens';
import { changeUsername } from '../../services/identity/users';
import { edgeCache } from '../../services/cache/cache';
import { ownerRenamed } from '../../services/repos/repo-storage';
import { LoginPage } from '../../views/login-page';
import { SettingsPage } from '../../views/settings-page';
import { endSession } from '../api/auth';
import { actorOf } from '../api/request';
import { formInput, formText } from '../input';
import { redirectWithFlash, takeFlash } from './flash';

async function renderSettings(
  c: Context<AppEnv>,
  user: CurrentUser,
  extra: { newToken?: string; error?: string; notice?: string } = {},
  status: 200 | 400 | 404 | 409 = 200,
) {
  const [tokens, keys] = await Promise.all([
    listUserTokens(c.var.db, user.id),
    listUserSshKeys(c.var.db, user.id),
  ]);
  c.header('Cache-Control', 'no-store');
  const ssh = { url: c.env.PLUE_SSH_URL, fingerprint: c.env.PLUE_SSH_FINGERPRINT };
  return c.html(
    <SettingsPage user={user} tokens={tokens} keys={keys} ssh={ssh} {...extra} />,
    status,
  );
}

/**
 * Runs a settings form action; success redirects to /settings with a flash (rendered directly
 * when there is no session cookie to seal it to), user errors re-render the page with the message.
 */
async function settingsAction(
  c: Context<AppEnv>,
  action: (user: CurrentUser) => Promise<{ newToken?: string; notice: string }>,
) {
  const actor = actorOf(c);
  requireUser(actor, 'admin');
  let user = c.var.user as CurrentUser; // set whenever requireUser passed
  try {
    const result = await action(user);
    user = c.var.user ?? user;
    return (await redirectWithFlash(c, SETTINGS, result)) ?? renderSettings(c, user, result);
  } catch (err) {
    if (err instanceof AppError && ['invalid', 'conflict', 'not_found'].includes(err.kind)) {
      return renderSettings(c, user, { error: err.message }, err.status as 400 | 404 | 409);
    }
    throw err;
  }
}

const SETTINGS = '/settings';

const profileForm = z.object({ login: formText.default('') });
const keyForm = z.object({ title: formText.default(''), key: formText.default('') });
const tokenForm = z.object({
  name: formText.default(''),
  /** Checkboxes: absent, one value or several. */
  scopes: z
    .union([formText, z.array(formText)])
    .optional()
    .transform((v) => (v === undefined ? [] : [v].flat())),
  /** Days until the token expires; empty: never. */
  expires_in_days: formText
    .regex(/^([1-9]\d{0,4})?$/, 'must be a number of days from 1, or empty for never')
    .optional()
    .transform((s) => (s === undefined || s === '' ? undefined : Number(s))),
});

export const accountRoutes = new Hono<AppEnv>()
  .get('/login', (c) => {
    if (c.var.user) return c.redirect('/', 303);
    const site = publicUrl(c.env);
    return c.html(
      <LoginPage
        chainIds={parseChainIds(c.env.SIWE_CHAIN_IDS)}
        domain={site.host}
        uri={site.origin}
      />,
    );
  })
  .post('/logout', async (c) => {
    await endSession(c);
    return c.redirect('/', 303);
  })
  .get('/settings', async (c) => {
    const user = c.var.user;
    if (!user) return c.redirect('/login?next=/settings', 303);
    return renderSettings(c, user, await takeFlash(c, SETTINGS));
  })
  .post('/settings/profile', (c) =>
    settingsAction(c, async (user) => {
      const body = await formInput(c, profileForm);
      const view = await changeUsername(c.var.db, user.id, body.login);
      const cache = edgeCache((p) => c.executionCtx.waitUntil(p), c.var.memory);
      await ownerRenamed(c.var.db, cache, user.id, user.login);
      c.set('user', { ...user, login: view.login });
      return { notice: `Your username is now ${view.login}.` };
    }),
  )
  .post('/settings/tokens', (c) =>
    settingsAction(c, async (user) => {
      const body = await formInput(c, tokenForm);
      const days = body.expires_in_days;
      const now = new Date();
      const expires =
        days === undefined ? undefined : new Date(now.getTime() + days * 86_400_000).toISOString();
      const t = await createToken(
        c.var.db,
        user.id,
        { name: body.name, scopes: body.scopes, expires_at: expires },
        now,
      );
      return { newToken: t.token, notice: `Token “${t.name}” created.` };
    }),
  )
  .post('/settings/tokens/:id/delete', (c) =>
    settingsAction(c, async (user) => {
      await revokeUserToken(c.var.db, user.id, c.req.param('id'), new Date());
      return { notice: 'Token revoked.' };
    }),
  )
  .post('/settings/keys', (c) =>
    settingsAction(c, async (user) => {
      const k = await addSshKey(c.var.db, user.id, await formInput(c, keyForm));
      return { notice: `Key ${k.fingerprint} added.` };
    }),
  )
  .post('/settings/keys/:id/delete', (c) =>
    settingsAction(c, async (user) => {
      await removeSshKey(c.var.db, user.id, c.req.param('id'));
      return { notice: 'Key deleted.' };
    }),
  );
