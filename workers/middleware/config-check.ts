/**
 * Refuses to serve in production mode with a configuration that would let anyone in: the public
 * development internal secret, or no valid PLUE_PUBLIC_URL (sign-in and absolute URLs need it).
 * A Worker cannot refuse to start, so it answers every request with a 503 that names what the
 * operator must set, until they do.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Env } from '../env';
import { AppError } from '../../common/errors';
import { DEV_INTERNAL_SECRET } from '../../common/dev-secret';
import { parsePublicUrl } from '../services/platform/public-url';

/** What is wrong with a production configuration, or undefined. */
export function productionConfigProblem(env: Env): string | undefined {
  if (env.PLUE_ENV !== 'production') return undefined;
  if (env.PLUE_INTERNAL_SECRET === DEV_INTERNAL_SECRET) {
    return 'PLUE_INTERNAL_SECRET is the public development default';
  }
  if (!parsePublicUrl(env.PLUE_PUBLIC_URL)) return 'PLUE_PUBLIC_URL is not an http(s) URL';
  return undefined;
}

export function configCheck(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const problem = productionConfigProblem(c.env);
    if (problem !== undefined) {
      c.var.log?.error('refusing to serve: misconfigured', { problem });
      throw AppError.unavailable(`This Plue is misconfigured and refuses to serve: ${problem}`);
    }
    await next();
  };
}
