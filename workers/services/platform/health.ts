/** Health of the Worker and what it depends on. */
import type { Db } from '../../../db/client';

export interface Health {
  status: 'ok' | 'degraded';
  db: 'ok' | 'unreachable';
  version: string;
}

/** Pings the database with a deadline so a hung connection cannot hang the health check. */
export async function checkHealth(db: Db, version: string, timeoutMs = 3000): Promise<Health> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const ping = db.query('SELECT 1 AS ok').then(
    () => true,
    () => false,
  );
  const ok = await Promise.race([ping, deadline]);
  if (timer !== undefined) clearTimeout(timer);
  return { status: ok ? 'ok' : 'degraded', db: ok ? 'ok' : 'unreachable', version };
}
