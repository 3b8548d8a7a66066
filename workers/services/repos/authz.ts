/**
 * The one authorisation service: "may this actor do this action on this repository?".
 * Every route that touches a repository calls `authorize` or `loadRepoForAction`.
 *
 * - An actor who cannot read a private repository gets `not_found` ("Repository not found"),
 *   never `forbidden`, so private repositories are invisible.
 * - Reading a public repository needs no scope; anything else needs the token scope of the
 *   action (repo:read, repo:write, admin). Sessions and the SSH bridge hold every scope.
 * - Anonymous actors asking to write get `unauthenticated` (git then prompts for credentials).
 */
import type { Db } from '../../../db/client';
import {
  collaboratorsAmong,
  findCollaboratorPermission,
  findRepo,
  type RepoRow,
} from '../../../db/queries/repositories';
import { findRedirectedRepo } from '../../../db/queries/redirects';
import { AppError } from '../../../common/errors';
import { repoMetaCache, type EdgeCache } from '../cache/cache';
import type { Env } from '../../env';
import { signBody, verifiedBody } from '../identity/worker-signing';

export type Action = 'read' | 'write' | 'admin';
export type Level = 'none' | Action;

export interface Actor {
  user?: { id: string } | undefined;
  scopes: Set<string>;
}

const RANK: Record<Level, number> = { none: 0, read: 1, write: 2, admin: 3 };
const SCOPE_OF: Record<Action, string> = { read: 'repo:read', write: 'repo:write', admin: 'admin' };

const repoNotFound = (): AppError => AppError.notFound('Repository not found', 'repo_not_found');

/**
 * Whether `owner/name` could name a repository at all (user names and repository names are
 * ASCII letters, digits, `-`, `_` and `.`, at most 100 characters): anything else — control
 * bytes, other scripts, overlong names — is "not found" without a database round trip.
 */
export function plausibleRepoName(owner: string, name: string): boolean {
  return /^[A-Za-z0-9._-]{1,100}$/.test(owner) && /^[A-Za-z0-9._-]{1,100}$/.test(name);
}

/** The actor's role on the repository, ignoring token scopes. */
export async function roleOn(db: Db, actor: Actor, repo: RepoRow): Promise<Level> {
  const userId = actor.user?.id;
  if (userId !== undefined) {
    if (repo.owner_id === userId) return 'admin';
    const p = await findCollaboratorPermission(db, repo.id, userId);
    if (p) return p;
  }
  return repo.private ? 'none' : 'read';
}

/**
 * Of `userIds`, those whose role lets them read `repo` (`roleOn` for many users at once, in one
 * query): everyone for a public repository, the owner and collaborators for a private one.
 */
export async function readersAmong(db: Db, repo: RepoRow, userIds: string[]): Promise<string[]> {
  if (!repo.private) return userIds;
  const collaborators = new Set(await collaboratorsAmong(db, repo.id, userIds));
  return userIds.filter((id) => id === repo.owner_id || collaborators.has(id));
}

/** Whether the actor may administer `repo` (the Settings tab); no query for anonymous actors. */
export async function administers(db: Db, actor: Actor, repo: RepoRow): Promise<boolean> {
  if (actor.user === undefined || !actor.scopes.has('admin')) return false;
  return (await roleOn(db, actor, repo)) === 'admin';
}

/** Throws unless the actor may do `action` on `repo` (see the module header for the rules). */
export async function authorize(
  db: Db,
  actor: Actor,
  action: Action,
  repo: RepoRow,
): Promise<void> {
  const role = await roleOn(db, actor, repo);
  const mayRead = role !== 'none' && (!repo.private || actor.scopes.has('repo:read'));
  if (!mayRead) throw repoNotFound();
  if (action === 'read') return;
  if (actor.user === undefined) {
    throw AppError.unauthenticated('Sign in or pass a token to do that', 'auth_required');
  }
  if (RANK[role] < RANK[action]) {
    throw AppError.forbidden(
      `Permission to ${repo.owner_login}/${repo.name} denied`,
      'repo_permission_denied',
    );
  }
  if (!actor.scopes.has(SCOPE_OF[action])) {
    throw AppError.forbidden(
      `This token lacks the ${SCOPE_OF[action]} scope`,
      'token_scope_missing',
    );
  }
}

/** Restores the dates of a repository record that went through JSON. */
function reviveRepo(r: RepoRow): RepoRow {
  return {
    ...r,
    created_at: new Date(r.created_at),
    updated_at: new Date(r.updated_at),
    pushed_at: r.pushed_at === null || r.pushed_at === undefined ? null : new Date(r.pushed_at),
  };
}

/**
 * Thrown when `from` is an old name of `repo` (renamed or transferred, or its owner renamed) and
 * the actor may do the action on it: pages and the API answer with a redirect to the new name
 * (middleware/errors.ts). Strangers to a private repository get `not_found` instead, as for any
 * name, so a redirect reveals nothing to them.
 */
export class RepoMoved extends Error {
  constructor(
    readonly from: { owner: string; name: string },
    readonly repo: RepoRow,
  ) {
    super(`${from.owner}/${from.name} moved to ${repo.owner_login}/${repo.name}`);
    this.name = 'RepoMoved';
  }
}

/**
 * Looks `owner/name` up and authorises `action` on it in one call. With an edge cache, reads of
 * public repositories use its short-lived copy of the record (anyone may read a public
 * repository, so no further check applies); everything else goes to the database. A name that
 * renames or transfers left behind throws `RepoMoved` once authorised, or with `follow` (git,
 * which serves the old URL in place, as GitHub does) answers the repository it leads to.
 */
export async function loadRepoForAction(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  action: Action,
  cache?: EdgeCache,
  opts: { follow?: boolean } = {},
): Promise<RepoRow> {
  if (!plausibleRepoName(owner, name)) throw repoNotFound();
  const meta = cache ? repoMetaCache<RepoRow>(cache, reviveRepo) : undefined;
  if (action === 'read' && meta) {
    const hit = await meta.get(owner, name);
    if (hit && !hit.private) return hit;
  }
  const repo = await findRepo(db, owner, name);
  if (!repo) {
    const moved = await findRedirectedRepo(db, owner, name);
    if (!moved) throw repoNotFound();
    await authorize(db, actor, action, moved);
    if (opts.follow) return moved;
    throw new RepoMoved({ owner, name }, moved);
  }
  await authorize(db, actor, action, repo);
  if (meta && !repo.private) meta.put(owner, name, repo);
  return repo;
}

/** Throws unless the actor is signed in and holds `scope` (account-level operations). */
export function requireUser<A extends Actor>(
  actor: A,
  scope?: string,
): asserts actor is A & { user: { id: string } } {
  if (actor.user === undefined) throw AppError.unauthenticated();
  if (scope !== undefined && !actor.scopes.has(scope)) {
    throw AppError.forbidden(`This token lacks the ${scope} scope`, 'token_scope_missing');
  }
}

/**
 * Repository grants: one authorisation carried through the requests of one SSH session. The
 * bridge asks `/internal/ssh/grant` once per git command with the session ticket of the user it
 * authenticated; the Worker authorises the user there (`loadRepoForAction`) and answers with the
 * repository record signed (services/identity/worker-signing.ts: a key only the Worker holds)
 * together with the user, the action and an expiry. The bridge sends it back on each git request
 * of the session (`X-Plue-Repo-Grant`), which then needs no database read and no edge-cache
 * lookup, however long the machine takes between them. A grant is honoured only on requests of
 * the bridge for the same user (its ticket), the same repository and an action it covers, until
 * it expires: a permission or visibility change reaches sessions that start after it at once,
 * and a running session within `REPO_GRANT_TTL_MS` (after that its requests are authorised
 * afresh as the ticket's user).
 */
export const REPO_GRANT_HEADER = 'X-Plue-Repo-Grant';
export const REPO_GRANT_TTL_MS = 60_000;

interface GrantBody {
  /** user id */
  u: string;
  a: Action;
  /** expiry, ms since the epoch */
  e: number;
  r: RepoRow;
  /** the `owner/name` the command named, when an old name led to the repository */
  p?: string;
}

/** Signs a grant for `userId` to do `action` on `repo` (which the caller has just authorised). */
export async function issueRepoGrant(
  env: Env,
  userId: string,
  repo: RepoRow,
  action: Action,
  now: Date,
  asked?: { owner: string; name: string },
): Promise<string> {
  const body: GrantBody = { u: userId, a: action, e: now.getTime() + REPO_GRANT_TTL_MS, r: repo };
  if (asked) body.p = `${asked.owner}/${asked.name}`.toLowerCase();
  return signBody(env, 'repo-grant', body);
}

/**
 * The repository of a grant when it is genuine, unexpired, for this user and `owner/name`, and
 * covers `action`; undefined otherwise (the caller then authorises the usual way).
 */
export async function repoFromGrant(
  env: Env,
  grant: string | undefined,
  actor: Actor,
  owner: string,
  name: string,
  action: Action,
  now: Date,
): Promise<RepoRow | undefined> {
  if (actor.user === undefined) return undefined;
  const body = (await verifiedBody(env, 'repo-grant', grant)) as GrantBody | undefined;
  if (typeof body !== 'object' || body === null) return undefined;
  if (body.u !== actor.user.id || !(body.e > now.getTime()) || !(RANK[body.a] >= RANK[action])) {
    return undefined;
  }
  const repo = reviveRepo(body.r);
  const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
  const current = same(repo.owner_login, owner) && same(repo.name, name);
  if (!current && body.p !== `${owner}/${name}`.toLowerCase()) return undefined;
  return repo;
}
