/**
 * Collaborators of a repository: list (write), add or change with read, write or admin, and
 * remove (admin). The owner is never a collaborator.
 */
import { z } from 'zod';
import type { Db } from '../../../db/client';
import {
  deleteCollaborator,
  listCollaborators,
  upsertCollaborator,
  type CollaboratorRow,
  type Permission,
  type RepoRow,
} from '../../../db/queries/repositories';
import { findUserByUsername } from '../../../db/queries/users';
import { AppError } from '../../../common/errors';
import { loadRepoForAction, type Actor } from './authz';
import { plausibleLogin } from './repos';

/** The body of `PUT /repos/{owner}/{repo}/collaborators/{user}` (may be empty: write). */
export const collaboratorRequest = z.object({
  permission: z
    .enum(['read', 'write', 'admin'], { error: 'must be read, write or admin' })
    .default('write'),
});

export async function setCollaborator(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  login: string,
  perm: Permission,
): Promise<void> {
  const repo = await loadRepoForAction(db, actor, owner, name, 'admin');
  const user = plausibleLogin(login) ? await findUserByUsername(db, login) : undefined;
  if (!user) throw AppError.notFound(`No user named ${login}`, 'user_not_found');
  if (user.id === repo.owner_id)
    throw AppError.invalid('The owner is not a collaborator', 'collaborator_is_owner');
  await upsertCollaborator(db, repo.id, user.id, perm);
}

export async function removeCollaborator(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  login: string,
): Promise<RepoRow> {
  const repo = await loadRepoForAction(db, actor, owner, name, 'admin');
  const user = plausibleLogin(login) ? await findUserByUsername(db, login) : undefined;
  if (!user || !(await deleteCollaborator(db, repo.id, user.id))) {
    throw AppError.notFound(`${login} is not a collaborator`, 'collaborator_not_found');
  }
  return repo;
}

export async function collaboratorsOf(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
): Promise<CollaboratorRow[]> {
  const repo = await loadRepoForAction(db, actor, owner, name, 'write');
  return listCollaborators(db, repo.id);
}
