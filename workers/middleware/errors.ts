/**
 * The one place where thrown errors become responses, per surface: JSON `{error:{code,message}}`
 * under /api, an HTML page elsewhere. Internal errors are logged with the request id and shown
 * without their cause.
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError, toAppError } from '../../common/errors';
import type { AppEnv } from '../env';
import { errorFields } from '../../common/log';
import { ErrorPage } from '../views/error-page';

/** True when the request belongs to the JSON API surface. */
export function isApiPath(path: string): boolean {
  return path === '/api' || path.startsWith('/api/') || path.startsWith('/internal/');
}

/** True for the git smart-HTTP endpoints, which answer errors in plain text as git expects. */
export function isGitPath(path: string): boolean {
  return /\/(info\/refs|git-upload-pack|git-receive-pack)$/.test(path);
}

/** Maps any thrown value to the response for the request's surface. */
export function renderError(err: unknown, c: Context<AppEnv>): Response | Promise<Response> {
  const e = toAppError(err);
  const requestId = c.get('requestId') ?? 'unknown';
  if (e.kind === 'internal' || e.kind === 'unavailable') {
    const log = c.get('log');
    log?.error('request failed', { kind: e.kind, ...errorFields(err) });
  }
  const status = e.status as ContentfulStatusCode;
  if (e.retryAfter !== undefined) c.header('Retry-After', String(e.retryAfter));
  c.header('X-Request-Id', requestId);
  c.header('Cache-Control', 'no-store');
  if (isGitPath(c.req.path)) {
    // git prints a text/plain body as "remote: …"; 401 with a Basic challenge makes it prompt.
    if (e.kind === 'unauthenticated')
      c.header('WWW-Authenticate', 'Basic realm="Plue", charset="UTF-8"');
    c.header('Content-Type', 'text/plain; charset=utf-8');
    return c.body(`${e.message}\n`, status);
  }
  if (isApiPath(c.req.path)) {
    return c.json({ error: { code: e.code, message: e.message, request_id: requestId } }, status);
  }
  return c.html(
    ErrorPage({ status: e.status, code: e.code, message: e.message, requestId, user: c.var.user }),
    status,
  );
}

/** The not-found response for routes nobody handles. */
export function notFound(c: Context<AppEnv>): Response | Promise<Response> {
  return renderError(AppError.notFound(`No such page: ${c.req.path}`), c);
}
