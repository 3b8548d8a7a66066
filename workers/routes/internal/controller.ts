/**
 * The runner controller's internal API (its own credential, `X-Plue-Controller-Secret`, only; see workflow-evaluation.ts and
 * workflow-leases.ts). Every write after a claim carries `{lease_owner, lease_epoch}`; a lost
 * lease is a 409 `lease_lost`, and the controller stops working on that item.
 *
 * - POST /internal/controller/events/claim {owner, lease_seconds?, repo_owner?, wait_seconds?} →
 *   200 {event, sdk_event, lease, token} | 204 (the token reads the event's repository while the
 *   claim holds). With wait_seconds an empty claim is held until work comes and then answered
 *   200 {ready: true} without claiming: the controller asks again (services/runs/claim-wait.ts)
 * - POST /internal/controller/events/:id/evaluation {lease…, sha, files:[…]} → 201 {runs}
 * - POST /internal/controller/events/evaluations {reports:[{event_id, lease…, sha, files}] (≤200),
 *   claim?: {owner, lease_seconds?, repo_owner?}} → 200 {results:[{event_id, runs} |
 *   {event_id, error:{code}}], run?}: many events' reports in one transaction, each fenced by its
 *   own lease (a lost one is refused alone, `lease_lost`); with `claim`, one run is then claimed
 *   as by /runs/claim (never held, no lease sweep) and handed back as `run` (absent when none is queued).
 *   Bodies over 8 MiB: 413
 * - POST /internal/controller/events/:id/fail {lease…, error} → 204
 * - POST /internal/controller/runs/claim {owner, lease_seconds?, repo_owner?, wait_seconds?} →
 *   200 {run, token, secrets, lease} | 200 {ready: true} (as for events) | 204
 *   (the run token appends the run's log and reads its repository: services/runs/job-credentials.ts)
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
import { componentOnly } from '../../middleware/components';
import { publicOrigin } from '../../services/platform/public-url';
import { runIdOf } from '../../services/runs/runs';
import { claimEvent, failEvent } from '../../services/workflows/workflow-evaluation';
import { reportEvaluation, reportEvaluations } from '../../services/workflows/workflow-reports';
import {
  claimRun,
  completeRun,
  heartbeat,
  leaseOf,
  sweepLeases,
} from '../../services/runs/workflow-leases';
import { sweepNeeded, waitForClaim, workReady } from '../../services/runs/claim-wait';
import { bellWait, ringClaims } from '../../services/runs/claim-bell';
import { scheduledTick } from '../../services/workflows/workflow-cron';
import { recordScheduledEvents } from '../../services/workflows/workflow-schedule';
import {
  claimRequest,
  completeRunRequest,
  evaluationBatch,
  evaluationReport,
  failEventRequest,
  heartbeatRequest,
  scheduleRequest,
} from '../../../common/schemas/internal-controller';
import { jsonInput } from '../input';

const eventIdOf = (raw: string): string => {
  if (!/^[1-9]\d{0,17}$/.test(raw)) throw AppError.notFound('Event not found', 'event_not_found');
  return raw;
};

const origin = (c: Context<AppEnv>): string => publicOrigin(c.env);

/** The largest batch of evaluation reports taken (the controller sends smaller ones). */
const EVALUATION_BATCH_BYTES = 8 * 1024 * 1024;

/**
 * A claim of `kind` (events or runs) for the asking controller, held up to its `wait_seconds`
 * until work is ready (services/runs/claim-wait.ts); 204 when there is none. An answer after a
 * wait says in `X-Plue-Claim-Looks` how often the wait read the queue (tests, operators).
 */
async function heldClaim(
  c: Context<AppEnv>,
  kind: 'events' | 'runs',
  claim: typeof claimEvent | typeof claimRun,
): Promise<Response> {
  const body = await jsonInput(c, claimRequest);
  const ready = workReady(c.var.db, c.env, kind, body.repo_owner);
  let looks = 0;
  const claimed = await waitForClaim(
    async () => {
      const now = new Date();
      const attempt = (sweep: boolean) =>
        claim(
          c.var.db,
          c.env,
          body.owner,
          body.lease_seconds,
          origin(c),
          now,
          body.repo_owner,
          sweep,
        );
      // Expired leases are looked for only when nothing was claimable (one round trip less on
      // the push → first line path); the cron tick sweeps every minute whatever the queue holds.
      return (
        (await attempt(false)) ?? ((await sweepNeeded(c.var.db, now)) ? attempt(true) : undefined)
      );
    },
    () => {
      looks++;
      return ready();
    },
    body.wait_seconds,
    bellWait(c.env),
    c.req.raw.signal,
  );
  if (body.wait_seconds) c.header('X-Plue-Claim-Looks', String(looks));
  return claimed ? c.json(claimed) : c.body(null, 204);
}

export const internalControllerRoutes = new Hono<AppEnv>()
  .use('*', componentOnly('controller'))
  .post('/events/claim', (c) => heldClaim(c, 'events', claimEvent))
  .post('/events/:id/evaluation', async (c) => {
    const id = eventIdOf(c.req.param('id'));
    const report = await jsonInput(c, evaluationReport, 'report_invalid');
    const runs = await reportEvaluation(c.var.db, c.env, id, report, origin(c), new Date());
    return c.json({ runs: runs.map((r) => ({ id: Number(r.id), name: r.workflow_name })) }, 201);
  })
  .post('/events/evaluations', async (c) => {
    const length = Number(c.req.header('content-length') ?? 0);
    if (length > EVALUATION_BATCH_BYTES) {
      throw AppError.tooLarge(`request body exceeds ${EVALUATION_BATCH_BYTES} bytes`);
    }
    const body = await jsonInput(c, evaluationBatch);
    const now = new Date();
    const outcomes = await reportEvaluations(
      c.var.db,
      c.env,
      body.reports,
      origin(c),
      now,
      c.executionCtx,
    );
    const results = outcomes.map((o) =>
      'runs' in o
        ? {
            event_id: Number(o.event_id),
            runs: o.runs.map((r) => ({ id: Number(r.id), name: r.workflow_name })),
          }
        : { event_id: Number(o.event_id), error: o.error },
    );
    const claim = body.claim;
    const run =
      claim &&
      (await claimRun(
        c.var.db,
        c.env,
        claim.owner,
        claim.lease_seconds,
        origin(c),
        now,
        claim.repo_owner,
        false, // held claims and the cron tick sweep; this answer is on the first line's path
      ));
    return c.json({ results, ...(run ? { run } : {}) });
  })
  .post('/events/:id/fail', async (c) => {
    const id = eventIdOf(c.req.param('id'));
    const body = await jsonInput(c, failEventRequest);
    await failEvent(c.var.db, id, leaseOf(body), body.error, new Date());
    void ringClaims(c.env, c.executionCtx); // the event's place under the repository's limit is free
    return c.body(null, 204);
  })
  .post('/runs/claim', (c) => heldClaim(c, 'runs', claimRun))
  .post('/runs/:id/heartbeat', async (c) => {
    const id = runIdOf(c.req.param('id'));
    const body = await jsonInput(c, heartbeatRequest);
    return c.json(await heartbeat(c.var.db, c.env, id, body, new Date()));
  })
  .post('/runs/:id/complete', async (c) => {
    const id = runIdOf(c.req.param('id'));
    const body = await jsonInput(c, completeRunRequest);
    await completeRun(c.var.db, c.env, id, body, origin(c), new Date());
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
    const body = await jsonInput(c, scheduleRequest);
    const at = body.at === undefined ? new Date() : new Date(body.at);
    return c.json({ recorded: await recordScheduledEvents(c.var.db, c.env, at) });
  });
