/**
 * The internal components' credentials (common/dev-secret.ts) in the Worker: which one a request
 * carries, whether it is genuine here (the public dev defaults only in development mode on
 * loopback), and where each may be used. The path rule is enforced once, in the auth middleware,
 * before any route runs; the internal routes check their component again (`componentOnly`).
 * - bridge: `/internal/ssh/lookup`, `/internal/ssh/grant` and the git smart-HTTP endpoints;
 * - controller: `/internal/controller/*`;
 * - operator: run creation, a run's stream state, restart and appends, `/internal/repos/*`.
 * Everywhere else a component credential is a 403, and the retired shared
 * `X-Plue-Internal-Secret` is a 401 everywhere.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { AppEnv, Env } from '../env';
import { AppError } from '../../common/errors';
import {
  COMPONENT_CREDENTIALS,
  RETIRED_INTERNAL_SECRET_HEADER,
  componentSecretProblem,
  type Component,
} from '../../common/dev-secret';
import { constantTimeEqual } from '../services/identity/secrets';

const COMPONENTS = Object.keys(COMPONENT_CREDENTIALS) as Component[];

const GIT_PATH = /^\/[^/]+\/[^/]+\/(?:info\/refs|git-upload-pack|git-receive-pack)$/;

const ALLOWED: Record<Component, (path: string) => boolean> = {
  bridge: (p) => p === '/internal/ssh/lookup' || p === '/internal/ssh/grant' || GIT_PATH.test(p),
  controller: (p) => p.startsWith('/internal/controller/'),
  operator: (p) =>
    p === '/internal/runs' ||
    p === '/internal/runs/' ||
    /^\/internal\/runs\/[^/]+\/(?:stream|restart|events)$/.test(p) ||
    p.startsWith('/internal/repos/'),
};

/** Whether a git smart-HTTP endpoint is asked for (`/:owner/:repo/info/refs` and the services). */
export function isGitPath(path: string): boolean {
  return GIT_PATH.test(path);
}

/** The configured secret of `component` (by its variable name). */
function configured(env: Env, component: Component): string | undefined {
  const v = COMPONENT_CREDENTIALS[component].variable as keyof Env;
  const value = env[v];
  return typeof value === 'string' ? value : undefined;
}

/**
 * True when `presented` is `component`'s configured secret and that secret may be used here:
 * a public dev default only in development mode, with a loopback PLUE_PUBLIC_URL, for a caller
 * on loopback (`clientIp`, Cloudflare's CF-Connecting-IP, when the request has one).
 */
export function componentSecretValid(
  env: Env,
  component: Component,
  presented: string | undefined,
  clientIp?: string,
): boolean {
  const secret = configured(env, component);
  if (!secret || presented === undefined) return false;
  const problem = componentSecretProblem({
    component,
    mode: env.PLUE_ENV,
    secret,
    addresses: [env.PLUE_PUBLIC_URL, ...(clientIp === undefined ? [] : [clientIp])],
  });
  if (problem !== undefined) return false;
  return constantTimeEqual(presented, secret);
}

/**
 * The component whose genuine credential the request carries, undefined when it carries none;
 * throws 401 for the retired shared header, a wrong secret or two credentials at once, and 403
 * for a credential used outside its component's paths.
 */
export function presentedComponent(c: Context<AppEnv>): Component | undefined {
  if (c.req.header(RETIRED_INTERNAL_SECRET_HEADER) !== undefined) {
    throw AppError.unauthenticated(
      'X-Plue-Internal-Secret is retired: the SSH bridge sends X-Plue-Bridge-Secret and the runner controller X-Plue-Controller-Secret (docs/deploy.md)',
      'internal_secret_retired',
    );
  }
  const present = COMPONENTS.filter(
    (k) => c.req.header(COMPONENT_CREDENTIALS[k].header) !== undefined,
  );
  const component = present[0];
  if (component === undefined) return undefined;
  if (present.length > 1) {
    throw AppError.unauthenticated('One component credential per request', 'credential_invalid');
  }
  const valid = componentSecretValid(
    c.env,
    component,
    c.req.header(COMPONENT_CREDENTIALS[component].header),
    c.req.header('CF-Connecting-IP'),
  );
  if (!valid) {
    throw AppError.unauthenticated(
      `Bad ${COMPONENT_CREDENTIALS[component].header}`,
      'internal_secret_invalid',
    );
  }
  if (!ALLOWED[component](c.req.path)) {
    throw AppError.forbidden(
      `The ${component} credential is not accepted here`,
      'credential_out_of_scope',
    );
  }
  return component;
}

/** Middleware for internal routes of one component (the auth middleware has checked its secret). */
export function componentOnly(...components: Component[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const who = c.var.auth.component;
    if (who === undefined || !components.includes(who)) {
      throw AppError.unauthenticated('Internal endpoint', 'internal_secret_invalid');
    }
    await next();
  };
}
