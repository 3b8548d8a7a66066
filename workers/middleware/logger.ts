/**
 * The request's log context: assigns the request id, attaches a logger (common/log.ts) bound
 * to it as `c.var.log`, and logs one line per request.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';
import { createLogger, logLevelOf, type LogLevel } from '../../common/log';

/**
 * The level of a request's line: `debug` for what an idle Plue does on its own — a runner
 * controller's claim that found nothing (204; one per held claim, or twice a second per kind
 * when the controller polls) and `npm start`'s once-a-minute schedule tick that went through
 * (its ticker prints a line itself when the tick did something) — `info` for everything else.
 */
export function requestLevel(method: string, path: string, status: number): LogLevel {
  const idleClaim =
    status === 204 && method === 'POST' && /^\/internal\/controller\/[a-z]+\/claim$/.test(path);
  const tick = status === 200 && method === 'POST' && path === '/internal/controller/tick';
  return idleClaim || tick ? 'debug' : 'info';
}

/** Assigns the request id, attaches a logger and logs one line per request. */
export function requestContext(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const incoming = c.req.header('x-request-id');
    const requestId =
      incoming !== undefined && /^[A-Za-z0-9._-]{8,64}$/.test(incoming)
        ? incoming
        : crypto.randomUUID();
    const log = createLogger(
      { requestId },
      console.log,
      logLevelOf((c.env as Partial<AppEnv['Bindings']> | undefined)?.LOG_LEVEL),
    );
    c.set('requestId', requestId);
    c.set('log', log);
    const started = Date.now();
    await next();
    c.header('X-Request-Id', requestId);
    log.log(requestLevel(c.req.method, c.req.path, c.res.status), 'request', {
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Date.now() - started,
    });
  };
}
