/**
 * The personal access tokens section of the settings page: the token just created (shown once,
 * with a copy button when scripts run), the list with a confirmed revoke, and the form for a new
 * token, which defaults to the scopes a push needs.
 */
import type { TokenView } from '../../services/identity/tokens';
import { ConfirmButton, day } from './common';

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
export const COPY_SCRIPT = `
for (const b of document.querySelectorAll('button[data-copy]')) {
  b.hidden = false;
  b.addEventListener('click', async () => {
    const text = document.getElementById(b.dataset.copy).textContent;
    try { await navigator.clipboard.writeText(text); b.textContent = 'Copied ✓'; }
    catch { const r = document.createRange(); r.selectNodeContents(document.getElementById(b.dataset.copy));
      const s = getSelection(); s.removeAllRanges(); s.addRange(r); b.textContent = 'Selected: press Ctrl+C'; }
  });
}`;

/** The token just created, shown this once. */
function NewToken({ token }: { token: string }) {
  return (
    <div class="new-token" role="status">
      <p>
        <strong>✓ Copy your new token now. It is shown only this once:</strong> Plue keeps only a
        hash of it, so nobody can show it again. If you lose it, revoke it and create another.
      </p>
      <pre id="new-token">{token}</pre>
      <button type="button" data-copy="new-token" hidden>
        Copy token
      </button>
    </div>
  );
}

function TokenTable({ tokens }: { tokens: TokenView[] }) {
  return (
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
        {tokens.length === 0 ? (
          <tr>
            <td colspan={6} class="muted">
              No tokens yet. Create one below to push over HTTPS or call the API.
            </td>
          </tr>
        ) : (
          tokens.map((t) => (
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
  );
}

function NewTokenForm() {
  return (
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
  );
}

/** The tokens section; `newToken` is a token just created. */
export function TokensSection(p: { tokens: TokenView[]; newToken?: string | undefined }) {
  return (
    <section aria-labelledby="tokens">
      <h2 id="tokens">Personal access tokens</h2>
      <p>
        A token is the password for git over HTTPS (any username) and the bearer token for the API.
      </p>
      {p.newToken ? <NewToken token={p.newToken} /> : null}
      <TokenTable tokens={p.tokens} />
      <h3>New token</h3>
      <NewTokenForm />
    </section>
  );
}
