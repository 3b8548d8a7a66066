/**
 * People: a user's public profile (GitHub's `GET /users/{user}` shape), found by their current
 * username or an old one (then `moved` says to redirect), with the repositories and recent
 * pushes the viewer may see. Private repositories never show to those who cannot read them.
 */
import type { Db } from '../../../db/client';
import { listRecentPushes, type PushActivityRow } from '../../../db/queries/activity';
import { findRedirectedUser } from '../../../db/queries/redirects';
import { listReposOfOwner, type RepoRow } from '../../../db/queries/repositories';
import { findUserById, findUserByUsername } from '../../../db/queries/users';
import type { Actor } from '../repos/authz';

export interface ProfileUser {
  id: string;
  login: string;
  created_at: Date;
}

export interface ProfileView {
  login: string;
  id: number;
  type: 'User';
  html_url: string;
  repos_url: string;
  created_at: string;
  public_repos: number;
}

/** Could `s` be a username at all (old names included)? Saves a database round trip. */
const plausibleLogin = (s: string): boolean => /^[A-Za-z0-9-]{1,39}$/.test(s);

/**
 * The user named `login`, now or before a rename (`moved` true: answer with a redirect to
 * `user.login`); undefined when nobody is or was.
 */
export async function findProfileUser(
  db: Db,
  login: string,
): Promise<{ user: ProfileUser; moved: boolean } | undefined> {
  if (!plausibleLogin(login)) return undefined;
  const now = await findUserByUsername(db, login);
  if (now)
    return { user: { id: now.id, login: now.username, created_at: now.created_at }, moved: false };
  const id = await findRedirectedUser(db, login);
  const was = id === undefined ? undefined : await findUserById(db, id);
  if (!was) return undefined;
  return { user: { id: was.id, login: was.username, created_at: was.created_at }, moved: true };
}

/** The viewer whose private repositories count, as listReposOf decides it (repo:read scope). */
export function viewerOf(actor: Actor): string | null {
  return actor.user && actor.scopes.has('repo:read') ? actor.user.id : null;
}

export async function profileView(db: Db, user: ProfileUser, origin: string): Promise<ProfileView> {
  const publicRepos = await listReposOfOwner(db, user.id, null, { limit: 0, offset: 0 });
  return {
    login: user.login,
    id: Number(user.id),
    type: 'User',
    html_url: `${origin}/${user.login}`,
    repos_url: `${origin}/api/v1/users/${user.login}/repos`,
    created_at: user.created_at.toISOString(),
    public_repos: publicRepos.total,
  };
}

export interface ProfilePage {
  repos: { rows: RepoRow[]; total: number };
  pushes: PushActivityRow[];
}

/** What the profile page shows the actor: visible repositories and recent pushes. */
export async function profilePage(
  db: Db,
  actor: Actor,
  user: ProfileUser,
  page: { limit: number; offset: number },
): Promise<ProfilePage> {
  const viewer = viewerOf(actor);
  const [repos, pushes] = await Promise.all([
    listReposOfOwner(db, user.id, viewer, page),
    listRecentPushes(db, user.id, viewer, 20),
  ]);
  return { repos, pushes };
}
