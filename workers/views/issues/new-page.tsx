/** The new-issue form (`/{owner}/{repo}/issues/new`): a plain POST, no script needed. */
import type { RepoRow } from '../../../db/queries/repositories';
import { RepoPage } from '../browse/common';
import { repoRefOf } from './parts';

export function NewIssuePage(p: {
  user: { login: string };
  repo: RepoRow;
  error?: string | undefined;
  values?: { title: string; body: string };
}) {
  const base = `/${p.repo.owner_login}/${p.repo.name}`;
  const repo = repoRefOf(p.repo);
  return (
    <RepoPage
      title={`New issue · ${p.repo.owner_login}/${p.repo.name}`}
      user={p.user}
      repo={repo}
      tab="issues"
    >
      <h2>New issue</h2>
      {p.error ? (
        <p class="error-box" role="alert">
          {p.error}
        </p>
      ) : null}
      <form method="post" action={`${base}/issues/new`} class="new-issue">
        <p>
          <label for="title">Title</label>
          <br />
          <input id="title" name="title" required maxlength={256} value={p.values?.title ?? ''} />
        </p>
        <p>
          <label for="body">
            Description (Markdown; <code>- [ ]</code> makes a task list)
          </label>
          <br />
          <textarea id="body" name="body">
            {p.values?.body ?? ''}
          </textarea>
        </p>
        <button type="submit">Open issue</button>
      </form>
    </RepoPage>
  );
}
