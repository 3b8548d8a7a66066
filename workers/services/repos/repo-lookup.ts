/**
 * Repository reads that take no actor: lookups for internal callers, which hold the internal
 * secret and act for the platform, and the dashboard and Explore lists, whose visibility the
 * query decides from the viewer's id. Everything a user asks for by name goes through authz.
 */
import type { Db } from '../../../db/client';
import {
  findRepo,
  findRepoById,
  listVisibleRepos,
  type RepoRow,
} from '../../../db/queries/repositories';
import { rowWindow, type Page } from '../platform/page';

export type { RepoRow };

/** The repository `owner/name` (case-insensitive), unauthorised: internal callers only. */
export function internalRepoByName(
  db: Db,
  owner: string,
  name: string,
): Promise<RepoRow | undefined> {
  return findRepo(db, owner, name);
}

/** The repository with database id `id`, unauthorised: internal callers only. */
export function internalRepoById(db: Db, id: string): Promise<RepoRow | undefined> {
  return findRepoById(db, id);
}

/**
 * A page of the repositories `viewerId` may see, newest activity first: with `mine`, those it
 * owns or collaborates on; otherwise also every public one.
 */
export function visibleRepos(
  db: Db,
  viewerId: string | null,
  page: Page,
  opts: { mine?: boolean } = {},
): Promise<{ rows: RepoRow[]; total: number }> {
  return listVisibleRepos(db, viewerId, rowWindow(page), opts);
}
