/**
 * The settings page: profile (username), personal access tokens (settings/tokens.tsx) and SSH
 * keys (settings/ssh-keys.tsx), as plain forms. A new token defaults to the scopes a push needs
 * and is shown once with a copy button; revoking a token and deleting a key take a second,
 * explicit click (a disclosure, so it works without JavaScript).
 */
import { raw } from 'hono/html';
import type { CurrentUser } from '../env';
import type { SshKeyView } from '../services/identity/ssh-keys';
import type { TokenView } from '../services/identity/tokens';
import { Layout } from './layout';
import { KeysSection } from './settings/ssh-keys';
import { COPY_SCRIPT, TokensSection } from './settings/tokens';

export interface SettingsProps {
  user: CurrentUser;
  tokens: TokenView[];
  keys: SshKeyView[];
  /** A token just created, shown this once. */
  newToken?: string | undefined;
  error?: string | undefined;
  notice?: string | undefined;
  /** Where SSH remotes point and the host key to expect (from `npm start` / deployment). */
  ssh?: { url?: string | undefined; fingerprint?: string | undefined };
}

/** The settings page of the signed-in user. */
export function SettingsPage(p: SettingsProps) {
  return (
    <Layout title="Settings" user={p.user}>
      <h1>Settings</h1>
      {p.error ? (
        <p class="error-box" role="alert">
          ✗ {p.error}
        </p>
      ) : null}
      {p.notice ? (
        <p class="ok" role="status">
          ✓ {p.notice}
        </p>
      ) : null}

      <section aria-labelledby="profile">
        <h2 id="profile">Profile</h2>
        <p>
          Wallet <code>{p.user.wallet_address}</code>
        </p>
        <form method="post" action="/settings/profile">
          <label for="login">Username</label>{' '}
          <input id="login" name="login" value={p.user.login} required maxlength={39} />{' '}
          <button type="submit">Change username</button>
        </form>
      </section>

      <TokensSection tokens={p.tokens} newToken={p.newToken} />
      <KeysSection keys={p.keys} ssh={p.ssh} />
      {p.newToken ? <script>{raw(COPY_SCRIPT)}</script> : null}
    </Layout>
  );
}
