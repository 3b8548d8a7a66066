/**
 * Cancel and re-run buttons of the run page: plain `<form method="post">` posts (the CSRF
 * middleware checks their origin), shown only to viewers who may write to the repository (the
 * handlers authorise `write` again). Both forms are rendered when they can apply, the one that
 * does not fit the run's state `hidden`: run-log-script.ts swaps them when the run ends live.
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
  const rerunnable = plan !== null && plan.error === undefined;
  const done = run.status === 'completed';
  const cancelling = run.cancel_requested_at !== null && !done;
  return (
    <div class="run-actions">
      <form method="post" action={`${base}/cancel`} id="run-cancel" hidden={done}>
        <button type="submit" disabled={cancelling}>
          {cancelling ? 'Cancelling…' : 'Cancel run'}
        </button>
      </form>
      {rerunnable ? (
        <form method="post" action={`${base}/rerun`} id="run-rerun" hidden={!done}>
          <button type="submit">Re-run</button>
        </form>
      ) : null}
    </div>
  );
}
