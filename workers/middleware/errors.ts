/**
 * The one place where thrown errors become responses, per surface: JSON `{error:{code,message}}`
 * under /api, an HTML page elsewhere. Internal errors are logged with the request id and shown
 * without their cause. A repository reached by an old name (`RepoMoved`) is a redirect to the
 * same path under its new name: 301 for GET and HEAD, 307 otherwise (GitHub's API does the same).
 */
import type { Context } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { AppError, toAppError } from '../../common/errors';
import type { AppEnv } from '../env';
import { RepoMoved } from '../services/repos/authz';
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

/**
 * `path` with the first `…/{from.owner}/{from.name}/…` pair of segments naming the new owner
 * and name instead (both compared without case; a `.git` suffix is kept).
 */
export function movedPath(path: string, moved: RepoMoved): string {
  const segs = path.split('/');
  const same = (a: string | undefined, b: string): boolean =>
    a !== undefined && safeDecode(a).toLowerCase() === b.toLowerCase();
  for (let i = 0; i + 1 < segs.length; i++) {
    const repoSeg = segs[i + 1] ?? '';
    const git = repoSeg.toLowerCase().endsWith('.git') ? '.git' : '';
    if (
      same(segs[i], moved.from.owner) &&
      same(repoSeg.slice(0, repoSeg.length - git.length), moved.from.name)
    ) {
      segs[i] = encodeURIComponent(moved.repo.owner_login);
      segs[i + 1] = `${encodeURIComponent(moved.repo.name)}${git}`;
      return segs.join('/');
    }
  }
  return `/${encodeURIComponent(moved.repo.owner_login)}/${encodeURIComponent(moved.repo.name)}`;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function movedResponse(c: Context<AppEnv>, moved: RepoMoved): Response {
  const url = new URL(c.req.url);
  const location = `${movedPath(url.pathname, moved)}${url.search}`;
  const status = c.req.method === 'GET' || c.req.method === 'HEAD' ? 301 : 307;
  // Not cached: a new repository taking the old name ends the redirect.
  c.header('Cache-Control', 'no-store');
  c.header('Location', location);
  if (isApiPath(url.pathname)) {
    return c.json({ message: 'Moved Permanently', url: location }, status);
  }
  return c.body(null, status);
}

/** Maps any thrown value to the response for the request's surface. */
export function renderError(err: unknown, c: Context<AppEnv>): Response | Promise<Response> {
  if (err instanceof RepoMoved) return movedResponse(c, err);
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
