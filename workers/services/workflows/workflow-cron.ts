/**
 * The Worker's schedule, once a minute: records the `schedule` events due at that minute, and
 * sweeps expired run and event leases, so a run whose controller died is requeued or failed
 * even when no controller is left to claim work (claims sweep too). Cloudflare fires it through
 * the Cron Trigger (`scheduled` handler); `wrangler dev` never does, so `npm start` calls the
 * same tick every minute through `POST /internal/controller/tick` (scripts/schedule-ticker.ts).
 */
import type { Db } from '../../../db/client';
import type { Env } from '../../env';
import { openDb } from '../platform/database';
import { parsePublicUrl } from '../platform/public-url';
import { sweepLeases } from '../runs/workflow-leases';
import { recordScheduledEvents } from './workflow-schedule';

export interface TickResult {
  /** New schedule events. */
  recorded: number;
  /** Expired event leases returned to the queue. */
  events: number;
  requeued: number;
  lost: number;
}

/** One tick: the schedule events of `scheduledTime`'s minute, then the sweep at `now`. */
export async function scheduledTick(
  db: Db,
  env: Env,
  scheduledTime: Date,
  now: Date,
): Promise<TickResult> {
  const recorded = await recordScheduledEvents(db, env, scheduledTime);
  const swept = await sweepLeases(db, env, parsePublicUrl(env.PLUE_PUBLIC_URL)?.origin, now);
  return { recorded, ...swept };
}

/** The Cron Trigger's tick at `scheduledTime` (ms since the epoch). */
export async function onScheduled(env: Env, scheduledTime: number): Promise<void> {
  const db = openDb(env);
  try {
    await scheduledTick(db, env, new Date(scheduledTime), new Date());
  } finally {
    await db.end();
  }
}
