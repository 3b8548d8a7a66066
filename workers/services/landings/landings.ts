/**
 * Landing requests after authorisation (issues/access.ts rules: read to view and comment, the
 * author or write to edit and change state): list with counts per state, open from a branch or
 * from a change id (or a unique prefix of one, change-source.ts), read, update (title, body, draft, state, target), and the revisions with
 * their commits and changed files. Opening creates `refs/landings/<n>/1` through RepoObject's
 * compare-and-swap before the rows are written (record.ts).
 */
import { ZERO_OID } from '../../../common/git/refs';
import { AppError } from '../../../common/errors';
import type { Commit } from '../../../common/git/object';
import { takeNumber, updateIssue as updateIssueRow } from '../../../db/queries/issues';
import {
  countLandings,
  findLanding,
  findOpenLandingByChange,
  isLandingNumber,
  listLandings as listLandingRows,
  listRevisions,
  updateLanding as updateLandingRow,
  type LandingRow,
  type LandingState,
  type RevisionRow,
} from '../../../db/queries/landings';
import type { IssueEventKind } from '../../../db/queries/issue-events';
import type { RepoState } from '../../../durable-objects/formats';
import type { Env } from '../../env';
import { diffTreesFull, type TreeDiff } from '../browse/diff/file-diff';
import { readCommit, type ObjectReader } from '../browse/objects';
import { gitRepoContext, openObjects, type GitRepoContext } from '../git/repo-context';
import { editorOf, participant, requireLevel, type RepoScope } from '../issues/access';
import { recordActivity } from '../issues/events';
import { findReferences } from '../issues/references';
import { ringClaims } from '../runs/claim-bell';
import type { CreateLandingInput, UpdateLandingInput } from './inputs';
import { openLandingRows, recordLandingEvent, revisionRef, type RevisionFacts } from './record';
import { titleAndBody } from './push-review';
import { readStack, type StackCommit } from './stack-walk';
import { CHANGE_PREFIX, resolveChangeSource } from './change-source';

export type { LandingRow };

export interface LandingScope extends RepoScope {
  env: Env;
}

/** The landing `number` of the scope's repository, or 404. */
export async function landingOf(s: RepoScope, number: number): Promise<LandingRow> {
  const l = Number.isSafeInteger(number) ? await findLanding(s.db, s.repo.id, number) : undefined;
  if (!l) throw AppError.notFound('Landing request not found', 'landing_not_found');
  return l;
}

/** Whether number `number` of the repository is a landing (issue pages redirect to it). */
export function isLanding(s: RepoScope, number: number): Promise<boolean> {
  return isLandingNumber(s.db, s.repo.id, number);
}

export async function listLandings(
  s: RepoScope,
  state: LandingState | 'all',
  page: { page: number; perPage: number },
): Promise<{ items: LandingRow[]; counts: Record<LandingState, number>; total: number }> {
  const counts = await countLandings(s.db, s.repo.id);
  const items = await listLandingRows(s.db, s.repo.id, state === 'all' ? undefined : state, {
    limit: page.perPage,
    offset: (page.page - 1) * page.perPage,
  });
  const total = state === 'all' ? counts.open + counts.closed + counts.landed : counts[state];
  return { items, counts, total };
}

export async function revisionsOf(s: RepoScope, number: number): Promise<RevisionRow[]> {
  return listRevisions(s.db, (await landingOf(s, number)).id);
}

/** Revision `rev` of the landing (its latest when undefined), or 404. */
export async function revisionOf(
  s: RepoScope,
  number: number,
  rev?: number,
): Promise<{ landing: LandingRow; revision: RevisionRow; revisions: RevisionRow[] }> {
  const landing = await landingOf(s, number);
  const revisions = await listRevisions(s.db, landing.id);
  const revision =
    rev === undefined ? revisions[revisions.length - 1] : revisions.find((r) => r.number === rev);
  if (!revision) throw AppError.notFound('Revision not found', 'revision_not_found');
  return { landing, revision, revisions };
}

function gitOf(s: LandingScope): GitRepoContext {
  return gitRepoContext(s.env, {
    id: s.repo.id,
    fullName: `${s.repo.owner_login}/${s.repo.name}`,
    defaultBranch: s.repo.default_branch,
  });
}

/** The repository's refs and objects, for reading commits. */
export async function objectsOf(
  s: LandingScope,
): Promise<{ ctx: GitRepoContext; state: RepoState; objects: ObjectReader }> {
  const ctx = gitOf(s);
  const state = await ctx.refs.state(s.repo.default_branch);
  return { ctx, state, objects: await openObjects(ctx, state) };
}

/** The commits of a revision (base..head), oldest first. */
export async function revisionCommits(
  objects: ObjectReader,
  revision: RevisionRow,
): Promise<StackCommit[]> {
  const stack = await readStack(objects, revision.base_oid, revision.head_oid, { linear: false });
  return stack.ok ? stack.commits : [];
}

/** The files a revision changes: its base's tree against its head's. */
export async function revisionFiles(
  objects: ObjectReader,
  revision: RevisionRow,
): Promise<TreeDiff> {
  const [base, head] = [
    await readCommit(objects, revision.base_oid),
    await readCommit(objects, revision.head_oid),
  ];
  return diffTreesFull(objects, base.tree, head.tree);
}

const branchTip = (state: RepoState, branch: string): string | undefined =>
  state.refs.find((r) => r.name === `refs/heads/${branch}`)?.oid;

/** What a new landing starts from: its first revision and default title. */
async function startOf(
  s: LandingScope,
  input: CreateLandingInput,
): Promise<{
  rev: RevisionFacts;
  head: Commit;
  ctx: GitRepoContext;
  sourceBranch: string | null;
}> {
  const { ctx, state, objects } = await objectsOf(s);
  const tip = branchTip(state, input.base);
  if (tip === undefined) {
    throw AppError.invalid(`base: there is no branch ${input.base}`, 'base_invalid');
  }
  // A change id (or a unique prefix of one): given as change_id, or as a head that is no branch.
  const headBranch = input.head === undefined ? undefined : branchTip(state, input.head);
  const change =
    input.change_id ??
    (headBranch === undefined && CHANGE_PREFIX.test(input.head ?? '') ? input.head : undefined);
  if (change !== undefined) {
    const field = input.change_id !== undefined ? 'change_id' : 'head';
    const found = await resolveChangeSource(objects, state, input.base, change, field);
    return {
      ctx,
      head: found.sc.commit,
      sourceBranch: null,
      rev: {
        headOid: found.sc.oid,
        baseOid: found.base,
        targetOid: tip,
        changeId: found.changeId,
        parentChangeId: found.parentChange,
      },
    };
  }
  const head = headBranch;
  if (head === undefined)
    throw AppError.invalid(
      `head: there is no branch ${input.head} (a change id or its prefix is accepted too)`,
      'head_invalid',
    );
  const stack = await readStack(objects, tip, head, { linear: false });
  if (!stack.ok) throw AppError.invalid(`head: ${stack.reason}`, 'head_invalid');
  const top = stack.commits[stack.commits.length - 1] as StackCommit; // ok: at least one
  return {
    ctx,
    head: top.commit,
    sourceBranch: input.head ?? null,
    rev: {
      headOid: head,
      baseOid: stack.base,
      targetOid: tip,
      changeId: null,
      parentChangeId: null,
    },
  };
}

/** Creates `refs/landings/<n>/<rev>` at `oid` (conflict when the ref exists already). */
export async function createRevisionRef(
  ctx: GitRepoContext,
  number: number,
  rev: number,
  oid: string,
): Promise<void> {
  const out = await ctx.refs.push({
    commands: [{ ref: revisionRef(number, rev), oldOid: ZERO_OID, newOid: oid }],
    atomic: true,
    defaultBranch: ctx.repo.defaultBranch,
  });
  if (!out.results[0]?.ok) {
    throw AppError.conflict(
      `Could not record revision ${rev}: ${out.results[0]?.reason ?? 'ref update failed'}`,
      'revision_conflict',
    );
  }
}

/** Opens a landing from a branch (`head`) or a change (`change_id`) onto `base`. */
export async function createLanding(
  s: LandingScope,
  input: CreateLandingInput,
): Promise<LandingRow> {
  const user = participant(s);
  const start = await startOf(s, input);
  const key = start.rev.changeId;
  if (key !== null && (await findOpenLandingByChange(s.db, s.repo.id, input.base, key))) {
    throw AppError.conflict(
      `An open landing request already tracks change ${key} onto ${input.base}`,
      'landing_exists',
    );
  }
  const text = titleAndBody(start.head.message);
  const number = await takeNumber(s.db, s.repo.id);
  await createRevisionRef(start.ctx, number, 1, start.rev.headOid);
  await s.db.transaction((db) =>
    openLandingRows(
      db,
      {
        repoId: s.repo.id,
        number,
        authorId: user.id,
        title: input.title ?? text.title,
        body: input.body ?? (input.title === undefined ? text.body : ''),
        targetBranch: input.base,
        sourceBranch: start.sourceBranch,
        changeId: key,
        topic: null,
        draft: input.draft,
        now: s.now,
      },
      start.rev,
    ),
  );
  await ringClaims(s.env);
  return landingOf(s, number);
}

/** Applies a PATCH: text by its author or writers; state, draft and target likewise. */
export async function updateLanding(
  s: LandingScope,
  number: number,
  input: UpdateLandingInput,
): Promise<LandingRow> {
  const landing = await landingOf(s, number);
  const user = await editorOf(s, landing.author_id);
  if (
    landing.landing_state === 'landed' &&
    (input.state !== undefined || input.base !== undefined)
  ) {
    throw AppError.invalid('This landing request has landed; it can no longer change', 'landed');
  }
  if (input.base !== undefined && input.base !== landing.target_branch) {
    const { state } = await objectsOf(s);
    if (branchTip(state, input.base) === undefined) {
      throw AppError.invalid(`base: there is no branch ${input.base}`, 'base_invalid');
    }
  }
  const reopen = input.state === 'open' && landing.landing_state === 'closed';
  if (reopen && landing.change_id !== null) {
    const other = await findOpenLandingByChange(
      s.db,
      s.repo.id,
      input.base ?? landing.target_branch,
      landing.change_id,
    );
    if (other) {
      throw AppError.conflict(
        `Landing !${other.number} already tracks this change`,
        'landing_exists',
      );
    }
  }
  await s.db.transaction(async (db) => {
    const events: Array<{ event: IssueEventKind; data?: Record<string, unknown> }> = [];
    const issuePatch: Parameters<typeof updateIssueRow>[2] = {};
    if (input.title !== undefined && input.title !== landing.title) {
      issuePatch.title = input.title;
      events.push({ event: 'renamed', data: { rename: { from: landing.title, to: input.title } } });
    }
    if (input.body !== undefined && input.body !== landing.body) issuePatch.body = input.body;
    const closing = input.state === 'closed' && landing.landing_state === 'open';
    if (closing || reopen) {
      issuePatch.state = closing ? 'closed' : 'open';
      issuePatch.stateReason = closing ? 'not_planned' : 'reopened';
      issuePatch.closedById = closing ? user.id : null;
      events.push({ event: closing ? 'closed' : 'reopened' });
    }
    if (input.draft !== undefined && input.draft !== landing.draft) {
      events.push({ event: input.draft ? 'converted_to_draft' : 'ready_for_review' });
    }
    if (input.base !== undefined && input.base !== landing.target_branch) {
      events.push({
        event: 'target_changed',
        data: { from: landing.target_branch, to: input.base },
      });
    }
    await updateIssueRow(db, landing.id, issuePatch, s.now);
    await updateLandingRow(
      db,
      landing.id,
      {
        ...(input.base !== undefined ? { targetBranch: input.base } : {}),
        ...(input.draft !== undefined ? { draft: input.draft } : {}),
        ...(closing || reopen ? { state: closing ? 'closed' : 'open' } : {}),
      },
      s.now,
    );
    await recordActivity(db, landing.id, {
      events: events.map((e) => ({ issueId: landing.id, actorId: user.id, now: s.now, ...e })),
      mentioned: issuePatch.body !== undefined ? findReferences(issuePatch.body).mentions : [],
      actorId: user.id,
      now: s.now,
    });
    if (closing) {
      const last = (await listRevisions(db, landing.id)).pop();
      if (last) {
        await recordLandingEvent(
          db,
          {
            repoId: s.repo.id,
            number: landing.number,
            target: input.base ?? landing.target_branch,
            revision: last.number,
            head: last.head_oid,
          },
          'closed',
          user.id,
        );
      }
    }
  });
  if (input.state === 'closed' && landing.landing_state === 'open') await ringClaims(s.env);
  return landingOf(s, number);
}

/** Whether the viewer may change the landing's state (for pages). */
export async function mayManage(s: RepoScope, landing: LandingRow): Promise<boolean> {
  if (!s.actor.user) return false;
  if (landing.author_id === s.actor.user.id && s.actor.scopes.has('repo:write')) return true;
  try {
    await requireLevel(s, 'write');
    return true;
  } catch {
    return false;
  }
}
