/**
 * Writes references onto the referenced issues' timelines: from an issue or comment (a
 * `cross-referenced` event) and from a pushed commit (`referenced`, and `closed` for `Fixes #n`
 * reaching the default branch). A reference is recorded only into repositories its author may
 * read, once per source, at most 10 per text.
 */
import type { Db } from '../../../db/client';
import { hasReference } from '../../../db/queries/issue-events';
import {
  findIssue,
  updateIssue as updateIssueRow,
  type IssueRow,
} from '../../../db/queries/issues';
import type { RepoRow } from '../../../db/queries/repositories';
import { AppError } from '../../../common/errors';
import { loadRepoForAction, type Actor } from '../repos/authz';
import type { RepoScope } from './access';
import { recordActivity } from './events';
import { findReferences, type IssueRef } from './references';

const MAX_REFS = 10;

/** The repository and issue a reference names, when it exists and `actor` may read it. */
async function target(
  db: Db,
  actor: Actor,
  from: RepoRow,
  ref: IssueRef,
): Promise<{ repo: RepoRow; issue: IssueRow } | undefined> {
  let repo = from;
  if (ref.owner !== undefined && ref.repo !== undefined) {
    const same =
      ref.owner.toLowerCase() === from.owner_login.toLowerCase() &&
      ref.repo.toLowerCase() === from.name.toLowerCase();
    if (!same) {
      try {
        repo = await loadRepoForAction(db, actor, ref.owner, ref.repo, 'read');
      } catch (err) {
        if (err instanceof AppError) return undefined;
        throw err;
      }
    }
  }
  const issue = await findIssue(db, repo.id, ref.number);
  return issue ? { repo, issue } : undefined;
}

/** Records that `source` (an issue's body or one of its comments) references other issues. */
export async function recordReferences(
  s: RepoScope,
  source: IssueRow,
  text: string,
  via: { type: 'issue' } | { type: 'comment'; id: string },
): Promise<void> {
  const refs = findReferences(text).issues.slice(0, MAX_REFS);
  for (const ref of refs) {
    const t = await target(s.db, s.actor, s.repo, ref);
    if (!t || t.issue.id === source.id) continue;
    const key = `issue:${source.id}`;
    if (await hasReference(s.db, t.issue.id, key)) continue;
    await recordActivity(s.db, t.issue.id, {
      events: [
        {
          issueId: t.issue.id,
          actorId: s.actor.user?.id ?? null,
          event: 'cross-referenced',
          sourceRepoId: s.repo.id,
          data: {
            key,
            source: {
              type: via.type,
              ...(via.type === 'comment' ? { comment_id: Number(via.id) } : {}),
              issue: {
                number: source.number,
                title: source.title,
                repository: `${s.repo.owner_login}/${s.repo.name}`,
              },
            },
          },
          now: s.now,
        },
      ],
    });
  }
}

export interface PushedCommit {
  id: string;
  message: string;
  /** Whether the commit reached the repository's default branch in this push. */
  onDefaultBranch: boolean;
}

/**
 * Records references from pushed commits onto issues of the same repository (and of others
 * the pusher may read), and closes issues named by a closing keyword in a commit that reached
 * the default branch. Returns the numbers of the issues closed.
 */
export async function recordCommitReferences(
  db: Db,
  actor: Actor,
  repo: RepoRow,
  commits: PushedCommit[],
  now: Date,
): Promise<number[]> {
  const closed: number[] = [];
  for (const commit of commits.slice(0, 100)) {
    const refs = findReferences(commit.message).issues.slice(0, MAX_REFS);
    for (const ref of refs) {
      const t = await target(db, actor, repo, ref);
      if (!t) continue;
      const key = `commit:${commit.id}`;
      const summary = commit.message.split('\n', 1)[0]?.slice(0, 200) ?? '';
      if (!(await hasReference(db, t.issue.id, key))) {
        await recordActivity(db, t.issue.id, {
          events: [
            {
              issueId: t.issue.id,
              actorId: actor.user?.id ?? null,
              event: 'referenced',
              sourceRepoId: repo.id,
              data: {
                key,
                commit_id: commit.id,
                commit_url: `/${repo.owner_login}/${repo.name}/commit/${commit.id}`,
                message: summary,
              },
              now,
            },
          ],
        });
      }
      // Only commits in this repository close its issues (as GitHub does for default branches).
      const sameRepo = t.repo.id === repo.id;
      if (ref.closes && commit.onDefaultBranch && sameRepo && t.issue.state === 'open') {
        await updateIssueRow(
          db,
          t.issue.id,
          { state: 'closed', stateReason: 'completed', closedById: actor.user?.id ?? null },
          now,
        );
        await recordActivity(db, t.issue.id, {
          events: [
            {
              issueId: t.issue.id,
              actorId: actor.user?.id ?? null,
              event: 'closed',
              data: { state_reason: 'completed', commit_id: commit.id },
              now,
            },
          ],
        });
        t.issue.state = 'closed';
        closed.push(t.issue.number);
      }
    }
  }
  return closed;
}
