/**
 * Who may do what to issues, on top of the one authorisation service (repos/authz.ts):
 * anyone who can read the repository opens issues and comments (not on a locked issue unless
 * they have write access); labels, assignees, milestones, closing other people's issues,
 * locking and pinning need write; authors edit their own text; deleting needs admin.
 * A repository the actor cannot read is "not found", as everywhere.
 */
import type { Db } from '../../../db/client';
import type { RepoRow } from '../../../db/queries/repositories';
import { findIssue, type IssueRow } from '../../../db/queries/issues';
import { AppError } from '../../../common/errors';
import { authorize, loadRepoForAction, roleOn, type Actor, type Level } from '../repos/authz';

/** What every issue operation works with: the repository, the actor and their role on it. */
export interface RepoScope {
  db: Db;
  actor: Actor;
  repo: RepoRow;
  role: Level;
  now: Date;
}

const RANK: Record<Level, number> = { none: 0, read: 1, write: 2, admin: 3 };

/** Loads `owner/name` readable by the actor (404 otherwise) with the actor's role on it. */
export async function repoScope(
  db: Db,
  actor: Actor,
  owner: string,
  name: string,
  now: Date,
): Promise<RepoScope> {
  const repo = await loadRepoForAction(db, actor, owner, name, 'read');
  const role = actor.user ? await roleOn(db, actor, repo) : repo.private ? 'none' : 'read';
  return { db, actor, repo, role, now };
}

/** The issue `number` of the scope's repository, or 404. */
export async function issueOf(s: RepoScope, number: number): Promise<IssueRow> {
  const issue = Number.isSafeInteger(number) ? await findIssue(s.db, s.repo.id, number) : undefined;
  if (!issue) throw AppError.notFound('Issue not found', 'issue_not_found');
  return issue;
}

/** Whether the actor holds at least `level` (role and token scope both), without throwing. */
export function holds(s: RepoScope, level: 'write' | 'admin'): boolean {
  if (!s.actor.user || RANK[s.role] < RANK[level]) return false;
  return s.actor.scopes.has(level === 'admin' ? 'admin' : 'repo:write');
}

/** Throws unless the actor holds `level` on the repository (401/403 as authz answers). */
export async function requireLevel(s: RepoScope, level: 'write' | 'admin'): Promise<void> {
  await authorize(s.db, s.actor, level, s.repo);
}

/** The signed-in user who may take part (open, comment, react): a token needs repo:write. */
export function participant(s: RepoScope): { id: string } {
  const user = s.actor.user;
  if (!user) throw AppError.unauthenticated('Sign in or pass a token to do that', 'auth_required');
  if (!s.actor.scopes.has('repo:write')) {
    throw AppError.forbidden('This token lacks the repo:write scope', 'token_scope_missing');
  }
  return user;
}

/** Takes part in an issue's conversation: refused on a locked issue without write access. */
export function conversant(s: RepoScope, issue: IssueRow): { id: string } {
  const user = participant(s);
  if (issue.locked && !holds(s, 'write')) {
    throw AppError.forbidden(
      'This conversation is locked; only collaborators with write access may comment',
      'issue_locked',
    );
  }
  return user;
}

/** Edits text written by `authorId`: its author, or anyone with write access. */
export async function editorOf(s: RepoScope, authorId: string | null): Promise<{ id: string }> {
  const user = participant(s);
  if (authorId !== user.id) await requireLevel(s, 'write');
  return user;
}

/** What the viewer may do on an issue page (buttons not shown otherwise). */
export interface IssuePermissions {
  comment: boolean;
  triage: boolean;
  close: boolean;
  edit: boolean;
  admin: boolean;
}

export function issuePermissions(s: RepoScope, issue: IssueRow): IssuePermissions {
  const signedIn = s.actor.user !== undefined && s.actor.scopes.has('repo:write');
  const write = holds(s, 'write');
  const own = signedIn && issue.author_id === s.actor.user?.id;
  return {
    comment: signedIn && (!issue.locked || write),
    triage: write,
    close: write || own,
    edit: write || own,
    admin: holds(s, 'admin'),
  };
}
