/**
 * The new landing request form (`/{owner}/{repo}/landings/new?base=&head=`), reached from
 * Compare: the branches, a title, a description and the draft box. A plain POST.
 */
import type { RepoRow } from '../../../db/queries/repositories';
import { RepoPage } from '../browse/common';
import { repoRefOf } from '../issues/parts';

export interface NewLandingValues {
  base: string;
  head: string;
  title: string;
  body: string;
  draft: boolean;
}

/** The "Open landing request" form (also shown on the compare page). */
export function NewLandingForm(p: { base: string; values: NewLandingValues }) {
  return (
    <form
      method="post"
      action={`${p.base}/landings/new`}
      class="new-issue"
      aria-label="Open landing request"
    >
      <input type="hidden" name="base" value={p.values.base} />
      <input type="hidden" name="head" value={p.values.head} />
      <p>
        <label for="landing-title">Title</label>
        <br />
        <input id="landing-title" name="title" maxlength={256} value={p.values.title} />
      </p>
      <p>
        <label for="landing-body">Description (Markdown)</label>
        <br />
        <textarea id="landing-body" name="body">
          {p.values.body}
        </textarea>
      </p>
      <p>
        <label>
          <input type="checkbox" name="draft" value="true" checked={p.values.draft} /> Draft (not
          ready for review yet)
        </label>
      </p>
      <button type="submit">Open landing request</button>
    </form>
  );
}

export function NewLandingPage(p: {
  user: { login: string };
  repo: RepoRow;
  values: NewLandingValues;
  error?: string | undefined;
}) {
  const base = `/${p.repo.owner_login}/${p.repo.name}`;
  return (
    <RepoPage
      title={`New landing request · ${p.repo.owner_login}/${p.repo.name}`}
      user={p.user}
      repo={repoRefOf(p.repo)}
      tab="landings"
    >
      <h2>
        Land <code>{p.values.head}</code> onto <code>{p.values.base}</code>
      </h2>
      {p.error ? (
        <p class="error-box" role="alert">
          {p.error}
        </p>
      ) : null}
      <p>
        <a
          href={`${base}/compare/${encodeURIComponent(p.values.base)}...${encodeURIComponent(p.values.head)}`}
        >
          See the changes
        </a>
      </p>
      <NewLandingForm base={base} values={p.values} />
    </RepoPage>
  );
}
