/**
 * Review comments on a landing's code (docs/design/landing-requests.md §4): written on a line
 * range of one side (base or head) of a revision, with the hash of the anchored text; shown on
 * any other revision by porting (engine/port-comment.ts) while the thread is unresolved, and
 * flagged outdated when the text under it changed. Replies join the thread of the first comment;
 * the thread's author or a writer resolves it. Who may comment: as for issue comments.
 */
import { AppError } from '../../../common/errors';
import {
  deleteLineComment as deleteRow,
  findLineComment,
  insertLineComment,
  listLineComments,
  setResolved,
  updateLineCommentBody,
  type CommentSide,
  type LineCommentRow,
} from '../../../db/queries/landing-comments';
import type { RevisionRow } from '../../../db/queries/landings';
import { findIssueById } from '../../../db/queries/issues';
import { entryAt, readBlob, readCommit, splitPath, type ObjectReader } from '../browse/objects';
import { conversant, editorOf } from '../issues/access';
import { recordActivity } from '../issues/events';
import { findReferences } from '../issues/references';
import type { LineCommentInput } from './comment-inputs';
import { anchorHash, fileLines, portCommentToRevision } from './engine/port-comment';
import { landingOf, objectsOf, revisionOf, type LandingRow, type LandingScope } from './landings';

export type { LineCommentRow, RevisionRow };

/** A comment as shown on one revision. */
export interface ShownComment {
  row: LineCommentRow;
  /** The revision it is shown on. */
  shownOn: RevisionRow;
  /** Where it sits on that revision; absent when not shown there (resolved, or file gone). */
  startLine?: number;
  endLine?: number;
  /** The text under it on that revision is not the text it was written on. */
  outdated: boolean;
  /** The thread's first comment (itself for a first comment). */
  root: LineCommentRow;
}

/** The lines of `path` on `side` of `revision`, or undefined when it is not a file there. */
export async function linesAt(
  objects: ObjectReader,
  revision: RevisionRow,
  side: CommentSide,
  path: string,
): Promise<string[] | undefined> {
  const commit = await readCommit(objects, side === 'head' ? revision.head_oid : revision.base_oid);
  const e = await entryAt(objects, commit.tree, splitPath(path));
  if (!e || e.kind !== 'blob') return undefined;
  return fileLines(await readBlob(objects, e.oid));
}

/** Every comment of landing `number`, placed on revision `rev` (the latest when undefined). */
export async function lineCommentsOf(
  s: LandingScope,
  number: number,
  rev?: number,
): Promise<{ landing: LandingRow; revision: RevisionRow; comments: ShownComment[] }> {
  const { landing, revision, revisions } = await revisionOf(s, number, rev);
  const rows = await listLineComments(s.db, landing.id);
  const byId = new Map(rows.map((r) => [r.id, r]));
  const roots = rows.filter((r) => r.in_reply_to === null);
  const placed = new Map<string, { startLine?: number; endLine?: number; outdated: boolean }>();
  let objects: ObjectReader | undefined;
  for (const root of roots) {
    if (root.revision_id === revision.id) {
      placed.set(root.id, { startLine: root.start_line, endLine: root.end_line, outdated: false });
      continue;
    }
    if (root.resolved_at !== null) {
      placed.set(root.id, { outdated: false });
      continue;
    }
    const from = revisions.find((r) => r.id === root.revision_id);
    if (!from) continue;
    objects ??= (await objectsOf(s)).objects;
    const ported = await portCommentToRevision(
      objects,
      {
        path: root.path,
        side: root.side,
        startLine: root.start_line,
        endLine: root.end_line,
        textHash: root.text_hash,
      },
      { head: from.head_oid, base: from.base_oid },
      { head: revision.head_oid, base: revision.base_oid },
    );
    placed.set(root.id, ported);
  }
  const comments: ShownComment[] = [];
  for (const row of rows) {
    const root = row.in_reply_to === null ? row : byId.get(row.in_reply_to);
    const at = root ? placed.get(root.id) : undefined;
    if (!root || !at) continue;
    comments.push({ row, root, shownOn: revision, ...at });
  }
  return { landing, revision, comments };
}

/** A review comment of this repository by id, with its landing, or 404. */
export async function lineCommentOf(
  s: LandingScope,
  id: string,
): Promise<{ landing: LandingRow; comment: LineCommentRow }> {
  const comment = /^\d{1,18}$/.test(id) ? await findLineComment(s.db, id) : undefined;
  const issue = comment ? await findIssueById(s.db, comment.landing_id) : undefined;
  if (!comment || !issue || issue.repo_id !== s.repo.id) {
    throw AppError.notFound('Review comment not found', 'review_comment_not_found');
  }
  return { landing: await landingOf(s, issue.number), comment };
}

/** Where a new comment goes: a reply's thread, or a line range of a revision's file. */
async function anchorOf(
  s: LandingScope,
  number: number,
  input: LineCommentInput,
): Promise<{ landing: LandingRow; anchor: Omit<LineCommentRow, 'id' | 'body'> | LineCommentRow }> {
  if ('in_reply_to' in input) {
    const { landing, comment } = await lineCommentOf(s, String(input.in_reply_to));
    if (landing.number !== number) {
      throw AppError.invalid('in_reply_to names a comment of another landing', 'invalid_reply');
    }
    const root =
      comment.in_reply_to === null ? comment : await findLineComment(s.db, comment.in_reply_to);
    if (!root) throw AppError.notFound('Review comment not found', 'review_comment_not_found');
    return { landing, anchor: root };
  }
  const { landing, revision, revisions } = await revisionOf(s, number, input.revision);
  const at = input.commit_id ? revisions.find((r) => r.head_oid === input.commit_id) : revision;
  if (!at) throw AppError.invalid('commit_id is not the head of a revision', 'invalid_commit');
  const side: CommentSide = input.side === 'LEFT' ? 'base' : 'head';
  const start = input.start_line ?? input.line;
  if (start > input.line) throw AppError.invalid('start_line is after line', 'invalid_line');
  const { objects } = await objectsOf(s);
  const lines = await linesAt(objects, at, side, input.path);
  if (!lines) throw AppError.invalid(`${input.path} is not a file on that side`, 'invalid_path');
  if (input.line > lines.length) {
    throw AppError.invalid(`${input.path} has ${lines.length} lines on that side`, 'invalid_line');
  }
  const anchor = {
    landing_id: landing.id,
    revision_id: at.id,
    revision_number: at.number,
    in_reply_to: null,
    review_id: null,
    path: input.path,
    side,
    start_line: start,
    end_line: input.line,
    text_hash: anchorHash(lines.slice(start - 1, input.line)),
    author_id: null,
    author_login: null,
    resolved_by_login: null,
    resolved_at: null,
    created_at: s.now,
    updated_at: s.now,
  };
  return { landing, anchor };
}

/** Writes a review comment (or reply), records it on the timeline and notifies mentions. */
export async function createLineComment(
  s: LandingScope,
  number: number,
  input: LineCommentInput,
): Promise<LineCommentRow> {
  const { landing, anchor } = await anchorOf(s, number, input);
  const user = conversant(s, landing);
  const replyTo = 'id' in anchor ? anchor.id : null;
  return s.db.transaction(async (db) => {
    const c = await insertLineComment(db, {
      landingId: landing.id,
      revisionId: anchor.revision_id,
      inReplyTo: replyTo,
      path: anchor.path,
      side: anchor.side,
      startLine: anchor.start_line,
      endLine: anchor.end_line,
      textHash: anchor.text_hash,
      body: input.body,
      authorId: user.id,
      now: s.now,
    });
    await recordActivity(db, landing.id, {
      events: [
        {
          issueId: landing.id,
          actorId: user.id,
          event: 'line_commented',
          data: {
            comment_id: Number(c.id),
            path: c.path,
            line: c.end_line,
            side: c.side,
            revision: c.revision_number,
            in_reply_to: replyTo === null ? null : Number(replyTo),
          },
          now: s.now,
        },
      ],
      mentioned: findReferences(input.body).mentions,
    });
    return c;
  });
}

/** Edits a review comment (its author, or write access). */
export async function editLineComment(
  s: LandingScope,
  id: string,
  body: string,
): Promise<LineCommentRow> {
  const { landing, comment } = await lineCommentOf(s, id);
  conversant(s, landing);
  const user = await editorOf(s, comment.author_id);
  if (body === comment.body) return comment;
  await s.db.transaction(async (db) => {
    await updateLineCommentBody(db, comment.id, body, s.now);
    await recordActivity(db, landing.id, {
      events: [],
      mentioned: findReferences(body).mentions,
      actorId: user.id,
      now: s.now,
    });
  });
  return (await findLineComment(s.db, comment.id)) ?? comment;
}

/** Deletes a review comment (its author, or write access); a first comment takes its replies. */
export async function deleteLineComment(s: LandingScope, id: string): Promise<void> {
  const { comment } = await lineCommentOf(s, id);
  await editorOf(s, comment.author_id);
  await deleteRow(s.db, comment.id);
}

/**
 * Resolves or unresolves the thread of comment `id`: the thread's author or write access.
 * Returns the thread's first comment.
 */
export async function resolveThread(
  s: LandingScope,
  id: string,
  resolved: boolean,
): Promise<LineCommentRow> {
  const { comment } = await lineCommentOf(s, id);
  const root =
    comment.in_reply_to === null ? comment : await findLineComment(s.db, comment.in_reply_to);
  if (!root) throw AppError.notFound('Review comment not found', 'review_comment_not_found');
  const user = await editorOf(s, root.author_id);
  await setResolved(s.db, root.id, resolved ? user.id : null, s.now);
  return (await findLineComment(s.db, root.id)) ?? root;
}
