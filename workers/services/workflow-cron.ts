/**
 * The Worker's scheduled handler (Cron Trigger, every minute): sweeps expired run and event
 * leases, so a run whose controller died is requeued or failed even when no controller is
 * left to claim work (claims sweep too).
 */
import { createDb } from '../../db/client';
import type { Env } from '../env';
import { sweepLeases } from './workflow-leases';

export async function onScheduled(env: Env): Promise<void> {
  const db = createDb({ databaseUrl: env.DATABASE_URL, wsProxy: env.DB_WS_PROXY });
  try {
    await sweepLeases(db, env, env.PLUE_PUBLIC_URL || undefined, new Date());
  } finally {
    await db.end();
  }
}
