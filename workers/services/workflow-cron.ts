/**
 * The Worker's scheduled handler (Cron Trigger, every minute): records the `schedule` events
 * due at that minute, and sweeps expired run and event leases, so a run whose controller died
 * is requeued or failed even when no controller is left to claim work (claims sweep too).
 */
import { createDb } from '../../db/client';
import type { Env } from '../env';
import { sweepLeases } from './workflow-leases';
import { recordScheduledEvents } from './workflow-schedule';

/** One tick at `scheduledTime` (ms since the epoch). */
export async function onScheduled(env: Env, scheduledTime: number): Promise<void> {
  const db = createDb({ databaseUrl: env.DATABASE_URL, wsProxy: env.DB_WS_PROXY });
  try {
    await recordScheduledEvents(db, env, new Date(scheduledTime));
    await sweepLeases(db, env, env.PLUE_PUBLIC_URL || undefined, new Date());
  } finally {
    await db.end();
  }
}
