/**
 * The repository's runs list (`/{owner}/{repo}/actions`): filters in the query string, pages, a
 * requested run's progress (`?requested=<event id>`, where "Run workflow" leads), and with
 * JavaScript a live list (runs-list-script.ts).
 */
import type { StatusState } from '../../db/queries/commit-statuses';
import type { RepoRow } from '../../db/queries/repositories';
import type { RunFilter, RunRow } from '../../db/queries/runs';
import { CombinedState } from './commit-statuses';
import { Layout } from './layout';
import type { RunRequest } from '../services/runs/run-request';
import { RUNS_LIST_SCRIPT } from './runs-list-script';
import { raw } from 'hono/html';
import { duration, RelativeTime, RunsNav, stateOf, StateWord } from './runs-common';

export interface RunsListProps {
  user?: { login: string } | undefined;
  repo: RepoRow;
  runs: RunRow[];
  /** Combined commit status of each run's head commit (absent: no statuses). */
  commitStates: Map<string, StatusState>;
  total: number;
  page: number;
  perPage: number;
  filter: RunFilter;
  /** The run request this page was opened for (after "Run workflow"). */
  requested?: RunRequest | undefined;
}

function RequestNotice({ full, r }: { full: string; r: RunRequest }) {
  if (r.state === 'failed') {
    return (
      <p class="notice state-failure" id="run-request" data-state={r.state}>
        ✗ The requested run of <strong>{r.workflow}</strong> on <span class="mono">{r.ref}</span>{' '}
        did not start: {r.error}
      </p>
    );
  }
  if (r.state === 'started') {
    return (
      <p class="notice" id="run-request" data-state={r.state}>
        ✓ Requested run of <strong>{r.workflow}</strong> on <span class="mono">{r.ref}</span>{' '}
        started:{' '}
        {r.runs.map((run) => (
          <a href={`/${full}/actions/runs/${run.id}`}>
            {run.workflow_name} #{run.run_number}
          </a>
        ))}
      </p>
    );
  }
  return (
    <p class="notice" id="run-request" data-state={r.state}>
      ✓ Requested a run of <strong>{r.workflow}</strong> on <span class="mono">{r.ref}</span>. A
      runner is picking it up; it appears below in a moment.
    </p>
  );
}

/** Whether the list may still change without anyone pushing (for the refresh's pace). */
function busy(p: RunsListProps): boolean {
  return p.requested?.state === 'waiting' || p.runs.some((r) => r.status !== 'completed');
}

export function RunsListPage(p: RunsListProps) {
  const full = `${p.repo.owner_login}/${p.repo.name}`;
  const last = Math.max(1, Math.ceil(p.total / p.perPage));
  const link = (page: number) => {
    const q = new URLSearchParams();
    if (p.filter.status)
      q.set('status', p.filter.status === 'running' ? 'in_progress' : p.filter.status);
    if (p.filter.branch) q.set('branch', p.filter.branch);
    if (p.filter.workflow) q.set('workflow', p.filter.workflow);
    if (p.filter.headSha) q.set('head_sha', p.filter.headSha);
    q.set('page', String(page));
    return `/${full}/actions?${q.toString()}`;
  };
  return (
    <Layout title={`Runs · ${full}`} user={p.user}>
      <RunsNav repo={p.repo} />
      <h1>Runs</h1>
      <form method="get" action={`/${full}/actions`} class="filters">
        <label>
          Workflow <input name="workflow" value={p.filter.workflow ?? ''} size={14} />
        </label>{' '}
        <label>
          Branch <input name="branch" value={p.filter.branch ?? ''} size={14} />
        </label>{' '}
        <label>
          Status{' '}
          <select name="status">
            {['', 'queued', 'in_progress', 'completed', 'success', 'failure', 'cancelled'].map(
              (s) => (
                <option
                  value={s}
                  selected={
                    (p.filter.status === 'running' ? 'in_progress' : (p.filter.status ?? '')) === s
                  }
                >
                  {s || 'any'}
                </option>
              ),
            )}
          </select>
        </label>{' '}
        {p.filter.headSha ? <input type="hidden" name="head_sha" value={p.filter.headSha} /> : null}
        <button type="submit">Filter</button>
      </form>
      <div
        id="runs-live"
        data-busy={busy(p) ? '1' : '0'}
        data-feed={`/api/v1/repos/${full}/actions/live`}
      >
        {p.requested ? <RequestNotice full={full} r={p.requested} /> : null}
        {p.runs.length === 0 && p.requested?.state === 'waiting' ? null : p.runs.length === 0 ? (
          <p>
            No runs yet. Add a workflow under <code>.plue/workflows/</code> and push to start one.
          </p>
        ) : (
          <table>
            <thead>
              <tr>
                <th>State</th>
                <th>Run</th>
                <th>Event</th>
                <th>Branch</th>
                <th>Commit</th>
                <th>Checks</th>
                <th>Queued</th>
                <th>Took</th>
              </tr>
            </thead>
            <tbody>
              {p.runs.map((r) => {
                const st = stateOf(r);
                return (
                  <tr data-run={r.id}>
                    <td class={`state-${st}`}>
                      <StateWord state={st} />
                    </td>
                    <td>
                      <a href={`/${full}/actions/runs/${r.id}`}>
                        {r.workflow_name} #{r.run_number}
                      </a>
                    </td>
                    <td class="mono">{r.event}</td>
                    <td class="mono">{r.head_branch ?? ''}</td>
                    <td class="mono" title={r.head_sha}>
                      {r.head_sha.slice(0, 12)}
                    </td>
                    <td data-commit-state={p.commitStates.get(r.head_sha) ?? ''}>
                      <CombinedState state={p.commitStates.get(r.head_sha)} />
                    </td>
                    <td>
                      <RelativeTime at={r.created_at} />
                    </td>
                    <td>{r.started_at ? duration(r.started_at, r.completed_at) : ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        <p>
          {p.page > 1 ? <a href={link(p.page - 1)}>← newer</a> : null}{' '}
          <span class="muted">
            page {p.page} of {last} · {p.total} run{p.total === 1 ? '' : 's'}
          </span>{' '}
          {p.page < last ? <a href={link(p.page + 1)}>older →</a> : null}
        </p>
      </div>
      <script>{raw(RUNS_LIST_SCRIPT)}</script>
    </Layout>
  );
}
