/** The "new repository" form. */
import type { CurrentUser } from '../env';
import { Layout } from './layout';

export interface NewRepoProps {
  user: CurrentUser;
  error?: string | undefined;
  values?: { name?: string; description?: string; private?: boolean; default_branch?: string };
}

export function NewRepoPage(p: NewRepoProps) {
  const v = p.values ?? {};
  return (
    <Layout title="New repository" user={p.user}>
      <h1>New repository</h1>
      {p.error ? (
        <p class="error-box" role="alert">
          ✗ {p.error}
        </p>
      ) : null}
      <form method="post" action="/new">
        <p>
          <label for="name">Name</label> <span class="mono">{p.user.login} /</span>{' '}
          <input
            id="name"
            name="name"
            required
            maxlength={100}
            pattern="[A-Za-z0-9._\-]+"
            value={v.name ?? ''}
          />
        </p>
        <p class="muted">Letters, digits, “.”, “_” and “-”; up to 100 characters.</p>
        <p>
          <label for="description">Description</label>
          <br />
          <input
            id="description"
            name="description"
            size={60}
            maxlength={1000}
            value={v.description ?? ''}
          />
        </p>
        <p>
          <label for="default_branch">Default branch</label>{' '}
          <input id="default_branch" name="default_branch" value={v.default_branch ?? 'main'} />
        </p>
        <fieldset>
          <legend>Visibility</legend>
          <label>
            <input type="radio" name="visibility" value="public" checked={!v.private} /> Public —
            anyone can read it
          </label>
          <br />
          <label>
            <input type="radio" name="visibility" value="private" checked={v.private === true} />{' '}
            Private — only you and collaborators
          </label>
        </fieldset>
        <p>
          <button type="submit" class="primary">
            Create repository
          </button>
        </p>
      </form>
    </Layout>
  );
}
