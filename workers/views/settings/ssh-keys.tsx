/**
 * The SSH keys section of the settings page: where SSH remotes point and the host key to expect,
 * the keys with a confirmed delete, and the form to add one.
 */
import type { SshKeyView } from '../../services/identity/ssh-keys';
import { ConfirmButton, day } from './common';

function KeyTable({ keys }: { keys: SshKeyView[] }) {
  return (
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
        {keys.length === 0 ? (
          <tr>
            <td colspan={5} class="muted">
              No SSH keys yet. Paste the contents of <code>~/.ssh/id_ed25519.pub</code> below.
            </td>
          </tr>
        ) : (
          keys.map((k) => (
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
  );
}

function AddKeyForm() {
  return (
    <form method="post" action="/settings/keys">
      <p>
        <label for="key-title">Title</label> <input id="key-title" name="title" maxlength={100} />
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
  );
}

/** The SSH keys section; `ssh` says where remotes point and the host key to expect. */
export function KeysSection(p: {
  keys: SshKeyView[];
  ssh?: { url?: string | undefined; fingerprint?: string | undefined } | undefined;
}) {
  return (
    <section aria-labelledby="keys">
      <h2 id="keys">SSH keys</h2>
      {p.ssh?.fingerprint ? (
        <p>
          Remotes look like <code>{p.ssh.url ?? 'ssh://git@host/'}owner/repo.git</code>. On first
          connect, check that the server's host key is <code>{p.ssh.fingerprint}</code> (ED25519).
        </p>
      ) : null}
      <KeyTable keys={p.keys} />
      <h3>Add a key</h3>
      <AddKeyForm />
    </section>
  );
}
