/**
 * The closed set of error kinds every layer throws. Each surface maps them once: JSON for the
 * API, an HTML page for the UI, an ERR pkt-line / report-status for git, an exit status for SSH.
 * Messages of user errors say what to do; `unavailable` and `internal` hide their cause.
 */

export type ErrorKind =
  | 'not_found'
  | 'unauthenticated'
  | 'forbidden'
  | 'conflict'
  | 'invalid'
  | 'too_large'
  | 'rate_limited'
  | 'unavailable'
  | 'internal';

/** HTTP status for each kind. */
export const STATUS_OF: Record<ErrorKind, 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503> = {
  not_found: 404,
  unauthenticated: 401,
  forbidden: 403,
  conflict: 409,
  invalid: 400,
  too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  internal: 500,
};

export class AppError extends Error {
  readonly kind: ErrorKind;
  /** A stable, more specific code (e.g. `nonce_reused`); defaults to the kind. */
  readonly code: string;
  /** Seconds to wait, for `rate_limited`. */
  readonly retryAfter: number | undefined;

  constructor(
    kind: ErrorKind,
    message: string,
    opts: { code?: string; cause?: unknown; retryAfter?: number } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.kind = kind;
    this.code = opts.code ?? kind;
    this.retryAfter = opts.retryAfter;
  }

  get status(): number {
    return STATUS_OF[this.kind];
  }

  static notFound(message = 'Not found', code?: string): AppError {
    return new AppError('not_found', message, { code });
  }
  static unauthenticated(message = 'Sign in or pass a token', code?: string): AppError {
    return new AppError('unauthenticated', message, { code });
  }
  static forbidden(message = 'You do not have permission to do that', code?: string): AppError {
    return new AppError('forbidden', message, { code });
  }
  static conflict(message: string, code?: string): AppError {
    return new AppError('conflict', message, { code });
  }
  static invalid(message: string, code?: string): AppError {
    return new AppError('invalid', message, { code });
  }
  static tooLarge(message: string, code?: string): AppError {
    return new AppError('too_large', message, { code });
  }
  static rateLimited(retryAfter: number): AppError {
    return new AppError('rate_limited', `Too many requests; retry in ${retryAfter} s`, {
      retryAfter,
    });
  }
  static unavailable(message: string, cause?: unknown): AppError {
    return new AppError('unavailable', message, { cause });
  }
}

/**
 * PostgreSQL's SQLSTATEs for text it cannot store (a NUL byte, or a character outside the
 * database encoding): always the client's input, so a 400 rather than an internal error.
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05']);

/** Normalises anything thrown into an AppError; unknown errors become `internal`. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  const sqlstate = (err as { code?: unknown } | null)?.code;
  if (typeof sqlstate === 'string' && UNSTORABLE_TEXT.has(sqlstate)) {
    return new AppError(
      'invalid',
      'The input contains a NUL byte (\\u0000) or another character that cannot be stored; remove it',
      {
        code: 'text_invalid',
        cause: err,
      },
    );
  }
  return new AppError('internal', 'Internal error', { cause: err });
}
