/**
 * The labels page (`/{owner}/{repo}/labels`): each label with its swatch, description and count
 * of open issues (linking to them); writers get a create form and, per label, edit and delete
 * forms (delete behind a second, explicit step). Works with JavaScript off.
 */
import type { LabelRow } from '../../../db/queries/issue-meta';
import type { RepoRow } from '../../../db/queries/repositories';
import { RepoPage } from '../browse/common';
import { countOf } from '../count';
import { IssuesNav, Label, repoRefOf } from './parts';

export interface LabelsPageProps {
  user?: { login: string } | undefined;
  repo: RepoRow;
  labels: Array<{ label: LabelRow; open: number }>;
  canWrite: boolean;
}

/** The issue list filtered by a query. */
export const issuesHref = (base: string, q: string) =>
  `${base}/issues?${new URLSearchParams({ q })}`;

function LabelFields(p: { label?: LabelRow; id: string }) {
  return (
    <>
      <label for={`${p.id}-name`}>Name</label>{' '}
      <input
        id={`${p.id}-name`}
        name={p.label ? 'new_name' : 'name'}
        value={p.label?.name ?? ''}
        required
        maxlength={50}
      />{' '}
      <label for={`${p.id}-color`}>Colour</label>{' '}
      <input
        id={`${p.id}-color`}
        name="color"
        type="color"
        value={`#${p.label?.color ?? 'ededed'}`}
      />{' '}
      <label for={`${p.id}-description`}>Description</label>{' '}
      <input
        id={`${p.id}-description`}
        name="description"
        value={p.label?.description ?? ''}
        maxlength={100}
      />
    </>
  );
}

export function LabelsPage(p: LabelsPageProps) {
  const base = `/${p.repo.owner_login}/${p.repo.name}`;
  const repo = repoRefOf(p.repo);
  return (
    <RepoPage
      title={`Labels · ${p.repo.owner_login}/${p.repo.name}`}
      user={p.user}
      repo={repo}
      tab="issues"
    >
      <IssuesNav base={base} current="labels" />
      <h2>{countOf(p.labels.length, 'label')}</h2>
      {p.canWrite ? (
        <form method="post" action={`${base}/labels`} class="bar meta-form" aria-label="New label">
          <LabelFields id="new-label" />
          <button type="submit">Create label</button>
        </form>
      ) : null}
      {p.labels.length === 0 ? (
        <p>No labels yet.{p.canWrite ? ' Create one above.' : ''}</p>
      ) : (
        <table class="issues labels" aria-label="Labels">
          <tbody>
            {p.labels.map(({ label, open }, k) => {
              const path = `${base}/labels/${encodeURIComponent(label.name)}`;
              return (
                <tr>
                  <td>
                    <Label label={label} href={issuesHref(base, `is:open label:"${label.name}"`)} />
                  </td>
                  <td>{label.description}</td>
                  <td>
                    <a href={issuesHref(base, `is:open label:"${label.name}"`)}>
                      {open === 1 ? '1 open issue' : `${open} open issues`}
                    </a>
                  </td>
                  {p.canWrite ? (
                    <td>
                      <details>
                        <summary>Edit</summary>
                        <form method="post" action={`${path}/edit`} class="meta-form">
                          <LabelFields id={`label-${k}`} label={label} />
                          <button type="submit">Save</button>
                        </form>
                      </details>
                      <details>
                        <summary>Delete</summary>
                        <form method="post" action={`${path}/delete`} class="meta-form">
                          <p>
                            Delete the label <strong>{label.name}</strong>? It is removed from every
                            issue that has it; this cannot be undone.
                          </p>
                          <input type="hidden" name="confirm" value={label.name} />
                          <button type="submit" class="danger">
                            Delete label {label.name}
                          </button>
                        </form>
                      </details>
                    </td>
                  ) : null}
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </RepoPage>
  );
}
