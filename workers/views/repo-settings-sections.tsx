/**
 * The lower sections of a repository's settings page: collaborators, Actions secrets (names and
 * dates only) and the danger zone, whose forms need the repository's name typed out.
 */
import type { CollaboratorRow } from '../../db/queries/repositories';
import type { RepoRef } from './browse/common';

const day = (d: Date) => d.toISOString().slice(0, 10);

/** A form whose button only submits once `expect` is typed into its confirmation field. */
export function Confirm(p: { expect: string; id: string }) {
  return (
    <p>
      <label for={p.id}>
        Type <code>{p.expect}</code> to confirm
      </label>{' '}
      <input
        id={p.id}
        name="confirm"
        required
        autocomplete="off"
        pattern={p.expect.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}
      />
    </p>
  );
}

export function CollaboratorsSection(p: { collaborators: CollaboratorRow[]; base: string }) {
  return (
    <section aria-labelledby="collaborators">
      <h2 id="collaborators">Collaborators</h2>
      <table>
        <thead>
          <tr>
            <th>User</th>
            <th>Permission</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {p.collaborators.length === 0 ? (
            <tr>
              <td colspan={3} class="muted">
                No collaborators yet. Add someone by username below.
              </td>
            </tr>
          ) : (
            p.collaborators.map((k) => (
              <tr>
                <td>
                  <a class="mono" href={`/${encodeURIComponent(k.login)}`}>
                    {k.login}
                  </a>
                </td>
                <td>{k.permission}</td>
                <td>
                  <form
                    method="post"
                    action={`${p.base}/collaborators/${encodeURIComponent(k.login)}/delete`}
                    class="inline"
                  >
                    <button type="submit" class="danger">
                      Remove {k.login}
                    </button>
                  </form>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <h3>Add or change a collaborator</h3>
      <form method="post" action={`${p.base}/collaborators`}>
        <p>
          <label for="collab-login">Username</label>{' '}
          <input id="collab-login" name="login" required maxlength={39} />{' '}
          <label for="collab-permission">Permission</label>{' '}
          <select id="collab-permission" name="permission">
            <option value="read">read — clone, browse, watch runs</option>
            <option value="write" selected>
              write — push, run workflows
            </option>
            <option value="admin">admin — also these settings</option>
          </select>{' '}
          <button type="submit" class="primary">
            Add collaborator
          </button>
        </p>
      </form>
    </section>
  );
}

export function SecretsSection(p: {
  secrets: Array<{ name: string; updated_at: Date }>;
  base: string;
}) {
  return (
    <section aria-labelledby="secrets">
      <h2 id="secrets">Actions secrets</h2>
      <p class="muted">
        Workflows read these as <code>ctx.secrets</code>. A value is encrypted when saved and never
        shown again; to change one, set it anew.
      </p>
      <table>
        <thead>
          <tr>
            <th>Name</th>
            <th>Updated</th>
            <th></th>
          </tr>
        </thead>
        <tbody>
          {p.secrets.length === 0 ? (
            <tr>
              <td colspan={3} class="muted">
                No secrets yet.
              </td>
            </tr>
          ) : (
            p.secrets.map((s) => (
              <tr>
                <td class="mono">{s.name}</td>
                <td>{day(s.updated_at)}</td>
                <td>
                  <form
                    method="post"
                    action={`${p.base}/secrets/${encodeURIComponent(s.name)}/delete`}
                    class="inline"
                  >
                    <button type="submit" class="danger">
                      Delete {s.name}
                    </button>
                  </form>
                </td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <h3>Set a secret</h3>
      <form method="post" action={`${p.base}/secrets`}>
        <p>
          <label for="secret-name">Name</label>{' '}
          <input
            id="secret-name"
            name="name"
            required
            maxlength={100}
            pattern="[A-Za-z_][A-Za-z0-9_]*"
          />
        </p>
        <p>
          <label for="secret-value">Value</label>
          <br />
          <textarea id="secret-value" name="value" rows={3} required></textarea>
        </p>
        <button type="submit" class="primary">
          Save secret
        </button>
      </form>
    </section>
  );
}

export function DangerZone(p: { repo: RepoRef; base: string }) {
  return (
    <section aria-labelledby="danger" class="danger-zone">
      <h2 id="danger">Danger zone</h2>
      <h3>Rename</h3>
      <form method="post" action={`${p.base}/rename`}>
        <p>
          Old URLs (web, API, git over HTTPS and SSH) keep working and lead here until another
          repository takes the old name.
        </p>
        <p>
          <label for="new-name">New name</label>{' '}
          <input
            id="new-name"
            name="new_name"
            required
            maxlength={100}
            pattern="[A-Za-z0-9._\-]+"
          />
        </p>
        <Confirm expect={p.repo.name} id="rename-confirm" />
        <button type="submit" class="danger">
          Rename this repository
        </button>
      </form>
      <h3>Transfer</h3>
      <form method="post" action={`${p.base}/transfer`}>
        <p>
          The new owner gets it at once; you keep access only if they add you as a collaborator.
        </p>
        <p>
          <label for="new-owner">New owner's username</label>{' '}
          <input id="new-owner" name="new_owner" required maxlength={39} />
        </p>
        <Confirm expect={`${p.repo.owner}/${p.repo.name}`} id="transfer-confirm" />
        <button type="submit" class="danger">
          Transfer this repository
        </button>
      </form>
      <h3>Delete</h3>
      <form method="post" action={`${p.base}/delete`}>
        <p>
          Deletes the code, history, runs, secrets and settings.{' '}
          <strong>This cannot be undone.</strong>
        </p>
        <Confirm expect={`${p.repo.owner}/${p.repo.name}`} id="delete-confirm" />
        <button type="submit" class="danger">
          Delete this repository
        </button>
      </form>
    </section>
  );
}
