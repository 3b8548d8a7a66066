/**
 * The run page's header line: state, event, branch, the commit (a link, with its subject), when
 * it was queued, how long it took (data-started/data-completed let run-log-script.ts tick it while
 * the run goes and stop it when the run ends), and the log downloads.
 */
import type { RepoRow } from '../../db/queries/repositories';
import type { RunRow } from '../../db/queries/runs';
import { duration, RelativeTime, stateOf, StateWord } from './runs-common';

export function RunHeader({
  repo,
  run,
  commitSubject,
  now,
}: {
  repo: RepoRow;
  run: RunRow;
  /** The first line of the head commit's message, when the commit could be read. */
  commitSubject: string | undefined;
  now: Date;
}) {
  const full = `${repo.owner_login}/${repo.name}`;
  const api = `/api/v1/repos/${full}/actions/runs/${run.id}`;
  const state = stateOf(run);
  return (
    <p id="run-head">
      <strong id="run-status" class={`state-${state}`}>
        <StateWord state={state} />
      </strong>{' '}
      · <span class="mono">{run.event}</span>
      {run.head_branch ? (
        <>
          {' '}
          on <span class="mono">{run.head_branch}</span>
        </>
      ) : null}{' '}
      at{' '}
      <a class="mono" id="run-commit" href={`/${full}/commit/${run.head_sha}`} title={run.head_sha}>
        {run.head_sha.slice(0, 12)}
      </a>
      {commitSubject ? <span id="run-commit-subject"> “{commitSubject}”</span> : null} · queued{' '}
      <RelativeTime at={run.created_at} now={now} /> ·{' '}
      <span
        id="run-took"
        data-started={run.started_at?.getTime()}
        data-completed={run.completed_at?.getTime()}
      >
        {run.started_at ? `took ${duration(run.started_at, run.completed_at, now)}` : 'not started'}
      </span>{' '}
      · <a href={`${api}/logs/text`}>download log</a> ·{' '}
      <a class="muted" href={`${api}/logs`}>
        NDJSON
      </a>
    </p>
  );
}
