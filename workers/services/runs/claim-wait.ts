/**
 * Long-polled claims (issue #21): the Worker holds a controller's claim up to `wait_seconds`
 * instead of the controller asking twice a second, and answers as soon as there is work.
 *
 * A held claim never claims. It makes one real claim when it arrives (the controller is there:
 * it just asked), and after that only looks: when the claims doorbell rings, it asks once whether
 * a claim would find work (or a lease has expired, which a claim's sweep would requeue), and if
 * so answers `{ready: true}`; the controller then asks again at once, and that request's first,
 * real claim takes the work. A ring for work this controller may not claim (another owner's, under
 * `repo_owner`) finds nothing, and the claim waits again. A controller that left while its claim
 * was held (workerd's dev server does not pass the disconnect on to `request.signal`, and a
 * deployed Worker may hear of it late) is thus answered `ready` to nobody and has taken nothing:
 * no run waits out a lease for it.
 *
 * The wake-up is a Durable Object (durable-objects/claim-bell/, one instance), rung wherever work
 * becomes claimable (claim-bell.ts lists the places: a push's events, dispatches, schedule ticks,
 * an evaluation report's runs, a lease sweep's requeue, a run or event finishing under the
 * per-repository limit). It replaced a look at the queue every 100 ms, which cost one indexed read
 * per 100 ms per waiting controller loop (two per controller), kept a serverless Postgres awake
 * for nothing, and added up to 100 ms to a push's first log line. A bell can miss a signal (a
 * place that does not ring, a ring lost with an evicted bell, a lease that simply expires), so a
 * held claim also looks at the queue every CLAIM_FALLBACK_MS whatever the bell does: a missed
 * ring delays work by at most that, never for the rest of the wait. A wait carries what it has
 * heard (durable-objects/claim-bell/bell.ts), so a ring between a look and the next wait is kept.
 * Idle, a held claim reads the database once on arrival and then once per CLAIM_FALLBACK_MS
 * (4 looks in a 25-s hold, not 250); it does not look when its wait ends unrung, because the
 * controller's next claim looks anyway.
 */
import type { Db } from '../../../db/client';
import {
  claimableExists,
  expiredLeaseExists,
  type ClaimQueue,
} from '../../../db/queries/claim-oldest';
import type { BellSince } from '../../../durable-objects/formats';
import type { Env } from '../../env';
import type { BellWait } from './claim-bell';
import { repoLimitOf } from './workflow-leases';

/**
 * Between a held claim's own looks at the queue, rung or not: the most a missed ring delays work.
 * 5 s keeps an idle controller loop at one read per 5 s (a fiftieth of the old 100-ms poll) while
 * a missed ring still costs less than a controller's lease (30 s) or the cron sweep (a minute).
 */
export const CLAIM_FALLBACK_MS = 5000;
/** The longest a claim is held (the controller's request times out at 30 s). */
export const MAX_CLAIM_WAIT_SECONDS = 25;

/** What a held claim answers when work came while it waited: "ask again now". */
export const READY = { ready: true } as const;

/**
 * Claims once with `claim`; if nothing came and `waitSeconds` > 0, waits on `bell` (and at most
 * CLAIM_FALLBACK_MS at a time) and then asks `ready()`, until it says a claim would find
 * something (READY) or the time is up (undefined). Never claims after waiting.
 */
export async function waitForClaim<T>(
  claim: () => Promise<T | undefined>,
  ready: () => Promise<boolean>,
  waitSeconds: number | undefined,
  bell: BellWait,
  signal?: AbortSignal,
): Promise<T | typeof READY | undefined> {
  // A ring from now on may be for work the claim below does not see: the first wait starts here.
  let since: BellSince = { at: Date.now() };
  const got = await claim();
  if (got !== undefined) return got;
  const wait = Math.min(Math.max(waitSeconds ?? 0, 0), MAX_CLAIM_WAIT_SECONDS) * 1000;
  const deadline = Date.now() + wait;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return undefined;
    const until = Date.now() + Math.min(CLAIM_FALLBACK_MS, left);
    const heard = await bell(since, until - Date.now());
    if (heard) since = { mark: heard.mark };
    // No bell to ask: wait out the period, then look as the fallback does.
    else await new Promise((resolve) => setTimeout(resolve, Math.max(until - Date.now(), 0)));
    if (signal?.aborted) return undefined;
    if (heard?.rang !== true && Date.now() >= deadline) return undefined;
    if (await ready()) return READY;
  }
}

const QUEUES: Record<'runs' | 'events', ClaimQueue> = {
  runs: { table: 'workflow_runs', status: 'queued' },
  events: { table: 'workflow_events', status: 'pending' },
};

/**
 * Whether a claim should sweep expired leases first: only when one has expired, so a claim on
 * the push → first line path does not pay the sweep's writes for nothing (the cron sweeps too).
 */
export function sweepNeeded(db: Db, now: Date): Promise<boolean> {
  return expiredLeaseExists(db, now);
}

/** Whether a claim of runs or events for this controller would find work or sweep a lease. */
export function workReady(
  db: Db,
  env: Env,
  queue: 'runs' | 'events',
  repoOwner: string | undefined,
): () => Promise<boolean> {
  return async () =>
    (await claimableExists(db, QUEUES[queue], repoOwner, repoLimitOf(env))) ||
    (await expiredLeaseExists(db, new Date()));
}
