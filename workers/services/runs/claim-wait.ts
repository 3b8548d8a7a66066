/**
 * Long-polled claims (issue #21): the Worker holds a controller's claim up to `wait_seconds`
 * instead of the controller asking twice a second, and answers as soon as there is work.
 *
 * A held claim never claims. It makes one real claim when it arrives (the controller is there:
 * it just asked), and after that only looks: every CLAIM_POLL_MS it asks whether a claim would
 * find work (or a lease has expired, which a claim's sweep would requeue), and if so answers
 * `{ready: true}`; the controller then asks again at once, and that request's first, real claim
 * takes the work. A controller that left while its claim was held (workerd's dev server does not
 * pass the disconnect on to `request.signal`, and a deployed Worker may hear of it late) is thus
 * answered `ready` to nobody and has taken nothing: no run waits out a lease for it.
 *
 * The wake-up is a cheap poll of the queue inside the request, not a Durable Object. Work becomes
 * claimable in many places (a push's events, dispatches, schedule ticks, an evaluation report's
 * runs, a lease sweep's requeue, a run of the same repository finishing under the per-repository
 * limit, a round-robin turn); a Durable Object would have to hear of every one of them, and a
 * missed signal would leave a claim waiting with work queued. Polling the queue itself cannot
 * miss work, costs one small indexed read per CLAIM_POLL_MS per waiting controller loop, and
 * adds at most CLAIM_POLL_MS (plus one round trip for the real claim) to a claim's latency.
 */
import type { Db } from '../../../db/client';
import {
  claimableExists,
  expiredLeaseExists,
  type ClaimQueue,
} from '../../../db/queries/claim-oldest';
import type { Env } from '../../env';
import { repoLimitOf } from './workflow-leases';

/** Between looks at the queue while a claim waits. */
export const CLAIM_POLL_MS = 100;
/** The longest a claim is held (the controller's request times out at 30 s). */
export const MAX_CLAIM_WAIT_SECONDS = 25;

/** What a held claim answers when work came while it waited: "ask again now". */
export const READY = { ready: true } as const;

/**
 * Claims once with `claim`; if nothing came and `waitSeconds` > 0, waits until `ready()` says a
 * claim would find something (READY) or the time is up (undefined). Never claims after waiting.
 */
export async function waitForClaim<T>(
  claim: () => Promise<T | undefined>,
  ready: () => Promise<boolean>,
  waitSeconds: number | undefined,
  signal?: AbortSignal,
): Promise<T | typeof READY | undefined> {
  const got = await claim();
  if (got !== undefined) return got;
  const wait = Math.min(Math.max(waitSeconds ?? 0, 0), MAX_CLAIM_WAIT_SECONDS) * 1000;
  const deadline = Date.now() + wait;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0 || signal?.aborted) return undefined;
    await new Promise((resolve) => setTimeout(resolve, Math.min(CLAIM_POLL_MS, left)));
    if (signal?.aborted) return undefined;
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
