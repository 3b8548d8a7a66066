/**
 * Per-repository limits for model steps, judged by the Worker when a step starts (the controller
 * asks with the run's token before its first model call): model steps (`llm`/`agent`) running at
 * once in the repository, other than the asking one, and tokens (in + out) its model steps used
 * in the last 24 hours. Defaults 2 and 2,000,000; `PLUE_AGENT_CONCURRENCY` and
 * `PLUE_AGENT_TOKENS_PER_DAY` set them for the whole forge. A refusal is a 429 `agent_limit`
 * whose message the step shows as its failure note.
 */
import type { Db } from '../../../db/client';
import { AppError } from '../../../common/errors';
import type { Env } from '../../env';
import type { ForgeRun } from './forge-run';

export interface AgentLimits {
  concurrency: number;
  tokensPerDay: number;
}

const DAY_MS = 24 * 3600_000;

function positive(raw: string | undefined, fallback: number): number {
  const n = Number(raw);
  return raw !== undefined && raw !== '' && Number.isSafeInteger(n) && n >= 0 ? n : fallback;
}

/** The limits configured for this Worker (0 refuses every model step). */
export function agentLimitsOf(env: Env): AgentLimits {
  return {
    concurrency: positive(env.PLUE_AGENT_CONCURRENCY, 2),
    tokensPerDay: positive(env.PLUE_AGENT_TOKENS_PER_DAY, 2_000_000),
  };
}

/** Refuses (429 agent_limit) when step `stepId` of the run may not start a model call now. */
export async function checkAgentBudget(
  db: Db,
  limits: AgentLimits,
  f: ForgeRun,
  stepId: string,
  now: Date,
): Promise<{ running: number; tokens: number }> {
  const [row] = await db.query<{ running: number; tokens: string }>(
    `SELECT
       (SELECT count(*)::int FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id
         WHERE r.repo_id = $1 AND r.status = 'running' AND s.status = 'running'
           AND s.type IN ('llm', 'agent') AND NOT (s.run_id = $2 AND s.step_id = $3)) AS running,
       (SELECT coalesce(sum(coalesce((s.usage->>'input_tokens')::bigint, 0)
                          + coalesce((s.usage->>'output_tokens')::bigint, 0)), 0)::text
          FROM workflow_steps s JOIN workflow_runs r ON r.id = s.run_id
         WHERE r.repo_id = $1 AND s.usage IS NOT NULL AND s.completed_at > $4) AS tokens`,
    [f.repo.id, f.run.id, stepId, new Date(now.getTime() - DAY_MS)],
  );
  const running = row?.running ?? 0;
  const tokens = Number(row?.tokens ?? 0);
  if (running >= limits.concurrency) {
    throw new AppError(
      'rate_limited',
      `Agent limit: ${running} model step(s) already running in ${f.repo.owner_login}/${f.repo.name} (at most ${limits.concurrency} at once); re-run later`,
      { code: 'agent_limit', retryAfter: 60 },
    );
  }
  if (tokens >= limits.tokensPerDay) {
    throw new AppError(
      'rate_limited',
      `Agent limit: model steps of ${f.repo.owner_login}/${f.repo.name} used ${tokens} tokens in the last 24 hours (at most ${limits.tokensPerDay}); re-run later`,
      { code: 'agent_limit', retryAfter: 3600 },
    );
  }
  return { running, tokens };
}
