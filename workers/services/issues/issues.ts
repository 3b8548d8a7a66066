/**
 * Issues: open, read, list and search, edit (title, body, state with a reason, labels,
 * assignees, milestone in one PATCH, as on GitHub), lock, pin (at most 3 per repository) and
 * delete. Every change lands on the timeline through events.ts; rules are in access.ts.
 */
import { findMilestone, type MilestoneRow } from '../../../db/queries/issue-meta';
import { recordIssueEdit } from '../../../db/queries/issue-comments';
import {
  countPinned,
  deleteIssue as deleteIssueRow,
  findIssueById,
  insertIssue,
  updateIssue as updateIssueRow,
  type IssueRow,
  type LockReason,
} from '../../../db/queries/issues';
import { landingStateOf, updateLanding as setLandingRow } from '../../../db/queries/landings';
import type { Db } from '../../../db/client';
import { AppError } from '../../../common/errors';
import {
  conversant,
  editorOf,
  holds,
  issueOf,
  participant,
  requireLevel,
  type RepoScope,
} from './access';
import { recordActivity } from './events';
import type { IssueEventKind } from '../../../db/queries/issue-events';
import type { CreateIssueInput, UpdateIssueInput } from './inputs';
import { applyAssignees, applyLabels } from './issue-meta';
import { recordReferences } from './cross-references';
import { findReferences } from './references';
import {
  searchRepoIssues,
  withExtras,
  type IssueSearchResult,
  type IssueWithExtras,
} from './search';

export { withExtras, type IssueWithExtras };

/** A page of issues matching a GitHub-style query, with the open/closed counts of the match. */
export async function listIssues(
  s: RepoScope,
  query: string,
  page: { page: number; perPage: number },
): Promise<IssueSearchResult> {
  return searchRepoIssues(s.db, s.repo.id, query, page);
}

/** A page of the open or closed issues in milestone `m` of the scope's repository, newest first. */
export function milestoneIssues(
  s: RepoScope,
  m: MilestoneRow,
  state: 'open' | 'closed',
  page: { page: number; perPage: number },
): Promise<IssueSearchResult> {
  return searchRepoIssues(
    s.db,
    s.repo.id,
    {
      state,
      milestone: m.title,
      labels: [],
      notLabels: [],
      noAssignee: false,
      noLabel: false,
      text: '',
      sort: 'created',
      direction: 'desc',
    },
    page,
  );
}

export async function getIssue(s: RepoScope, number: number): Promise<IssueWithExtras> {
  const [one] = await withExtras(s.db, s.repo.id, [await issueOf(s, number)]);
  if (!one) throw AppError.notFound('Issue not found', 'issue_not_found');
  return one;
}

async function milestoneId(s: RepoScope, number: number | null): Promise<string | null> {
  if (number === null) return null;
  const m = await findMilestone(s.db, s.repo.id, { number });
  if (!m) throw AppError.invalid(`milestone: there is no milestone ${number}`, 'milestone_invalid');
  return m.id;
}

/**
 * Opens an issue. Labels, assignees and a milestone are applied only for actors with write
 * access (others' are ignored, as on GitHub).
 */
export async function createIssue(s: RepoScope, input: CreateIssueInput): Promise<IssueRow> {
  const user = participant(s);
  const write = holds(s, 'write');
  const issue = await s.db.transaction(async (db) => {
    const t = { ...s, db };
    const row = await insertIssue(db, {
      repoId: s.repo.id,
      authorId: user.id,
      title: input.title,
      body: input.body,
      now: s.now,
    });
    await recordActivity(db, row.id, {
      events: [{ issueId: row.id, actorId: user.id, event: 'opened', now: s.now }],
      mentioned: findReferences(input.body).mentions,
    });
    if (write && input.labels) await applyLabels(t, row, input.labels, 'add');
    if (write && input.assignees) await applyAssignees(t, row, input.assignees, 'add');
    if (write && input.milestone !== undefined && input.milestone !== null) {
      await updateIssueRow(
        db,
        row.id,
        { milestoneId: await milestoneId(t, input.milestone) },
        s.now,
      );
      await recordActivity(db, row.id, {
        events: [
          {
            issueId: row.id,
            actorId: user.id,
            event: 'milestoned',
            data: { milestone: { number: input.milestone } },
            now: s.now,
          },
        ],
      });
    }
    await recordReferences(t, row, input.body, { type: 'issue' });
    return row;
  });
  return (await findIssueById(s.db, issue.id)) ?? issue;
}

/** Keeps a landing request's state with its issue row's (a no-op for a plain issue). */
async function setLandingState(
  db: Db,
  issueId: string,
  state: 'open' | 'closed',
  now: Date,
): Promise<void> {
  if ((await landingStateOf(db, issueId)) !== undefined) {
    await setLandingRow(db, issueId, { state }, now);
  }
}

/** Applies a GitHub-style PATCH, checking each part's permission before writing anything. */
export async function updateIssue(
  s: RepoScope,
  number: number,
  input: UpdateIssueInput,
): Promise<IssueRow> {
  const issue = await issueOf(s, number);
  const user = participant(s);
  if (input.title !== undefined || input.body !== undefined) await editorOf(s, issue.author_id);
  if (input.state !== undefined && input.state !== issue.state) {
    if (issue.author_id !== user.id) await requireLevel(s, 'write');
    // A landing request closed or reopened as an issue keeps its own state in step.
    const landing = await landingStateOf(s.db, issue.id);
    if (landing === 'landed') {
      throw AppError.invalid('This landing request has landed; it can no longer change', 'landed');
    }
  }
  if (input.labels || input.assignees || input.milestone !== undefined) {
    await requireLevel(s, 'write');
  }
  const ms = input.milestone === undefined ? undefined : await milestoneId(s, input.milestone);
  await s.db.transaction(async (db) => {
    const t = { ...s, db };
    const events: Array<{ event: IssueEventKind; data?: Record<string, unknown> }> = [];
    const patch: Parameters<typeof updateIssueRow>[2] = {};
    if (input.title !== undefined && input.title !== issue.title) {
      patch.title = input.title;
      events.push({ event: 'renamed', data: { rename: { from: issue.title, to: input.title } } });
    }
    if (input.body !== undefined && input.body !== issue.body) {
      patch.body = input.body;
      await recordIssueEdit(db, issue.id, issue.body, user.id, s.now);
    }
    if (input.state !== undefined && input.state !== issue.state) {
      patch.state = input.state;
      if (input.state === 'closed') {
        const reason = input.state_reason === 'not_planned' ? 'not_planned' : 'completed';
        patch.stateReason = reason;
        patch.closedById = user.id;
        events.push({ event: 'closed', data: { state_reason: reason } });
      } else {
        patch.stateReason = 'reopened';
        patch.closedById = null;
        events.push({ event: 'reopened' });
      }
    }
    if (ms !== undefined && ms !== issue.milestone_id) {
      patch.milestoneId = ms;
      if (issue.milestone_id !== null) {
        const old = await findMilestone(db, s.repo.id, { id: issue.milestone_id });
        events.push({ event: 'demilestoned', data: { milestone: { title: old?.title ?? '' } } });
      }
      if (ms !== null) {
        const now = await findMilestone(db, s.repo.id, { id: ms });
        events.push({ event: 'milestoned', data: { milestone: { title: now?.title ?? '' } } });
      }
    }
    await updateIssueRow(db, issue.id, patch, s.now);
    if (patch.state !== undefined) await setLandingState(db, issue.id, patch.state, s.now);
    if (input.labels) await applyLabels(t, issue, input.labels, 'set');
    if (input.assignees) await applyAssignees(t, issue, input.assignees, 'set');
    const mentioned = patch.body !== undefined ? findReferences(patch.body).mentions : [];
    await recordActivity(db, issue.id, {
      events: events.map((e) => ({ issueId: issue.id, actorId: user.id, now: s.now, ...e })),
      mentioned,
      actorId: user.id,
      now: s.now,
    });
    if (patch.body !== undefined) await recordReferences(t, issue, patch.body, { type: 'issue' });
  });
  return (await findIssueById(s.db, issue.id)) ?? issue;
}

/** Locks (with an optional reason) or unlocks the conversation: write access. */
export async function setLocked(
  s: RepoScope,
  number: number,
  locked: boolean,
  reason?: LockReason,
): Promise<IssueRow> {
  const issue = await issueOf(s, number);
  await requireLevel(s, 'write');
  const user = participant(s);
  if (issue.locked === locked && (!locked || reason === undefined)) return issue;
  await s.db.transaction(async (db) => {
    await updateIssueRow(
      db,
      issue.id,
      { locked, lockReason: locked ? (reason ?? null) : null },
      s.now,
    );
    await recordActivity(db, issue.id, {
      events: [
        {
          issueId: issue.id,
          actorId: user.id,
          event: locked ? 'locked' : 'unlocked',
          data: locked ? { lock_reason: reason ?? null } : {},
          now: s.now,
        },
      ],
    });
  });
  return (await findIssueById(s.db, issue.id)) ?? issue;
}

export const MAX_PINNED = 3;

/** Pins or unpins an issue: write access; at most three pinned per repository. */
export async function setPinned(s: RepoScope, number: number, pinned: boolean): Promise<IssueRow> {
  const issue = await issueOf(s, number);
  await requireLevel(s, 'write');
  const user = participant(s);
  if ((issue.pinned_at !== null) === pinned) return issue;
  await s.db.transaction(async (db) => {
    // Serialise pinning per repository so two pins cannot both pass the count.
    await db.query(`SELECT id FROM repositories WHERE id = $1 FOR UPDATE`, [s.repo.id]);
    if (pinned && (await countPinned(db, s.repo.id)) >= MAX_PINNED) {
      throw AppError.conflict(
        `At most ${MAX_PINNED} issues can be pinned; unpin one first`,
        'too_many_pinned',
      );
    }
    await updateIssueRow(db, issue.id, { pinned }, s.now);
    await recordActivity(db, issue.id, {
      events: [
        { issueId: issue.id, actorId: user.id, event: pinned ? 'pinned' : 'unpinned', now: s.now },
      ],
    });
  });
  return (await findIssueById(s.db, issue.id)) ?? issue;
}

/** Deletes an issue for good: repository admins only. */
export async function deleteIssue(s: RepoScope, number: number): Promise<void> {
  const issue = await issueOf(s, number);
  await requireLevel(s, 'admin');
  await deleteIssueRow(s.db, issue.id);
}

/** Whether the actor may comment (for pages; the API calls the service and gets its error). */
export function mayComment(s: RepoScope, issue: IssueRow): boolean {
  try {
    conversant(s, issue);
    return true;
  } catch {
    return false;
  }
}
