/**
 * The runner controller's internal API (internal secret only; see workflow-evaluation.ts and
 * workflow-leases.ts). Every write after a claim carries `{lease_owner, lease_epoch}`; a lost
 * lease is a 409 `lease_lost`, and the controller stops working on that item.
 *
 * - POST /internal/controller/events/claim {owner, lease_seconds?, repo_owner?} → 200 {event, sdk_event, lease} | 204
 * - POST /internal/controller/events/:id/evaluation {lease…, sha, files:[…]} → 201 {runs}
 * - POST /internal/controller/events/:id/fail {lease…, error} → 204
 * - POST /internal/controller/runs/claim {owner, lease_seconds?, repo_owner?} → 200 {run, token, secrets, lease} | 204
 * - POST /internal/controller/runs/:id/heartbeat {lease…} → {cancel_requested}
 * - POST /internal/controller/runs/:id/complete {lease…, conclusion, steps, message?} → 204
 * - POST /internal/controller/sweep → {events, requeued, lost}
 * - POST /internal/controller/schedule {at?} → {recorded} (the cron tick's schedule events; tests)
 * - POST /internal/controller/tick → {recorded, events, requeued, lost}: the whole cron tick at
 *   the Worker's current minute (npm start calls it every minute; wrangler dev fires no cron)
 */
import { Hono, type Context } from 'hono';
import type { AppEnv } from '../../env';
import { AppError } from '../../../common/errors';
import { internalSecretOnly } from '../../middleware/auth';
import { publicOrigin } from '../../services/platform/public-url';
import { runIdOf } from '../../services/runs/runs';
import {
  claimEvent,
  failEvent,
  reportEvaluation,
} from '../../services/workflows/workflow-evaluation';
import { claimRun, completeRun, heartbeat, sweepLeases } from '../../services/runs/workflow-leases';
import { scheduledTick } from '../../services/workflows/workflow-cron';
import { recordScheduledEvents } from '../../services/workflows/workflow-schedule';
import { jsonBody } from '../api/request';

function ownerOf(body: Record<string, unknown>): string {
  const o = body.owner;
  if (typeof o !== 'string' || !/^[A-Za-z0-9._:-]{1,200}$/.test(o)) {
    throw AppError.invalid('owner (the controller id) is required', 'owner_invalid');
  }
  return o;
}

/** `repo_owner`: claim only work of that user's repositories (a dedicated runner pool, tests). */
function repoOwnerOf(body: Record<string, unknown>): string | undefined {
  const o = body.repo_owner;
  if (o === undefined || o === null) return undefined;
  if (typeof o !== 'string' || !/^[A-Za-z0-9-]{1,39}$/.test(o)) {
    throw AppError.invalid('repo_owner must be a user name', 'repo_owner_invalid');
  }
  return o;
}

const eventIdOf = (raw: string): string => {
  if (!/^[1-9]\d{0,17}$/.test(raw)) throw AppError.notFound('Event not found', 'event_not_found');
  return raw;
};

const origin = (c: Context<AppEnv>): string => publicOrigin(c.env);

export const internalControllerRoutes = new Hono<AppEnv>()
  .use('*', internalSecretOnly)
  .post('/events/claim', async (c) => {
    const body = await jsonBody(c);
    const claimed = await claimEvent(
      c.var.db,
      c.env,
      ownerOf(body),
      body.lease_seconds,
      origin(c),
      new Date(),
      repoOwnerOf(body),
    );
    return claimed ? c.json(claimed) : c.body(null, 204);
  })
  .post('/events/:id/evaluation', async (c) => {
    const id = eventIdOf(c.req.param('id'));
    const body = await jsonBody(c);
    const runs = await reportEvaluation(c.var.db, c.env, id, body, origin(c), new Date());
    return c.json({ runs: runs.map((r) => ({ id: Number(r.id), name: r.workflow_name })) }, 201);
  })
  .post('/events/:id/fail', async (c) => {
    await failEvent(c.var.db, eventIdOf(c.req.param('id')), await jsonBody(c), new Date());
    return c.body(null, 204);
  })
  .post('/runs/claim', async (c) => {
    const body = await jsonBody(c);
    const claimed = await claimRun(
      c.var.db,
      c.env,
      ownerOf(body),
      body.lease_seconds,
      origin(c),
      new Date(),
      repoOwnerOf(body),
    );
    return claimed ? c.json(claimed) : c.body(null, 204);
  })
  .post('/runs/:id/heartbeat', async (c) => {
    const id = runIdOf(c.req.param('id'));
    return c.json(await heartbeat(c.var.db, c.env, id, await jsonBody(c), new Date()));
  })
  .post('/runs/:id/complete', async (c) => {
    const id = runIdOf(c.req.param('id'));
    await completeRun(c.var.db, c.env, id, await jsonBody(c), origin(c), new Date());
    return c.body(null, 204);
  })
  .post('/sweep', async (c) => {
    return c.json(await sweepLeases(c.var.db, c.env, origin(c), new Date()));
  })
  .post('/tick', async (c) => {
    const now = new Date();
    return c.json(await scheduledTick(c.var.db, c.env, now, now));
  })
  .post('/schedule', async (c) => {
    const body = await jsonBody(c);
    const at = typeof body.at === 'string' ? new Date(body.at) : new Date();
    if (Number.isNaN(at.getTime())) throw AppError.invalid('at must be an ISO time', 'at_invalid');
    return c.json({ recorded: await recordScheduledEvents(c.var.db, c.env, at) });
  });
