/**
 * Cancel and re-run buttons of the run page: plain `<form method="post">` posts (the CSRF
 * middleware checks their origin), shown only to viewers who may write to the repository (the
 * handlers authorise `write` again).
 */
import type { RepoRow } from '../../db/queries/repositories';
import type { RunRow } from '../../db/queries/runs';

export function RunActions({
  canWrite,
  repo,
  run,
}: {
  /** Whether the viewer may cancel and re-run (write permission on the repository). */
  canWrite: boolean;
  repo: RepoRow;
  run: RunRow;
}) {
  if (!canWrite) return null;
  const base = `/${repo.owner_login}/${repo.name}/actions/runs/${run.id}`;
  const plan = run.plan as { error?: unknown } | null;
  return (
    <div class="run-actions">
      {run.status !== 'completed' ? (
        <form method="post" action={`${base}/cancel`} style="display:inline">
          <button type="submit" disabled={run.cancel_requested_at !== null}>
            {run.cancel_requested_at !== null ? 'Cancelling…' : 'Cancel run'}
          </button>
        </form>
      ) : plan !== null && plan.error === undefined ? (
        <form method="post" action={`${base}/rerun`} style="display:inline">
          <button type="submit">Re-run</button>
        </form>
      ) : null}
    </div>
  );
}
