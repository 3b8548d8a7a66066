/**
 * The run page: the run's header (run-header.tsx), its buttons, its steps (status, duration, exit
 * code of a failed step, plain-text log link) and, with JavaScript, their live logs and live
 * state (run-log-script.ts). Without JavaScript the step logs are links.
 */
import { raw } from 'hono/html';
import type { RepoRow } from '../../db/queries/repositories';
import type { RunRow, StepRow } from '../../db/queries/runs';
import { Layout } from './layout';
import { RunActions } from './run-actions';
import { RunHeader } from './run-header';
import { RUN_LOG_SCRIPT } from './run-log-script';
import { duration, RunsNav, stateOf, StateWord } from './runs-common';

export interface RunPageProps {
  user?: { login: string } | undefined;
  /** Whether the viewer may cancel and re-run this run. */
  canWrite: boolean;
  repo: RepoRow;
  run: RunRow;
  steps: StepRow[];
  /** The first line of the head commit's message, when it could be read. */
  commitSubject?: string | undefined;
  now?: Date;
}

/** Why a finished step ended as it did: a failed step's exit code, and its producer's note. */
export function stepWhy(s: Pick<StepRow, 'exit_code' | 'conclusion' | 'note'>): string {
  const why: string[] = [];
  if (s.exit_code !== null && s.conclusion !== 'success') why.push(`exit ${s.exit_code}`);
  if (s.note) why.push(s.note);
  return why.join(' · ');
}

/** A model step's accounting in one line: turns, tokens in and out, the cost estimate. */
export function usageLine(u: Record<string, unknown> | null): string {
  if (!u) return '';
  const turns = Number(u.turns ?? 0);
  const parts = [
    `${turns} turn${turns === 1 ? '' : 's'}`,
    `${Number(u.input_tokens ?? 0)} in / ${Number(u.output_tokens ?? 0)} out tokens`,
  ];
  if (typeof u.cost_usd === 'number') parts.push(`≈ $${u.cost_usd.toFixed(4)}`);
  return parts.join(' · ');
}

/** The model steps' accounting summed over the run (empty when it has none). */
function runUsage(steps: StepRow[]): string {
  const used = steps.filter((s) => s.usage);
  if (used.length === 0) return '';
  const sum = (k: string) => used.reduce((n, s) => n + Number(s.usage?.[k] ?? 0), 0);
  const costs = used
    .map((s) => s.usage?.cost_usd)
    .filter((c): c is number => typeof c === 'number');
  return usageLine({
    turns: sum('turns'),
    input_tokens: sum('input_tokens'),
    output_tokens: sum('output_tokens'),
    cost_usd: costs.length > 0 ? costs.reduce((a, b) => a + b, 0) : null,
  });
}

export function RunPage({ user, canWrite, repo, run, steps, commitSubject, now }: RunPageProps) {
  const at = now ?? new Date();
  const full = `${repo.owner_login}/${repo.name}`;
  const api = `/api/v1/repos/${full}/actions/runs/${run.id}`;
  return (
    <Layout title={`${run.workflow_name} #${run.run_number} · ${full}`} user={user}>
      <RunsNav repo={repo} />
      <h1>
        {run.workflow_name} <span class="muted">#{run.run_number}</span>
      </h1>
      <RunHeader repo={repo} run={run} commitSubject={commitSubject} now={at} />
      <RunActions canWrite={canWrite} repo={repo} run={run} />
      <div
        id="run"
        data-stream={`${api}/stream`}
        data-now={at.getTime()}
        data-done={run.status === 'completed' ? '1' : undefined}
      >
        <div class="steps">
          {steps.map((s) => {
            const st = stateOf(s);
            return (
              <details
                class="step"
                data-step={s.step_id}
                data-type={s.type}
                data-state={st}
                open={st !== 'success'}
              >
                <summary>
                  <span class={`st state-${st}`}>
                    <StateWord state={st} />
                  </span>{' '}
                  <span class="name">{s.name}</span> <span class="why">{stepWhy(s)}</span>{' '}
                  {s.type === 'llm' || s.type === 'agent' ? (
                    <span class="usage muted">{usageLine(s.usage)}</span>
                  ) : null}{' '}
                  <span
                    class="dur muted"
                    data-started={s.started_at?.getTime()}
                    data-completed={s.completed_at?.getTime()}
                  >
                    {s.started_at ? duration(s.started_at, s.completed_at, at) : ''}
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
        {runUsage(steps) ? <p class="muted run-usage">Model use: {runUsage(steps)}</p> : null}
        <noscript>
          <p>Live logs need JavaScript; the links above give each step's plain-text log.</p>
        </noscript>
      </div>
      <script>{raw(RUN_LOG_SCRIPT)}</script>
    </Layout>
  );
}
