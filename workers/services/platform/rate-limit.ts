/** Rate limits: one RateLimiter Durable Object per client key, a one-minute fixed window. */
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';

/** Parses a per-minute limit var, falling back to `fallback`. */
export function limitFrom(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

/** Counts one hit for `key`; throws `rate_limited` with Retry-After when over `perMinute`. */
export async function enforceRateLimit(
  env: Pick<Env, 'RATE_LIMITER'>,
  key: string,
  perMinute: number,
): Promise<void> {
  const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key));
  const verdict = await stub.hit(perMinute, 60);
  if (!verdict.allowed) throw AppError.rateLimited(verdict.retryAfter);
}
