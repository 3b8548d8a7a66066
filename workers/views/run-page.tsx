/**
 * The run page: the run's state, its steps (status, duration, plain-text log link) and, with
 * JavaScript, their live logs (run-log-script.ts). Without JavaScript the step logs are links.
 */
import { raw } from 'hono/html';
import type { RepoRow } from '../../db/queries/repositories';
import type { RunRow, StepRow } from '../../db/queries/runs';
import { Layout } from './layout';
import { RunActions } from './run-actions';
import { RUN_LOG_SCRIPT } from './run-log-script';
import { duration, RelativeTime, RunsNav, stateOf, StateWord } from './runs-common';

export interface RunPageProps {
  user?: { login: string } | undefined;
  /** Whether the viewer may cancel and re-run this run. */
  canWrite: boolean;
  repo: RepoRow;
  run: RunRow;
  steps: StepRow[];
}

export function RunPage({ user, canWrite, repo, run, steps }: RunPageProps) {
  const full = `${repo.owner_login}/${repo.name}`;
  const api = `/api/v1/repos/${full}/actions/runs/${run.id}`;
  const state = stateOf(run);
  return (
    <Layout title={`${run.workflow_name} #${run.run_number} · ${full}`} user={user}>
      <RunsNav repo={repo} />
      <h1>
        {run.workflow_name} <span class="muted">#{run.run_number}</span>
      </h1>
      <p>
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
        <span class="mono" title={run.head_sha}>
          {run.head_sha.slice(0, 12)}
        </span>{' '}
        · queued <RelativeTime at={run.created_at} />
        {run.started_at ? <> · took {duration(run.started_at, run.completed_at)}</> : null} ·{' '}
        <a href={`${api}/logs`}>raw log</a>
      </p>
      <RunActions canWrite={canWrite} repo={repo} run={run} />
      <div id="run" data-stream={`${api}/stream`}>
        <div class="steps">
          {steps.map((s) => {
            const st = stateOf(s);
            return (
              <details class="step" data-step={s.step_id} data-state={st} open={st !== 'success'}>
                <summary>
                  <span class={`st state-${st}`}>
                    <StateWord state={st} />
                  </span>{' '}
                  <span class="name">{s.name}</span>{' '}
                  <span class="dur muted">
                    {s.started_at ? duration(s.started_at, s.completed_at) : ''}
                  </span>{' '}
                  <a class="muted" href={`${api}/steps/${s.step_id}/log`}>
                    text
                  </a>
                </summary>
                <div class="log" role="log" aria-label={`Output of ${s.name}`}></div>
              </details>
            );
          })}
        </div>
        <noscript>
          <p>Live logs need JavaScript; the links above give each step's plain-text log.</p>
        </noscript>
      </div>
      <script>{raw(RUN_LOG_SCRIPT)}</script>
    </Layout>
  );
}
