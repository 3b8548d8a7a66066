/**
 * Structured JSON logs: one object per line with the fields a caller binds (the Worker binds
 * the request id, so a user's "request id" from an error page finds the matching lines). Pure:
 * the sink is a parameter, `console.log` by default. The Worker's request middleware makes one
 * per request (workers/middleware/logger.ts) and hands it down to the services that log.
 */

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
