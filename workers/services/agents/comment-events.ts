/**
 * `issue_comment` workflow events: a comment on an issue or a landing request starts the
 * workflows whose `issue_comment(contains=…)` trigger it matches (e.g. `@plue`). The event
 * carries the thread (title, body, recent comments; for a landing also its branches and head,
 * as GitHub's carries `issue.pull_request`) as data for an agent's prompt; it runs at the
 * default branch's head (the workflow and prompt files people have landed, never a landing's). Comments of the agent account start nothing (no reply loops).
 */
import type { Db } from '../../../db/client';
import { listComments, type CommentRow } from '../../../db/queries/issue-comments';
import { findLanding, listRevisions } from '../../../db/queries/landings';
import type { IssueRow } from '../../../db/queries/issues';
import type { RepoRow } from '../../../db/queries/repositories';
import { insertEvent, type EventRow } from '../../../db/queries/workflow-events';
import { listWorkflows } from '../../../db/queries/workflows';
import type { Env } from '../../env';
import { refNamed } from '../browse/resolve-ref';
import { gitRepoContext } from '../git/repo-context';
import { ringClaims } from '../runs/claim-bell';
import { isAgentAccount } from './agent-account';

/** Comments of the thread the event carries (the most recent), and bytes per text. */
const THREAD_COMMENTS = 30;
const TEXT_BYTES = 8 * 1024;

const clip = (s: string): string => (s.length > TEXT_BYTES ? `${s.slice(0, TEXT_BYTES)}…` : s);

/** Whether a valid workflow of the repository has an issue_comment trigger this body matches. */
export function commentTriggerMatches(triggers: unknown[], body: string): boolean {
  return triggers.some((t) => {
    if (!t || typeof t !== 'object') return false;
    const o = t as { type?: unknown; contains?: unknown };
    if (o.type !== 'issue_comment') return false;
    return typeof o.contains !== 'string' || body.toLowerCase().includes(o.contains.toLowerCase());
  });
}

/** Whether a comment starting `@plue` would start a run here (pages show "Ask @plue" then). */
export async function answersMentions(db: Db, repoId: string): Promise<boolean> {
  const workflows = await listWorkflows(db, repoId);
  return workflows.some((w) => w.error === null && commentTriggerMatches(w.triggers, '@plue'));
}

/** Records an issue_comment event for `comment` when a workflow listens for it. */
export async function recordCommentEvent(
  db: Db,
  env: Env,
  repo: RepoRow,
  issue: IssueRow,
  comment: CommentRow,
): Promise<EventRow | undefined> {
  if (comment.author_id === null || (await isAgentAccount(db, comment.author_id))) return;
  const workflows = await listWorkflows(db, repo.id);
  if (!workflows.some((w) => w.error === null && commentTriggerMatches(w.triggers, comment.body)))
    return;
  const ctx = gitRepoContext(env, {
    id: repo.id,
    fullName: `${repo.owner_login}/${repo.name}`,
    defaultBranch: repo.default_branch,
  });
  const head = refNamed(await ctx.refs.state(repo.default_branch), repo.default_branch);
  if (!head) return;
  const { total } = await listComments(db, issue.id, { limit: 1, offset: 0 });
  const { rows: recent } = await listComments(db, issue.id, {
    limit: THREAD_COMMENTS,
    offset: Math.max(0, total - THREAD_COMMENTS),
  });
  const landing = await findLanding(db, repo.id, issue.number);
  const revision = landing ? (await listRevisions(db, landing.id)).pop() : undefined;
  const event = await insertEvent(db, {
    repoId: repo.id,
    type: 'issue_comment',
    ref: head.name,
    beforeSha: null,
    afterSha: head.oid,
    actorId: comment.author_id,
    payload: {
      action: 'created',
      issue: {
        number: issue.number,
        title: clip(issue.title),
        body: clip(issue.body),
        author: issue.author_login,
        is_landing: landing !== undefined,
        comments_total: total,
        // GitHub's issue_comment on a pull request carries `issue.pull_request`; a landing's
        // comment carries its branches and head here (the run itself is at the default branch).
        ...(landing
          ? {
              landing: {
                number: landing.number,
                state: landing.landing_state,
                head_ref: landing.source_branch,
                head_sha: revision?.head_oid ?? null,
                base_ref: landing.target_branch,
                revision: revision?.number ?? null,
              },
            }
          : {}),
      },
      comment: { id: comment.id, body: clip(comment.body), author: comment.author_login },
      thread: recent.map((c) => ({ id: c.id, author: c.author_login, body: clip(c.body) })),
    },
  });
  await ringClaims(env);
  return event;
}
