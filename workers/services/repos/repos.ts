/**
 * Repository records: create, list, read, update (rename), transfer, delete, collaborators.
 * Creating one only writes the database row; the repository's RepoObject state is made lazily by
 * the git layer. Every operation on an existing repository goes through authz.
 */
import { z } from 'zod';
import { parseInput } from '../../../common/schemas/parse';
import type { Db } from '../../../db/client';
import {
  deleteRepo,
  insertRepo,
  listReposOfOwner,
  updateRepo,
  type RepoRow,
} from '../../../db/queries/repositories';
import { findUserByUsername } from '../../../db/queries/users';
import { endRepoRedirect, moveRepo } from '../../../db/queries/redirects';
import { AppError } from '../../../common/errors';
import { loadRepoForAction, requireUser, type Actor } from './authz';
import { isReservedName } from './names';
import { streamingRunsOf } from '../runs/run-viewer-access';
import { rowWindow, type Page } from '../platform/page';

export interface RepoView {
  id: number;
  name: string;
  full_name: string;
  owner: { login: string; id: number };
  private: boolean;
  visibility: 'public' | 'private';
  description: string;
  default_branch: string;
  html_url: string;
  clone_url: string;
  ssh_url: string;
  created_at: string;
  updated_at: string;
  pushed_at: string | null;
}

/** The SSH clone URL: under `sshBase` (e.g. `ssh://git@host:2222/`) when set, else scp-style. */
export function sshCloneUrl(fullName: string, origin: string, sshBase?: string): string {
  if (sshBase) return `${sshBase.replace(/\/?$/, '/')}${fullName}.git`;
  return `git@${new URL(origin).hostname}:${fullName}.git`;
}

/**
 * The GitHub-like JSON of a repository; `origin` is this site's (`http://host:port`),
 * `sshBase` the SSH bridge's address (`PLUE_SSH_URL`).
 */
export function repoView(r: RepoRow, origin: string, sshBase?: string): RepoView {
  const full = `${r.owner_login}/${r.name}`;
  return {
    id: Number(r.id),
    name: r.name,
    full_name: full,
    owner: { login: r.owner_login, id: Number(r.owner_id) },
    private: r.private,
    visibility: r.private ? 'private' : 'public',
    description: r.description,
    default_branch: r.default_branch,
    html_url: `${origin}/${full}`,
    clone_url: `${origin}/${full}.git`,
    ssh_url: sshCloneUrl(full, origin, sshBase),
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    pushed_at: r.pushed_at ? r.pushed_at.toISOString() : null,
  };
}

/** Checks a repository name: `[A-Za-z0-9._-]{1,100}`, not `.`/`..`, no `.git` suffix, not reserved. */
export function validateRepoName(name: unknown): string {
  if (typeof name !== 'string' || !/^[A-Za-z0-9._-]{1,100}$/.test(name)) {
    throw AppError.invalid(
      'name must be 1–100 letters, digits, ".", "_" or "-"',
      'repo_name_invalid',
    );
  }
  if (name === '.' || name === '..')
    throw AppError.invalid('name cannot be "." or ".."', 'repo_name_invalid');
  if (name.toLowerCase().endsWith('.git')) {
    throw AppError.invalid('name cannot end in ".git"', 'repo_name_invalid');
  }
  if (isReservedName(name))
    throw AppError.invalid(`"${name}" is a reserved name`, 'repo_name_reserved');
  return name;
}

const text = (field: string, max: number) =>
  z
    .string(`${field} must be text of at most ${max} characters`)
    .max(max, `${field} must be text of at most ${max} characters`)
    .nullish()
    .transform((v) => v ?? undefined);

/** A branch name as git check-ref-format allows it (the parts that matter for a branch). */
const BRANCH_SYNTAX = (b: string): boolean =>
  /^[^\s~^:?*[\\\x00-\x1f\x7f]+$/.test(b) &&
  !/(^[/.]|\/\.|\.\.|\/\/|@\{|\.lock$|[/.]$)/.test(b) &&
  b !== '@';

/**
 * The fields of a repository create or update (API body or settings form). `name` is checked by
 * validateRepoName, which knows the reserved names; each other field's problem is
 * `<field>_invalid`.
 */
export const repoRequest = z.object({
  name: z.unknown().optional(),
  description: text('description', 1000),
  private: z
    .boolean('private must be true or false')
    .nullish()
    .transform((v) => v ?? undefined),
  default_branch: text('default_branch', 200).refine(
    (b) => b === undefined || BRANCH_SYNTAX(b),
    'default_branch is not a valid branch name',
  ),
});

/** Creates a repository owned by the actor. */
export async function createRepo(db: Db, actor: Actor, body: unknown): Promise<RepoRow> {
  requireUser(actor, 'repo:write');
  const input = parseInput(repoRequest, body);
  const name = validateRepoName(input.name);
  const row = await insertRepo(db, {
    ownerId: actor.user.id,
    name,
    description: input.description ?? '',
    private: input.private ?? false,
    defaultBranch: input.default_branch ?? 'main',
  });
  if (!row) throw AppError.conflict(`You already have a repository named ${name}`, 'repo_exists');
  // A new repository taking a name that used to redirect ends that redirect, as on GitHub.
  await endRepoRedirect(db, row.owner_id, row.name);
  return row;
}

/** Whether a user name could exist (control bytes and overlong names never reach the database). */
export const plausibleLogin = (s: string): boolean => /^[A-Za-z0-9._-]{1,100}$/.test(s);

/** Repositories of `owner` the actor may see; undefined when there is no such user. */
export async function listReposOf(
  db: Db,
  actor: Actor,
  owner: string,
  page: Page,
): Promise<{ rows: RepoRow[]; total: number } | undefined> {
  if (!plausibleLogin(owner)) return undefined;
  const u = await findUserByUsername(db, owner);
  if (!u) return undefined;
  // A token without repo:read sees public repositories only.
  const viewer = actor.user && actor.scopes.has('repo:read') ? actor.user.id : null;
  return listReposOfOwner(db, u.id, viewer, rowWindow(page));
}

/** What an update needs to know about the repository's git state: its branch names. */
export type BranchLister = (repo: RepoRow) => Promise<string[]>;

/**
 * Changes name, description, visibility and default branch (admin). A new name leaves a redirect
 * from the old one (db/queries/redirects.ts). The default branch must be one of the repository's
 * branches once it has any; an empty repository may name the branch its first push will make.
 */
export async function updateRepoRecord(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  body: unknown,
  now: Date,
  branches?: BranchLister,
): Promise<RepoRow> {
  let repo = await loadRepoForAction(db, actor, owner, name, 'admin');
  const input = parseInput(repoRequest, body);
  const newName = input.name === undefined ? undefined : validateRepoName(input.name);
  const patch = {
    description: input.description,
    private: input.private,
    defaultBranch: input.default_branch,
  };
  if (
    patch.defaultBranch !== undefined &&
    patch.defaultBranch !== repo.default_branch &&
    branches
  ) {
    const names = await branches(repo);
    if (names.length > 0 && !names.includes(patch.defaultBranch)) {
      throw AppError.invalid(
        `There is no branch named ${patch.defaultBranch}; push it first`,
        'default_branch_missing',
      );
    }
  }
  if (newName !== undefined && newName !== repo.name) {
    const moved = await moveRepo(db, repo, { ownerId: repo.owner_id, name: newName }, now);
    if (!moved) {
      throw AppError.conflict(`A repository named ${newName} already exists`, 'repo_exists');
    }
    repo = moved;
  }
  const updated = await updateRepo(db, repo.id, patch, now);
  if (!updated) throw AppError.notFound('Repository not found', 'repo_not_found');
  return updated;
}

/**
 * Transfers a repository to another user (admin), optionally under a new name; the old
 * `owner/name` keeps redirecting. The new owner stops being a collaborator; nobody else changes.
 */
export async function transferRepoRecord(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  input: { new_owner?: unknown; new_name?: unknown },
  now: Date,
): Promise<RepoRow> {
  const repo = await loadRepoForAction(db, actor, owner, name, 'admin');
  const login = typeof input.new_owner === 'string' ? input.new_owner : '';
  const to = plausibleLogin(login) ? await findUserByUsername(db, login) : undefined;
  if (!to) throw AppError.notFound(`No user named ${login || '(none)'}`, 'user_not_found');
  if (to.id === repo.owner_id) {
    throw AppError.invalid(`${to.username} already owns ${repo.name}`, 'transfer_same_owner');
  }
  const newName =
    input.new_name === undefined || input.new_name === null || input.new_name === ''
      ? repo.name
      : validateRepoName(input.new_name);
  const moved = await moveRepo(db, repo, { ownerId: to.id, name: newName }, now);
  if (!moved) {
    throw AppError.conflict(
      `${to.username} already has a repository named ${newName}`,
      'repo_exists',
    );
  }
  return moved;
}

/**
 * Deletes the record; owner or admin collaborators only. Answers the record and the ids of its
 * runs that may still have live viewers (read before the delete cascades them away).
 */
export async function deleteRepoRecord(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  now: Date,
): Promise<{ repo: RepoRow; streamingRuns: string[] }> {
  const repo = await loadRepoForAction(db, actor, owner, name, 'admin');
  const streamingRuns = await streamingRunsOf(db, repo, now);
  await deleteRepo(db, repo.id);
  return { repo, streamingRuns };
}
