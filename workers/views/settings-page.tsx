/**
 * The settings page: profile (username), personal access tokens and SSH keys, as plain forms.
 * A new token defaults to the scopes a push needs and is shown once with a copy button; revoking
 * a token and deleting a key take a second, explicit click (a disclosure, so it works without
 * JavaScript).
 */
import { raw } from 'hono/html';
import type { CurrentUser } from '../env';
import type { SshKeyView } from '../services/identity/ssh-keys';
import type { TokenView } from '../services/identity/tokens';
import { Layout } from './layout';

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

const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '—');

/** The token scopes, what each allows, and whether a new token has it by default. */
export const SCOPE_CHOICES: ReadonlyArray<{ scope: string; what: string; checked: boolean }> = [
  {
    scope: 'repo:read',
    what: 'clone and fetch, and read private repositories and the API',
    checked: true,
  },
  {
    scope: 'repo:write',
    what: 'push, and start, cancel and re-run workflow runs (needs repo:read to clone)',
    checked: true,
  },
  {
    scope: 'admin',
    what: 'everything above, plus repository settings, collaborators and secrets, and your tokens and SSH keys',
    checked: false,
  },
];

/** Copies the text of `data-copy`'s element; the button is shown only when scripts run. */
const COPY_SCRIPT = `
for (const b of document.querySelectorAll('button[data-copy]')) {
  b.hidden = false;
  b.addEventListener('click', async () => {
    const text = document.getElementById(b.dataset.copy).textContent;
    try { await navigator.clipboard.writeText(text); b.textContent = 'Copied ✓'; }
    catch { const r = document.createRange(); r.selectNodeContents(document.getElementById(b.dataset.copy));
      const s = getSelection(); s.removeAllRanges(); s.addRange(r); b.textContent = 'Selected: press Ctrl+C'; }
  });
}`;

/** A button that asks again before posting: "Revoke…" opens the real, named button. */
function ConfirmButton(p: { action: string; label: string; confirm: string; what: string }) {
  return (
    <details class="confirm">
      <summary>{p.label}…</summary>
      <form method="post" action={p.action}>
        <p>{p.what}</p>
        <button type="submit" class="danger">
          {p.confirm}
        </button>
      </form>
    </details>
  );
}

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

      <section aria-labelledby="tokens">
        <h2 id="tokens">Personal access tokens</h2>
        <p>
          A token is the password for git over HTTPS (any username) and the bearer token for the
          API.
        </p>
        {p.newToken ? (
          <div class="new-token" role="status">
            <p>
              <strong>✓ Copy your new token now. It is shown only this once:</strong> Plue keeps
              only a hash of it, so nobody can show it again. If you lose it, revoke it and create
              another.
            </p>
            <pre id="new-token">{p.newToken}</pre>
            <button type="button" data-copy="new-token" hidden>
              Copy token
            </button>
          </div>
        ) : null}
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>Scopes</th>
              <th>Created</th>
              <th>Expires</th>
              <th>Last used</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {p.tokens.length === 0 ? (
              <tr>
                <td colspan={6} class="muted">
                  No tokens yet. Create one below to push over HTTPS or call the API.
                </td>
              </tr>
            ) : (
              p.tokens.map((t) => (
                <tr>
                  <td>{t.name}</td>
                  <td class="mono">{t.scopes.join(' ')}</td>
                  <td>{day(t.created_at)}</td>
                  <td>{day(t.expires_at)}</td>
                  <td>{day(t.last_used_at)}</td>
                  <td>
                    <ConfirmButton
                      action={`/settings/tokens/${t.id}/delete`}
                      label="Revoke"
                      confirm={`Revoke “${t.name}”`}
                      what="Remotes and programs using this token stop working at once. This cannot be undone."
                    />
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
        <h3>New token</h3>
        <form method="post" action="/settings/tokens">
          <p>
            <label for="token-name">Name</label>{' '}
            <input id="token-name" name="name" required maxlength={100} />
          </p>
          <fieldset>
            <legend>Scopes (the defaults are what cloning and pushing need)</legend>
            {SCOPE_CHOICES.map((s) => (
              <p class="scope">
                <label>
                  <input type="checkbox" name="scopes" value={s.scope} checked={s.checked} />{' '}
                  <code>{s.scope}</code>
                </label>{' '}
                <span class="muted">— {s.what}</span>
              </p>
            ))}
          </fieldset>
          <p>
            <label for="token-days">Expires in</label>{' '}
            <select id="token-days" name="expires_in_days">
              <option value="30">30 days</option>
              <option value="90">90 days</option>
              <option value="365">1 year</option>
              <option value="">never</option>
            </select>{' '}
            <button type="submit" class="primary">
              Create token
            </button>
          </p>
        </form>
      </section>

      <section aria-labelledby="keys">
        <h2 id="keys">SSH keys</h2>
        {p.ssh?.fingerprint ? (
          <p>
            Remotes look like <code>{p.ssh.url ?? 'ssh://git@host/'}owner/repo.git</code>. On first
            connect, check that the server's host key is <code>{p.ssh.fingerprint}</code> (ED25519).
          </p>
        ) : null}
        <table>
          <thead>
            <tr>
              <th>Title</th>
              <th>Fingerprint</th>
              <th>Added</th>
              <th>Last used</th>
              <th></th>
            </tr>
          </thead>
          <tbody>
            {p.keys.length === 0 ? (
              <tr>
                <td colspan={5} class="muted">
                  No SSH keys yet. Paste the contents of <code>~/.ssh/id_ed25519.pub</code> below.
                </td>
              </tr>
            ) : (
              p.keys.map((k) => (
                <tr>
                  <td>{k.title}</td>
                  <td class="mono">
                    {k.key_type} {k.fingerprint}
                  </td>
                  <td>{day(k.created_at)}</td>
                  <td>{day(k.last_used_at)}</td>
                  <td>
                    <ConfirmButton
                      action={`/settings/keys/${k.id}/delete`}
                      label="Delete"
                      confirm={`Delete “${k.title || k.fingerprint}”`}
                      what="Git over SSH with this key stops working at once."
                    />
                  </td>
                </tr>
              ))
            )}
          </tbody>
        </table>
        <h3>Add a key</h3>
        <form method="post" action="/settings/keys">
          <p>
            <label for="key-title">Title</label>{' '}
            <input id="key-title" name="title" maxlength={100} />
          </p>
          <p>
            <label for="key">Public key</label>
            <br />
            <textarea id="key" name="key" rows={3} required></textarea>
          </p>
          <button type="submit" class="primary">
            Add key
          </button>
        </form>
      </section>
      {p.newToken ? <script>{raw(COPY_SCRIPT)}</script> : null}
    </Layout>
  );
}
