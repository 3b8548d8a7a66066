/**
 * Long-polled claims (issue #21): the Worker holds a controller's claim up to `wait_seconds`
 * and answers as soon as a claim succeeds, instead of the controller asking twice a second.
 *
 * The wake-up is a cheap poll loop inside the request (one indexed claim query every
 * CLAIM_POLL_MS), not a Durable Object. Work becomes claimable in many places (a push's events,
 * dispatches, schedule ticks, an evaluation report's runs, a lease sweep's requeue, a run of the
 * same repository finishing under the per-repository limit, a round-robin turn); a Durable
 * Object would have to hear of every one of them and still hand the claim back to the database,
 * and a missed signal would leave a claim waiting with work queued. Polling the queue itself
 * cannot miss work, costs one small query per 100 ms per waiting controller (a handful), and
 * bounds the added latency at 100 ms. The request's signal (a controller that went away) stops
 * the loop before its next claim.
 */

/** Between claim attempts while a claim waits. */
export const CLAIM_POLL_MS = 100;
/** The longest a claim is held (the controller's request times out at 30 s). */
export const MAX_CLAIM_WAIT_SECONDS = 25;

/** Calls `claim` until it returns something or `waitSeconds` pass; undefined if nothing came. */
export async function waitForClaim<T>(
  claim: (first: boolean) => Promise<T | undefined>,
  waitSeconds: number | undefined,
  signal?: AbortSignal,
): Promise<T | undefined> {
  const wait = Math.min(Math.max(waitSeconds ?? 0, 0), MAX_CLAIM_WAIT_SECONDS) * 1000;
  const deadline = Date.now() + wait;
  for (let first = true; ; first = false) {
    if (signal?.aborted) return undefined;
    const got = await claim(first);
    if (got !== undefined) return got;
    const left = deadline - Date.now();
    if (left <= 0) return undefined;
    await new Promise((resolve) => setTimeout(resolve, Math.min(CLAIM_POLL_MS, left)));
  }
}
