/**
 * Refuses to serve in production mode with a configuration that would let anyone in: a public
 * development default of a component credential (PLUE_BRIDGE_SECRET, PLUE_CONTROLLER_SECRET,
 * PLUE_OPERATOR_SECRET) or of the Worker's own key (PLUE_SECRETS_KEY), or no valid
 * PLUE_PUBLIC_URL (sign-in and absolute URLs need it).
 * A Worker cannot refuse to start, so it answers every request with a 503 that names what the
 * operator must set, until they do.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv, Env } from '../env';
import { AppError } from '../../common/errors';
import { COMPONENT_CREDENTIALS } from '../../common/dev-secret';
import { parsePublicUrl } from '../services/platform/public-url';

/** What is wrong with a production configuration, or undefined. */
export function productionConfigProblem(env: Env): string | undefined {
  if (env.PLUE_ENV !== 'production') return undefined;
  for (const { variable, devDefault } of Object.values(COMPONENT_CREDENTIALS)) {
    if (env[variable as keyof Env] === devDefault) {
      return `${variable} is the public development default`;
    }
  }
  if (env.PLUE_SECRETS_KEY === 'dev-secrets-key-change-me') {
    return 'PLUE_SECRETS_KEY is the public development default';
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
