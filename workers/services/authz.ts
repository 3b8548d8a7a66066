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
import type { Db } from '../../db/client';
import { findCollaboratorPermission, findRepo, type RepoRow } from '../../db/queries/repositories';
import { AppError } from '../errors';
import { repoMetaCache, type EdgeCache } from './cache';

export type Action = 'read' | 'write' | 'admin';
export type Level = 'none' | Action;

export interface Actor {
  user?: { id: string } | undefined;
  scopes: Set<string>;
}

const RANK: Record<Level, number> = { none: 0, read: 1, write: 2, admin: 3 };
const SCOPE_OF: Record<Action, string> = { read: 'repo:read', write: 'repo:write', admin: 'admin' };

const repoNotFound = (): AppError => AppError.notFound('Repository not found', 'repo_not_found');

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
  return { ...r, created_at: new Date(r.created_at), updated_at: new Date(r.updated_at) };
}

/**
 * Looks `owner/name` up and authorises `action` on it in one call. With an edge cache, reads of
 * public repositories use its short-lived copy of the record (anyone may read a public
 * repository, so no further check applies); everything else goes to the database.
 */
export async function loadRepoForAction(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  action: Action,
  cache?: EdgeCache,
): Promise<RepoRow> {
  const meta = cache ? repoMetaCache<RepoRow>(cache, reviveRepo) : undefined;
  if (action === 'read' && meta) {
    const hit = await meta.get(owner, name);
    if (hit && !hit.private) return hit;
  }
  const repo = await findRepo(db, owner, name);
  if (!repo) throw repoNotFound();
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
