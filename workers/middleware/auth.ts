/**
 * Authenticates every request and sets `c.var.user` (or undefined) and `c.var.auth`:
 * - an internal component's credential (middleware/components.ts): the SSH bridge with the
 *   session ticket of the user it looked up by key → 'ssh' as that user, on its paths only; the
 *   runner controller or an operator → 'component', never a user;
 * - git's HTTP Basic `run-<id>:<token>` / `event-<id>:<token>` on git paths → 'job' (read of
 *   that job's repository only; services/runs/job-credentials.ts);
 * - `Authorization: Bearer plue_pat_…`, or HTTP Basic with the token as password → 'token';
 * - the `plue_session` cookie of a live (unrevoked, unexpired) session → 'session';
 * - otherwise 'anonymous'. A bad token, ticket or credential is a 401, a dead cookie is anonymous.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { AppEnv, AuthInfo, CurrentUser } from '../env';
import { AppError } from '../../common/errors';
import type { Component } from '../../common/dev-secret';
import { userOfSession } from '../services/identity/sign-in';
import { SSH_TICKET_HEADER, userOfSshTicket } from '../services/identity/ssh-tickets';
import { ALL_SCOPES, authenticateToken } from '../services/identity/tokens';
import { jobCredentialOf, jobScopeOf } from '../services/runs/job-credentials';
import { isGitPath, presentedComponent } from './components';

export const SESSION_COOKIE = 'plue_session';

/** The token presented in Authorization (Bearer, or Basic's password), if any. */
export function presentedToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const [scheme, value] = header.trim().split(/\s+/, 2);
  if (!scheme || !value) return undefined;
  if (/^bearer$/i.test(scheme) || /^token$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    let decoded: string;
    try {
      decoded = atob(value);
    } catch {
      return undefined;
    }
    const colon = decoded.indexOf(':');
    return colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

const badCredentials = (): AppError =>
  AppError.unauthenticated(
    'Bad credentials: the token is unknown, revoked or expired',
    'bad_credentials',
  );

function setIdentity(c: Context<AppEnv>, user: CurrentUser | undefined, auth: AuthInfo): void {
  c.set('user', user);
  c.set('auth', auth);
}

/**
 * The identity of a component's request: the bridge acts for the user of its ticket (required
 * on grants and git requests, which the Worker signed when the bridge looked the key up), the
 * controller and operators for no one.
 */
async function identifyComponent(c: Context<AppEnv>, component: Component, now: Date) {
  if (component !== 'bridge' || c.req.path === '/internal/ssh/lookup') {
    setIdentity(c, undefined, { kind: 'component', scopes: new Set(), component });
    return;
  }
  const user = await userOfSshTicket(c.env, c.req.header(SSH_TICKET_HEADER), now);
  if (!user) {
    throw AppError.unauthenticated(
      'The SSH session ticket is missing, forged or expired',
      'ssh_ticket_invalid',
    );
  }
  setIdentity(
    c,
    { id: user.id, login: user.login, wallet_address: '' },
    { kind: 'ssh', scopes: new Set(ALL_SCOPES), component },
  );
}

export function authenticate(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const now = new Date();
    const db = c.var.db;
    setIdentity(c, undefined, { kind: 'anonymous', scopes: new Set() });
    // The stylesheet and other static files need no identity (and no database round trip).
    if (c.req.path.startsWith('/static/')) return next();

    const component = presentedComponent(c);
    if (component !== undefined) {
      await identifyComponent(c, component, now);
      return next();
    }

    const authorization = c.req.header('Authorization');
    const job = isGitPath(c.req.path) ? jobCredentialOf(authorization) : undefined;
    if (job !== undefined) {
      const scope = await jobScopeOf(db, c.env, job, now);
      if (!scope) {
        throw AppError.unauthenticated(
          `The ${job.kind} token is unknown, or its ${job.kind} is not held any more`,
          'job_token_invalid',
        );
      }
      setIdentity(c, undefined, { kind: 'job', scopes: new Set(['repo:read']), job: scope });
      return next();
    }
    // Run-scoped tokens are checked by the internal runs API itself (routes/internal/runs.ts).
    if (authorization !== undefined && !c.req.path.startsWith('/internal/runs/')) {
      const token = presentedToken(authorization);
      const found = token === undefined ? undefined : await authenticateToken(db, token, now);
      if (!found) throw badCredentials();
      const u = found.user;
      setIdentity(
        c,
        { id: u.id, login: u.username, wallet_address: u.address },
        {
          kind: 'token',
          scopes: found.scopes,
        },
      );
      return next();
    }

    const cookie = getCookie(c, SESSION_COOKIE);
    if (cookie !== undefined) {
      const s = await userOfSession(db, cookie, now);
      if (s) {
        const u = s.user;
        setIdentity(
          c,
          { id: u.id, login: u.username, wallet_address: u.address },
          {
            kind: 'session',
            scopes: new Set(ALL_SCOPES),
            sessionId: s.sessionId,
          },
        );
      }
    }
    return next();
  };
}
