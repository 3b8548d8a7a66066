/**
 * Structured JSON logs: one object per line, always carrying the request id, so a user's
 * "request id" from an error page finds the matching log lines.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../env';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** The configured least level (`LOG_LEVEL`); `info` when unset or unknown. */
export function logLevelOf(value: string | undefined): LogLevel {
  return value !== undefined && value in RANK ? (value as LogLevel) : 'info';
}

/** Makes a logger that writes JSON lines at `least` or above with `base` fields merged in. */
export function createLogger(
  base: LogFields,
  sink: (line: string) => void = console.log,
  least: LogLevel = 'info',
): Logger {
  const log = (level: LogLevel, msg: string, fields: LogFields = {}): void => {
    if (RANK[level] < RANK[least]) return;
    sink(JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields }));
  };
  return {
    log,
    info: (msg, f) => log('info', msg, f),
    warn: (msg, f) => log('warn', msg, f),
    error: (msg, f) => log('error', msg, f),
  };
}

/** Serialises an error for a log line without losing its cause chain. */
export function errorFields(err: unknown): LogFields {
  if (!(err instanceof Error)) return { error: String(err) };
  const cause = err.cause === undefined ? undefined : errorFields(err.cause);
  return { error: err.message, errorName: err.name, stack: err.stack, cause };
}

/**
 * The level of a request's line: `debug` for a runner controller's claim that found nothing
 * (204; it asks about twice a second per kind while idle), `info` for everything else.
 */
export function requestLevel(method: string, path: string, status: number): LogLevel {
  const idleClaim =
    status === 204 && method === 'POST' && /^\/internal\/controller\/[a-z]+\/claim$/.test(path);
  return idleClaim ? 'debug' : 'info';
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
