/**
 * Internal run API for producers (the runner controller) and tests:
 * - POST /internal/runs {repo_id | owner+repo, workflow, head_sha, head_branch, event, plan}
 *   creates a queued run → 201 {run, token} (the operator credential only: tests and operators);
 * - POST /internal/runs/:id/events {chunks:[…]} appends to the run's log and mirrors lifecycle
 *   events into the database → {accepted, duplicates, pending, next_seq, last_id, …};
 *   `Authorization: Bearer <run token>` (checked by the run's RunStream; the database only when
 *   the DO cannot vouch for it) or the operator credential; never the controller's own; an
 *   append that ends the run (or, an operator's, starts it) is also told to the repository's live
 *   feed;
 * - GET /internal/runs/:id/stream: the stream's state (last id, viewers, slow viewers dropped
 *   since the instance started), operator credential; tests and operators;
 * - POST /internal/runs/:id/restart resets the run's Durable Object, as an eviction would
 *   (operator credential; tests).
 * The auth middleware leaves Authorization on /internal/runs/* to these handlers.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { presentedToken } from '../../middleware/auth';
import { componentOnly } from '../../middleware/components';
import {
  createRun,
  createRunInputOf,
  ingestFromProducer,
  publishRunToken,
  runIdOf,
  runStream,
} from '../../services/runs/runs';
import { plausibleRepoName } from '../../services/repos/authz';
import { internalRepoById, internalRepoByName } from '../../services/repos/repo-lookup';
import { publicOrigin } from '../../services/platform/public-url';
import { runView } from '../../services/runs/runs-view';
import { ringClaims } from '../../services/runs/claim-bell';
import { feedRunView, publishRuns } from '../../services/runs/runs-feed';
import { publishRunsById } from '../../services/runs/workflow-leases';
import { createRunRequest } from '../../../common/schemas/internal-runs';
import { jsonInput } from '../input';

/** Whether an append's body ends the run (`run_completed`), or with `starts` starts it too. */
function changesRun(body: unknown, starts: boolean): boolean {
  const chunks = (body as { chunks?: unknown } | null)?.chunks;
  return (
    Array.isArray(chunks) &&
    chunks.some((c) => {
      const e = (c as { event?: unknown } | null)?.event;
      return e === 'run_completed' || (starts && e === 'run_started');
    })
  );
}

export const internalRunRoutes = new Hono<AppEnv>()
  .post('/', componentOnly('operator'), async (c) => {
    const body = await jsonInput(c, createRunRequest);
    const repo =
      body.repo_id !== undefined
        ? await internalRepoById(c.var.db, body.repo_id)
        : body.owner !== undefined &&
            body.repo !== undefined &&
            plausibleRepoName(body.owner, body.repo)
          ? await internalRepoByName(c.var.db, body.owner, body.repo)
          : undefined;
    if (!repo) throw AppError.notFound('Repository not found', 'repo_not_found');
    const { run, token } = await createRun(c.var.db, createRunInputOf(body, repo.id));
    await publishRunToken(c.env, run.id, run.token_hash, run.lease_epoch);
    void ringClaims(c.env, c.executionCtx);
    const full = `${repo.owner_login}/${repo.name}`;
    void publishRuns(c.env, [feedRunView(run, full, publicOrigin(c.env))], c.executionCtx);
    return c.json({ run: runView(run, repo, publicOrigin(c.env)), token }, 201);
  })
  .post('/:id/events', async (c) => {
    const internal = c.var.auth.component === 'operator';
    const token = presentedToken(c.req.header('Authorization'));
    let body: unknown;
    const readBody = async (): Promise<unknown> => {
      try {
        body = await c.req.json();
        return body;
      } catch {
        throw AppError.invalid('The body must be JSON: {"chunks": [...]}', 'body_invalid');
      }
    };
    const r = await ingestFromProducer(
      c.var.db,
      c.env,
      c.req.param('id'),
      { internal, token },
      readBody,
      new Date(),
    );
    // A run ended through its log (or started, by an operator's producer): the repository's live
    // feed hears of it. A controller's runs are published by their claim and completion, and a
    // controller never appends run_completed: this stays off the path of a run's first log line.
    if (r.accepted > 0 && changesRun(body, internal)) {
      await publishRunsById(c.var.db, c.env, [runIdOf(c.req.param('id'))], publicOrigin(c.env));
    }
    return c.json({
      accepted: r.accepted,
      duplicates: r.duplicates,
      pending: r.pending,
      next_seq: r.nextSeq,
      last_id: r.lastId,
      completed: r.completed,
      archived: r.archived,
    });
  })
  .get('/:id/stream', componentOnly('operator'), async (c) => {
    const id = runIdOf(c.req.param('id'));
    const s = await runStream(c.env, id).snapshot(id);
    return c.json({
      last_id: s.lastId,
      completed: s.completed,
      archived: s.archived,
      sse_viewers: s.sseViewers,
      ws_viewers: s.wsViewers,
      dropped: s.dropped,
    });
  })
  .post('/:id/restart', componentOnly('operator'), async (c) => {
    const id = runIdOf(c.req.param('id'));
    try {
      await runStream(c.env, id).restart();
    } catch {
      // abort() rejects the call that made it: that is the restart.
    }
    return c.body(null, 204);
  });
