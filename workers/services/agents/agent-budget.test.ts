/**
 * Per-repository limits for model steps on real SQL: model steps running at once in the
 * repository (the asking step itself not counted; other repositories and shell steps neither),
 * and tokens used by its model steps in the last 24 hours. A refusal is a 429 `agent_limit`
 * whose message says which limit and what to do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, openTestDatabase, type TestDatabase } from '../../../test/helpers/databases';
import type { Db } from '../../../db/client';
import { findRepoById, insertRepo, type RepoRow } from '../../../db/queries/repositories';
import { insertRun, type RunRow } from '../../../db/queries/runs';
import { createUserWithWallet } from '../../../db/queries/users';
import { AppError } from '../../../common/errors';
import { agentLimitsOf, checkAgentBudget } from './agent-budget';
import type { ForgeRun } from './forge-run';

describe('agentLimitsOf', () => {
  it('reads the Worker variables, with defaults for absent or invalid ones', () => {
    expect(agentLimitsOf({} as never)).toEqual({ concurrency: 2, tokensPerDay: 2_000_000 });
    expect(
      agentLimitsOf({ PLUE_AGENT_CONCURRENCY: '0', PLUE_AGENT_TOKENS_PER_DAY: '500' } as never),
    ).toEqual({ concurrency: 0, tokensPerDay: 500 });
    expect(
      agentLimitsOf({ PLUE_AGENT_CONCURRENCY: '-1', PLUE_AGENT_TOKENS_PER_DAY: 'lots' } as never),
    ).toEqual({ concurrency: 2, tokensPerDay: 2_000_000 });
  });
});

describe.each(BACKENDS)('agent budget on %s', (kind) => {
  let tdb: TestDatabase;
  let db: Db;
  let repo: RepoRow;
  let other: RepoRow;
  const now = new Date();

  async function run(r: RepoRow, steps: Array<[string, string]>): Promise<RunRow> {
    return insertRun(db, {
      repoId: r.id,
      workflowName: 'w',
      workflowFile: '.plue/workflows/w.py',
      event: 'issue_comment',
      headSha: 'a'.repeat(40),
      headBranch: 'main',
      plan: {},
      tokenHash: 'e'.repeat(64),
      steps: steps.map(([stepId, type]) => ({ stepId, name: stepId, type, dependsOn: [] })),
    });
  }
  async function setRunning(r: RunRow, stepIds: string[]): Promise<void> {
    await db.query(`UPDATE workflow_runs SET status = 'running' WHERE id = $1`, [r.id]);
    await db.query(
      `UPDATE workflow_steps SET status = 'running', started_at = now()
        WHERE run_id = $1 AND step_id = ANY($2::text[])`,
      [r.id, stepIds],
    );
  }
  const forgeRun = (r: RunRow, on: RepoRow): ForgeRun => ({ run: r, repo: on, event: undefined });
  const refusal = async (p: Promise<unknown>): Promise<string> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('agent_limit');
    return (err as AppError).message;
  };

  beforeAll(async () => {
    tdb = await openTestDatabase(kind);
    db = tdb.open();
    const u = await createUserWithWallet(db, 'budget', '0x' + '7'.repeat(40));
    const make = async (name: string) => {
      const r = await insertRepo(db, {
        ownerId: u.id,
        name,
        description: '',
        private: false,
        defaultBranch: 'main',
      });
      if (!r) throw new Error('repo not created');
      const row = await findRepoById(db, r.id);
      if (!row) throw new Error('repo not found');
      return row;
    };
    repo = await make('budget');
    other = await make('budget-other');
  }, 60_000);
  afterAll(async () => {
    await tdb?.close();
  });

  it('counts model steps running in the repository, not the asking one', async () => {
    const limits = { concurrency: 2, tokensPerDay: 1000 };
    const a = await run(repo, [
      ['think', 'agent'],
      ['build', 'run'],
    ]);
    await setRunning(a, ['think', 'build']);
    const elsewhere = await run(other, [['x', 'agent']]);
    await setRunning(elsewhere, ['x']);
    const b = await run(repo, [['answer', 'agent']]);
    await setRunning(b, ['answer']);
    // Running: a/think and b/answer (the asker); shell steps and other repositories not counted.
    expect(await checkAgentBudget(db, limits, forgeRun(b, repo), 'answer', now)).toEqual({
      running: 1,
      tokens: 0,
    });
    const c = await run(repo, [['llm', 'llm']]);
    await setRunning(c, ['llm']);
    const msg = await refusal(checkAgentBudget(db, limits, forgeRun(c, repo), 'llm', now));
    expect(msg).toContain('2 model step(s) already running');
    expect(msg).toContain('at most 2 at once');
    await db.query(
      `UPDATE workflow_runs SET status = 'completed', conclusion = 'success', completed_at = now()`,
    );
  });

  it('refuses once the day’s tokens are used, counting only the last 24 hours', async () => {
    const limits = { concurrency: 5, tokensPerDay: 1000 };
    const done = await run(repo, [
      ['old', 'agent'],
      ['new', 'agent'],
    ]);
    const usage = (i: number, o: number) => JSON.stringify({ input_tokens: i, output_tokens: o });
    await db.query(
      `UPDATE workflow_steps SET usage = $2::jsonb, status = 'completed', conclusion = 'success',
         completed_at = $3 WHERE run_id = $1 AND step_id = 'old'`,
      [done.id, usage(5000, 5000), new Date(now.getTime() - 25 * 3600_000)],
    );
    await db.query(
      `UPDATE workflow_steps SET usage = $2::jsonb, status = 'completed', conclusion = 'success',
         completed_at = $3 WHERE run_id = $1 AND step_id = 'new'`,
      [done.id, usage(600, 300), new Date(now.getTime() - 3600_000)],
    );
    const asking = await run(repo, [['ask', 'agent']]);
    expect(await checkAgentBudget(db, limits, forgeRun(asking, repo), 'ask', now)).toEqual({
      running: 0,
      tokens: 900,
    });
    const tighter = { concurrency: 5, tokensPerDay: 900 };
    const msg = await refusal(checkAgentBudget(db, tighter, forgeRun(asking, repo), 'ask', now));
    expect(msg).toContain('used 900 tokens in the last 24 hours (at most 900)');
  });
});
