/**
 * API shapes of runs and steps (GitHub's where one exists: `status` is queued | in_progress |
 * completed, a run has `run_number`, `head_sha`, `head_branch`, `event`, `conclusion`). Steps
 * are listed as the run's jobs. Also parses the run list's query filters.
 */
import type { RepoRow } from '../../../db/queries/repositories';
import {
  CONCLUSIONS,
  type Conclusion,
  type RunFilter,
  type RunRow,
  type RunStatus,
  type StepRow,
} from '../../../db/queries/runs';
import { AppError } from '../../../common/errors';

const iso = (d: Date | null): string | null => d?.toISOString() ?? null;
const apiStatus = (s: RunStatus): string => (s === 'running' ? 'in_progress' : s);

/** What a run's summary (runSummary) reads of its row. */
export type RunSummarySource = Pick<
  RunRow,
  | 'id'
  | 'repo_id'
  | 'run_number'
  | 'workflow_name'
  | 'workflow_file'
  | 'event'
  | 'head_sha'
  | 'head_branch'
  | 'attempt'
  | 'status'
  | 'conclusion'
  | 'updated_at'
>;

/**
 * The part of a run's view that needs only its row and its repository's name `full`
 * ("owner/name"): what the repository's live feed sends (runs-feed.ts), and the start of runView.
 */
export function runSummary(run: RunSummarySource, full: string, origin: string) {
  const api = `${origin}/api/v1/repos/${full}/actions/runs/${run.id}`;
  return {
    id: Number(run.id),
    name: run.workflow_name,
    path: run.workflow_file,
    run_number: run.run_number,
    run_attempt: run.attempt,
    event: run.event,
    status: apiStatus(run.status),
    conclusion: run.conclusion,
    head_sha: run.head_sha,
    head_branch: run.head_branch,
    updated_at: iso(run.updated_at),
    url: api,
    html_url: `${origin}/${full}/actions/runs/${run.id}`,
    stream_url: `${api}/stream`,
  };
}

export function runView(run: RunRow, repo: RepoRow, origin: string) {
  const full = `${repo.owner_login}/${repo.name}`;
  const summary = runSummary(run, full, origin);
  return {
    ...summary,
    created_at: iso(run.created_at),
    run_started_at: iso(run.started_at),
    completed_at: iso(run.completed_at),
    cancel_requested_at: iso(run.cancel_requested_at),
    log_bytes: Number(run.log_bytes),
    logs_archived: run.log_archived_at !== null,
    jobs_url: `${summary.url}/jobs`,
    logs_url: `${summary.url}/logs`,
    repository: { id: Number(repo.id), full_name: full, private: repo.private },
  };
}

export function stepView(step: StepRow, runApiUrl: string) {
  return {
    id: step.step_id,
    run_id: Number(step.run_id),
    name: step.name,
    type: step.type,
    depends_on: step.depends_on,
    status: apiStatus(step.status),
    conclusion: step.conclusion,
    exit_code: step.exit_code,
    note: step.note,
    // llm/agent steps: turns, tokens in/out, wall time, cost estimate; and the validated output.
    ...(step.usage ? { usage: step.usage } : {}),
    ...(step.output !== null && step.output !== undefined ? { output: step.output } : {}),
    started_at: iso(step.started_at),
    completed_at: iso(step.completed_at),
    log_bytes: Number(step.log_bytes),
    logs_url: `${runApiUrl}/steps/${step.step_id}/log`,
  };
}

/** The model steps' accounting summed over a run; undefined when it has none. */
export function runUsageOf(steps: StepRow[]): Record<string, number | null> | undefined {
  const used = steps.filter((s) => s.usage);
  if (used.length === 0) return undefined;
  const sum = (k: string) => used.reduce((n, s) => n + Number(s.usage?.[k] ?? 0), 0);
  const costs = used
    .map((s) => s.usage?.cost_usd)
    .filter((c): c is number => typeof c === 'number');
  return {
    model_steps: used.length,
    turns: sum('turns'),
    input_tokens: sum('input_tokens'),
    output_tokens: sum('output_tokens'),
    wall_ms: sum('wall_ms'),
    cost_usd: costs.length > 0 ? Math.round(costs.reduce((a, b) => a + b, 0) * 1e6) / 1e6 : null,
  };
}

/** `?status=&branch=&event=&head_sha=&workflow=` of the run list. */
export function runFilterOf(q: (name: string) => string | undefined): RunFilter {
  const f: RunFilter = {};
  const status = q('status');
  if (status) {
    const s = status === 'in_progress' ? 'running' : status;
    const ok =
      s === 'queued' ||
      s === 'running' ||
      s === 'completed' ||
      (CONCLUSIONS as readonly string[]).includes(s);
    if (!ok) {
      throw AppError.invalid(
        'status must be queued, in_progress, completed or a conclusion',
        'status_invalid',
      );
    }
    f.status = s as RunStatus | Conclusion;
  }
  const branch = q('branch');
  if (branch) f.branch = branch;
  const event = q('event');
  if (event) f.event = event;
  const sha = q('head_sha');
  if (sha) f.headSha = sha.toLowerCase();
  const workflow = q('workflow');
  if (workflow) f.workflow = workflow;
  return f;
}
