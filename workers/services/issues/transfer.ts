/**
 * Transferring an issue to another repository the actor can write (write access on both), and
 * finding where a transferred issue went, for redirects that only lead where the viewer may read.
 */
import { findIssueById, takeNumber, type IssueRow } from '../../../db/queries/issues';
import { findTransfer, moveIssue } from '../../../db/queries/issue-transfers';
import { findRepoById } from '../../../db/queries/repositories';
import { AppError } from '../../../common/errors';
import { authorize, loadRepoForAction } from '../repos/authz';
import { issueOf, participant, requireLevel, type RepoScope } from './access';
import { recordActivity } from './events';

/** Moves issue `number` to `target` ("owner/name"); returns it in its new repository. */
export async function transferIssue(
  s: RepoScope,
  number: number,
  target: string,
): Promise<{ issue: IssueRow; repoPath: string }> {
  const issue = await issueOf(s, number);
  await requireLevel(s, 'write');
  const user = participant(s);
  const [owner = '', name = '', extra] = target.split('/');
  if (extra !== undefined || owner === '' || name === '') {
    throw AppError.invalid('new_repository: must be owner/name', 'new_repository_invalid');
  }
  const to = await loadRepoForAction(s.db, s.actor, owner, name, 'write');
  if (to.id === s.repo.id) {
    throw AppError.invalid('new_repository: the issue is already there', 'new_repository_invalid');
  }
  if (s.repo.private && !to.private) {
    // As on GitHub: a private conversation is never made public by moving it.
    throw AppError.invalid(
      'new_repository: an issue cannot move from a private repository to a public one',
      'new_repository_invalid',
    );
  }
  const from = `${s.repo.owner_login}/${s.repo.name}`;
  const into = `${to.owner_login}/${to.name}`;
  await s.db.transaction(async (db) => {
    const n = await takeNumber(db, to.id);
    await moveIssue(db, issue, to.id, n, s.now);
    await recordActivity(db, issue.id, {
      events: [
        {
          issueId: issue.id,
          actorId: user.id,
          event: 'transferred',
          // Shown only to viewers who can read the repository it came from.
          sourceRepoId: s.repo.id,
          data: {
            from: { repository: from, number: issue.number },
            to: { repository: into, number: n },
          },
          now: s.now,
        },
      ],
    });
  });
  const moved = await findIssueById(s.db, issue.id);
  if (!moved) throw AppError.notFound('Issue not found', 'issue_not_found');
  return { issue: moved, repoPath: into };
}

/**
 * Where issue `number` of the scope's repository now lives ("owner/name" and number) when it
 * was transferred and the viewer may read its new repository; undefined otherwise.
 */
export async function transferredTo(
  s: RepoScope,
  number: number,
): Promise<{ repoPath: string; number: number } | undefined> {
  const t = Number.isSafeInteger(number) ? await findTransfer(s.db, s.repo.id, number) : undefined;
  const issue = t ? await findIssueById(s.db, t.issue_id) : undefined;
  const repo = issue ? await findRepoById(s.db, issue.repo_id) : undefined;
  if (!issue || !repo) return undefined;
  try {
    await authorize(s.db, s.actor, 'read', repo);
  } catch (err) {
    if (err instanceof AppError) return undefined;
    throw err;
  }
  return { repoPath: `${repo.owner_login}/${repo.name}`, number: issue.number };
}
