/**
 * Workflow runs over the API (GitHub's shapes): the run list, a run, its steps (as jobs), its
 * archived log (byte ranges), a step's plain-text log, the whole run as plain text, polling, and the live streams (SSE and
 * WebSocket), and the repository's live feed of runs. Every handler authorises a read of the
 * repository first.
 *
 * GET /repos/:owner/:repo/actions/live (text/event-stream): one `event: run` frame each time a
 * run of the repository is queued, starts (in_progress), is requeued or completes, its `data` a
 * compact subset of the runs list's view (services/runs/runs-feed.ts feedRunView: id, name, path,
 * run_number, run_attempt, event, status, conclusion, head_sha, head_branch, updated_at, url,
 * html_url, stream_url, repository {id, full_name}); keep-alive comments in between. Authorised
 * like the runs list; the stream ends after RUNS_FEED_LIFETIME_MS (10 min) and the client
 * reconnects, authorised afresh. Nothing is replayed: list the runs after subscribing to catch up.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { loadRepoForAction } from '../../services/repos/authz';
import { publicOrigin } from '../../services/platform/public-url';
import { viewerIdentity } from '../../services/runs/run-viewer-access';
import { loadRunForViewer } from '../../services/runs/runs';
import {
  openViewer,
  pollRecords,
  runLogResponse,
  runTextResponse,
  stepLogResponse,
} from '../../services/runs/runs-logs';
import { runFilterOf, runUsageOf, runView, stepView } from '../../services/runs/runs-view';
import { runsOfRepo, stepsOfRun } from '../../services/runs/run-lists';
import { openFeed } from '../../services/runs/runs-feed';
import { z } from 'zod';
import { queryInput, queryNumber } from '../input';
import { actorOf, pageOf, setLinkHeader } from './request';

/** `?after=&limit=` of the polling endpoint: records after an id, at most `limit` (≤ 5000). */
const pollQuery = z.object({
  after: queryNumber('a record id').default(0),
  limit: queryNumber('a whole number from 1')
    .refine((n) => n >= 1, 'must be at least 1')
    .transform((n) => Math.min(n, 5000))
    .default(1000),
});

const BASE = '/repos/:owner/:repo/actions/runs';

export const runRoutes = new Hono<AppEnv>()
  .get('/repos/:owner/:repo/actions/live', async (c) => {
    const { owner, repo } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'read');
    return openFeed(c.env, row.id, c.req.raw, viewerIdentity(actorOf(c)));
  })
  .get(BASE, async (c) => {
    const { owner, repo } = c.req.param();
    const row = await loadRepoForAction(c.var.db, actorOf(c), owner, repo, 'read');
    const filter = runFilterOf((k) => c.req.query(k));
    const page = pageOf(c);
    const list = await runsOfRepo(c.var.db, row.id, filter, page);
    setLinkHeader(c, page, list.total);
    return c.json({
      total_count: list.total,
      workflow_runs: list.rows.map((r) => runView(r, row, publicOrigin(c.env))),
    });
  })
  .get(`${BASE}/:id`, async (c) => {
    const { owner, repo, id } = c.req.param();
    const { repo: r, run } = await loadRunForViewer(c.var.db, actorOf(c), owner, repo, id);
    return c.json(runView(run, r, publicOrigin(c.env)));
  })
  .get(`${BASE}/:id/jobs`, async (c) => {
    const { owner, repo, id } = c.req.param();
    const { repo: r, run } = await loadRunForViewer(c.var.db, actorOf(c), owner, repo, id);
    const steps = await stepsOfRun(c.var.db, run.id);
    const api = runView(run, r, publicOrigin(c.env)).url;
    const usage = runUsageOf(steps);
    return c.json({
      total_count: steps.length,
      jobs: steps.map((s) => stepView(s, api)),
      // The run's model steps summed: turns, tokens in and out, wall time, cost estimate.
      ...(usage ? { usage } : {}),
    });
  })
  .get(`${BASE}/:id/logs`, async (c) => {
    const { owner, repo, id } = c.req.param();
    const { run } = await loadRunForViewer(c.var.db, actorOf(c), owner, repo, id);
    return runLogResponse(c.env, run.id, c.req.header('Range'));
  })
  .get(`${BASE}/:id/steps/:step/log`, async (c) => {
    const { owner, repo, id, step } = c.req.param();
    const { run } = await loadRunForViewer(c.var.db, actorOf(c), owner, repo, id);
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/.test(step)) {
      throw AppError.notFound('Step not found', 'step_not_found');
    }
    const known = (await stepsOfRun(c.var.db, run.id)).some((s) => s.step_id === step);
    return stepLogResponse(c.env, run.id, step, c.req.header('Range'), known);
  })
  .get(`${BASE}/:id/logs/text`, async (c) => {
    const { owner, repo, id } = c.req.param();
    const { run } = await loadRunForViewer(c.var.db, actorOf(c), owner, repo, id);
    const steps = await stepsOfRun(c.var.db, run.id);
    return runTextResponse(c.env, run.id, steps, `${run.workflow_name}-${run.run_number}.log`);
  })
  .get(`${BASE}/:id/events`, async (c) => {
    const { owner, repo, id } = c.req.param();
    const { run } = await loadRunForViewer(c.var.db, actorOf(c), owner, repo, id);
    const { after, limit } = queryInput(c, pollQuery);
    return c.json(await pollRecords(c.env, run.id, after, limit));
  })
  .get(`${BASE}/:id/stream`, async (c) => {
    const { owner, repo, id } = c.req.param();
    const actor = actorOf(c);
    const { run } = await loadRunForViewer(c.var.db, actor, owner, repo, id);
    return openViewer(c.env, run.id, 'sse', c.req.raw, c.req.query('after'), {
      who: viewerIdentity(actor),
      recheck: () => loadRunForViewer(c.var.db, actor, owner, repo, id),
    });
  })
  .get(`${BASE}/:id/stream/ws`, async (c) => {
    const { owner, repo, id } = c.req.param();
    const actor = actorOf(c);
    const { run } = await loadRunForViewer(c.var.db, actor, owner, repo, id);
    if (c.req.header('Upgrade')?.toLowerCase() !== 'websocket') {
      throw AppError.invalid('Connect with a WebSocket upgrade', 'websocket_required');
    }
    return openViewer(c.env, run.id, 'ws', c.req.raw, c.req.query('after'), {
      who: viewerIdentity(actor),
      recheck: () => loadRunForViewer(c.var.db, actor, owner, repo, id),
    });
  });
