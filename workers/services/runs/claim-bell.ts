/**
 * The Worker's side of the claims doorbell (durable-objects/claim-bell/): `ringClaims` is called
 * wherever work became claimable, after the write committed (a push's or landing's events, a
 * dispatch, a schedule tick, an @plue mention, an evaluation report's runs, a rerun, a lease
 * sweep, a run or event finishing, which frees a per-repository place); `bellWait` is how a held
 * claim waits for it (claim-wait.ts).
 *
 * Rings and waits never fail their caller: a lost ring or an unreachable bell costs a waiting
 * claim at most CLAIM_FALLBACK_MS, the period of its own look at the queue.
 */
import type { BellAnswer, BellSince } from '../../../durable-objects/formats';
import type { Env } from '../../env';

/** The one bell every held claim waits on. */
const BELL_NAME = 'claims';

/** Past a wait's own timeout, when the Worker stops waiting for the bell to answer at all. */
const BELL_GRACE_MS = 2000;

type BellEnv = Pick<Env, 'CLAIM_BELL'>;

function bell(env: BellEnv) {
  return env.CLAIM_BELL.get(env.CLAIM_BELL.idFromName(BELL_NAME));
}

/**
 * Wakes every held claim to look at the queue. With `ctx` the ring goes on after the response
 * (waitUntil); without, the caller awaits it (one Durable Object call).
 */
export function ringClaims(
  env: BellEnv,
  ctx?: { waitUntil(promise: Promise<unknown>): void },
): Promise<void> {
  const ring = (async () => {
    await bell(env).ring();
  })().catch(() => undefined);
  if (!ctx) return ring;
  ctx.waitUntil(ring);
  return Promise.resolve();
}

/** How a held claim waits: the bell's answer, or undefined when the bell could not be asked. */
export type BellWait = (since: BellSince, timeoutMs: number) => Promise<BellAnswer | undefined>;

/** Waits on the bell of `env` (at most `timeoutMs` plus a grace, whatever the bell does). */
export function bellWait(env: BellEnv): BellWait {
  return async (since, timeoutMs) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const giveUp = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs + BELL_GRACE_MS);
    });
    const answer = (async (): Promise<BellAnswer> => {
      const a = await bell(env).wait(since, timeoutMs);
      return { rang: a.rang, mark: a.mark };
    })().catch(() => undefined);
    try {
      return await Promise.race([answer, giveUp]);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  };
}
