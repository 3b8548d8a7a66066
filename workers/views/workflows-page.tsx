/**
 * The workflows page: the workflow files found at the default branch head (from its last
 * evaluation) with their triggers, errors, a link to their runs, and for `manual` workflows a
 * dispatch form (ref + declared inputs) posting to the page route, shown to viewers who may
 * write to the repository.
 */
import type { RepoRow } from '../../db/queries/repositories';
import type { WorkflowRow } from '../../db/queries/workflows';
import { Layout } from './layout';
import { RelativeTime, RunsNav } from './runs-common';

interface Trigger {
  type?: string;
  inputs?: Record<string, unknown>;
  branches?: string[];
  cron?: string;
}

function triggerText(t: Trigger): string {
  if (t.type === 'push' && t.branches && t.branches.length > 0) {
    return `push (${t.branches.join(', ')})`;
  }
  if (t.type === 'schedule' && t.cron) return `schedule (${t.cron})`;
  return t.type ?? '?';
}

function inputType(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && Array.isArray((v as { choice?: unknown }).choice)) {
    return `one of ${((v as { choice: string[] }).choice ?? []).join(', ')}`;
  }
  return 'string';
}

export function WorkflowsPage({
  user,
  canWrite,
  repo,
  workflows,
}: {
  user?: { login: string } | undefined;
  /** Whether the viewer may start runs (write permission on the repository). */
  canWrite: boolean;
  repo: RepoRow;
  workflows: WorkflowRow[];
}) {
  const full = `${repo.owner_login}/${repo.name}`;
  return (
    <Layout title={`Workflows · ${full}`} user={user}>
      <RunsNav repo={repo} />
      <h1>Workflows</h1>
      {workflows.length === 0 ? (
        <p class="muted">
          No workflows on <span class="mono">{repo.default_branch}</span> yet. Push a{' '}
          <span class="mono">.plue/workflows/*.py</span> file (see the workflow docs).
        </p>
      ) : null}
      {workflows.map((w) => {
        const triggers = (Array.isArray(w.triggers) ? w.triggers : []) as Trigger[];
        const manual = triggers.find((t) => t.type === 'manual');
        return (
          <section class="workflow">
            <h2>
              {w.name}{' '}
              <span class="muted mono">
                {w.file}
                {w.line !== null ? `:${w.line}` : ''}
              </span>
            </h2>
            {w.error !== null ? (
              <p class="state-failure">✗ does not evaluate: {w.error}</p>
            ) : (
              <p>
                on {triggers.map(triggerText).join(' · ') || 'no triggers'} ·{' '}
                <a href={`/${full}/actions?workflow=${encodeURIComponent(w.name)}`}>runs</a> ·
                updated <RelativeTime at={w.updated_at} />
              </p>
            )}
            {manual && canWrite && w.error === null ? (
              <form
                method="post"
                action={`/${full}/actions/workflows/${encodeURIComponent(w.name)}/dispatch`}
              >
                <label>
                  ref <input name="ref" value={repo.default_branch} required />
                </label>{' '}
                {Object.entries(manual.inputs ?? {}).map(([name, type]) => (
                  <label>
                    {name} <span class="muted">({inputType(type)})</span>{' '}
                    <input name={`input.${name}`} />{' '}
                  </label>
                ))}
                <button type="submit" class="primary">
                  Run workflow
                </button>
              </form>
            ) : null}
          </section>
        );
      })}
    </Layout>
  );
}
