/**
 * Workflow runs: creation with a run-scoped token, authorising producers and viewers, and
 * ingesting producer events into the run's RunStream (the log) and PostgreSQL (run and step
 * states). The workflows capability calls `createRun`; the runner controller posts events with
 * the token to /internal/runs/{id}/events. The projection into the rows is run-projection.ts (one
 * statement per batch); plan → step rows is plan-steps.ts.
 *
 * Run tokens are `plue_run_` + 43 base62 characters (≥ 256 random bits); only their SHA-256 is
 * stored. A token is valid for its own run until an hour after the run completed.
 */
import type { z } from 'zod';
import type { createRunRequest } from '../../../common/schemas/internal-runs';
import type { Db } from '../../../db/client';
import type { RepoRow } from '../../../db/queries/repositories';
import { findRunById, findRunOfRepo, insertRun, type RunRow } from '../../../db/queries/runs';
import {
  ChunkError,
  TOKEN_GRACE_MS,
  parseChunks,
  type AppendResult,
  type Chunk,
} from '../../../durable-objects/formats';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';
import { loadRepoForAction, type Actor } from '../repos/authz';
import { constantTimeEqual, randomBase62, sha256Hex } from '../identity/secrets';
import { stepsOfPlan } from './plan-steps';
import { projectBatch } from './run-projection';

export { stepsOfPlan } from './plan-steps';

export const RUN_TOKEN_PREFIX = 'plue_run_';

export interface CreateRunInput {
  repoId: string;
  workflowName: string;
  workflowFile?: string;
  event: string;
  headSha: string;
  headBranch?: string | null;
  /** The evaluated plan; `plan.steps` ({id, name, type, depends_on}) become the step rows. */
  plan?: unknown;
}

/** Creates a queued run; the returned token is the only time it is seen. */
export async function createRun(
  db: Db,
  input: CreateRunInput,
): Promise<{ run: RunRow; token: string }> {
  const name = input.workflowName.trim();
  if (name === '' || name.length > 200) {
    throw AppError.invalid('workflow must be 1–200 characters', 'workflow_invalid');
  }
  if (!/^[a-z_]{1,40}$/.test(input.event)) {
    throw AppError.invalid('event must be a lower-case name like "push"', 'event_invalid');
  }
  const sha = input.headSha.toLowerCase();
  if (!/^[0-9a-f]{40}([0-9a-f]{24})?$/.test(sha)) {
    throw AppError.invalid('head_sha must be a full commit id', 'head_sha_invalid');
  }
  const token = RUN_TOKEN_PREFIX + randomBase62(256);
  const run = await insertRun(db, {
    repoId: input.repoId,
    workflowName: name,
    workflowFile: input.workflowFile ?? '',
    event: input.event,
    headSha: sha,
    headBranch: input.headBranch ?? null,
    plan: input.plan ?? null,
    tokenHash: sha256Hex(token),
    steps: stepsOfPlan(input.plan),
  });
  return { run, token };
}

/** The RunStream instance of a run. */
export function runStream(env: Env, runId: string) {
  return env.RUN_STREAM.get(env.RUN_STREAM.idFromName(`run:${runId}`));
}

const runNotFound = (): AppError => AppError.notFound('Run not found', 'run_not_found');

/** A run id from a URL: a positive integer, else not found. */
export function runIdOf(raw: string): string {
  if (!/^[1-9]\d{0,17}$/.test(raw)) throw runNotFound();
  return raw;
}

/** Loads `owner/repo`, authorises `read`, and finds the run in it. */
export async function loadRunForViewer(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  runId: string,
): Promise<{ repo: RepoRow; run: RunRow }> {
  const repo = await loadRepoForAction(db, actor, owner, name, 'read');
  const run = await findRunOfRepo(db, repo.id, runIdOf(runId));
  if (!run) throw runNotFound();
  return { repo, run };
}

/** The run a producer may write to: with the operator credential, or the run's own token. */
export async function authorizeProducer(
  db: Db,
  runId: string,
  credentials: { internal: boolean; token: string | undefined },
  now: Date,
): Promise<RunRow> {
  if (!credentials.internal && credentials.token === undefined) {
    throw AppError.unauthenticated('Pass the run token as a Bearer token', 'run_token_required');
  }
  const run = await findRunById(db, runIdOf(runId));
  if (credentials.internal) {
    if (!run) throw runNotFound();
    return run;
  }
  const valid =
    run !== undefined &&
    credentials.token !== undefined &&
    constantTimeEqual(sha256Hex(credentials.token), run.token_hash) &&
    (run.completed_at === null || now.getTime() - run.completed_at.getTime() < TOKEN_GRACE_MS);
  if (!valid || !run) {
    throw AppError.unauthenticated('The run token is not valid for this run', 'run_token_invalid');
  }
  return run;
}

function chunksOf(body: unknown): Chunk[] {
  try {
    return parseChunks(body);
  } catch (err) {
    if (err instanceof ChunkError) throw AppError.invalid(err.message, 'chunks_invalid');
    throw err;
  }
}

/**
 * After the fan-out: mirrors lifecycle events and (throttled) byte counts into the database,
 * and refuses chunks that came after the run completed.
 */
async function finishAppend(
  db: Db,
  runId: string,
  chunks: Chunk[],
  result: AppendResult,
  now: Date,
): Promise<AppendResult> {
  // The log is the source of truth; replays re-apply these harmlessly.
  await projectBatch(db, runId, chunks, result, now);
  if (result.rejected > 0) {
    throw AppError.conflict(
      `Run ${runId} has completed; ${result.rejected} new chunk(s) were refused`,
      'run_completed',
    );
  }
  return result;
}

/** Appends a batch from a trusted caller (the Worker itself: log ends, evaluation errors). */
export async function ingestEvents(
  db: Db,
  env: Env,
  run: Pick<RunRow, 'id'>,
  body: unknown,
  now: Date,
): Promise<AppendResult> {
  const chunks = chunksOf(body);
  const result = await runStream(env, run.id).append(run.id, chunks, { kind: 'trusted' });
  if (!result.verified) throw new Error('run stream refused a trusted append');
  return finishAppend(db, run.id, chunks, result, now);
}

/**
 * A producer's append (`POST /internal/runs/:id/events`). With a run token the hot path is
 * Worker → RunStream (which holds the token's hash and checks it) → fan-out → projection; the
 * database is asked only when the DO cannot vouch for the token (then the DO adopts the
 * database's current hash). No statement precedes the append; a batch with a lifecycle event
 * (which always needs one after it) opens the connection while the DO appends. Bad input is answered only after the producer is authorised.
 */
export async function ingestFromProducer(
  db: Db,
  env: Env,
  runIdParam: string,
  credentials: { internal: boolean; token: string | undefined },
  readBody: () => Promise<unknown>,
  now: Date,
): Promise<AppendResult> {
  if (!credentials.internal && credentials.token === undefined) {
    throw AppError.unauthenticated('Pass the run token as a Bearer token', 'run_token_required');
  }
  const runId = runIdOf(runIdParam);
  let chunks: Chunk[];
  try {
    chunks = chunksOf(await readBody());
  } catch (err) {
    await authorizeProducer(db, runId, credentials, now);
    throw err;
  }
  const stream = runStream(env, runId);
  const token = credentials.internal ? undefined : credentials.token;
  if (token === undefined) {
    await authorizeProducer(db, runId, credentials, now);
    const result = await stream.append(runId, chunks, { kind: 'trusted' });
    if (!result.verified) throw new Error('run stream refused a trusted append');
    return finishAppend(db, runId, chunks, result, now);
  }
  const tokenHash = sha256Hex(token);
  // A lifecycle event is certain to need a statement after the fan-out: connect meanwhile.
  if (chunks.some((c) => c.seq === undefined)) db.warm?.();
  let result = await stream.append(runId, chunks, { kind: 'token', tokenHash });
  if (!result.verified) {
    const run = await authorizeProducer(db, runId, credentials, now);
    const adopt = { hash: run.token_hash, epoch: Number(run.lease_epoch) };
    result = await stream.append(runId, chunks, { kind: 'token', tokenHash, adopt });
    if (!result.verified) throw new Error('run stream refused a verified token');
  }
  return finishAppend(db, runId, chunks, result, now);
}

/** Tells the run's RunStream its current token (call wherever the token is made or rotated). */
export async function publishRunToken(
  env: Env,
  runId: string,
  tokenHash: string,
  epoch: string | number,
): Promise<void> {
  await runStream(env, runId).setToken(runId, tokenHash, Number(epoch));
}

/** The test/admin `POST /internal/runs` body as a create input (repo resolved by caller). */
export function createRunInputOf(
  body: z.output<typeof createRunRequest>,
  repoId: string,
): CreateRunInput {
  return {
    repoId,
    workflowName: body.workflow || body.workflow_name || '',
    workflowFile: body.workflow_file || body.path || '',
    event: body.event || 'push',
    headSha: body.head_sha ?? '',
    headBranch: body.head_branch || null,
    plan: body.plan,
  };
}
