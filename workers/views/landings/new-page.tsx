/**
 * The new landing request form (`/{owner}/{repo}/landings/new?base=&head=`), reached from
 * Compare or from a jj change's page: the target branch, the source (a branch, or a jj change id
 * or a unique prefix of one), a title, a description and the draft box. A plain POST.
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

/** A jj change id (32 letters k–z) or a prefix of one: what `head` names when it is no branch. */
const looksLikeChange = (head: string) => /^[k-z]{1,32}$/.test(head);

/**
 * The "Open landing request" form (also on the compare page, with the refs fixed; `editRefs`
 * shows the target and source as fields, as on its own page and a change's page).
 */
export function NewLandingForm(p: {
  base: string;
  values: NewLandingValues;
  editRefs?: boolean;
  /** Branch names offered for the target and source fields. */
  branches?: string[];
}) {
  return (
    <form
      method="post"
      action={`${p.base}/landings/new`}
      class="new-issue"
      aria-label="Open landing request"
    >
      {p.editRefs ? (
        <p class="bar">
          <label>
            Target branch{' '}
            <input
              name="base"
              value={p.values.base}
              required
              class="mono"
              list={p.branches ? 'landing-branches' : undefined}
            />
          </label>{' '}
          <span aria-hidden="true">←</span>{' '}
          <label>
            Source: a branch or a jj change id (a unique prefix will do){' '}
            <input
              name="head"
              value={p.values.head}
              required
              class="mono"
              list={p.branches ? 'landing-branches' : undefined}
            />
          </label>
          {p.branches ? (
            <datalist id="landing-branches">
              {p.branches.map((b) => (
                <option value={b} />
              ))}
            </datalist>
          ) : null}
        </p>
      ) : (
        <>
          <input type="hidden" name="base" value={p.values.base} />
          <input type="hidden" name="head" value={p.values.head} />
        </>
      )}
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
  branches?: string[];
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
        {p.values.head ? (
          <>
            Land <code>{p.values.head}</code> onto <code>{p.values.base}</code>
          </>
        ) : (
          'New landing request'
        )}
      </h2>
      {p.error ? (
        <p class="error-box" role="alert">
          {p.error}
        </p>
      ) : null}
      {p.values.head === '' ? null : p.branches?.includes(p.values.head) ||
        !looksLikeChange(p.values.head) ? (
        <p>
          <a
            href={`${base}/compare/${encodeURIComponent(p.values.base)}...${encodeURIComponent(p.values.head)}`}
          >
            See the changes
          </a>
        </p>
      ) : p.values.head.length === 32 ? (
        <p>
          <a href={`${base}/change/${p.values.head}`}>See the change</a>
        </p>
      ) : null}
      <NewLandingForm base={base} values={p.values} editRefs branches={p.branches} />
    </RepoPage>
  );
}
