/**
 * Typed queries for review comments on a landing's code (db/migrations/0017_landing_comments.sql):
 * threads anchored on a revision's line range, replies, resolving, and review requests.
 */
import type { Db } from '../client';

export type CommentSide = 'base' | 'head';

export interface LineCommentRow {
  id: string;
  landing_id: string;
  revision_id: string;
  /** The number of the revision it was written on. */
  revision_number: number;
  in_reply_to: string | null;
  review_id: string | null;
  path: string;
  side: CommentSide;
  start_line: number;
  end_line: number;
  text_hash: string;
  body: string;
  author_id: string | null;
  author_login: string | null;
  resolved_by_login: string | null;
  resolved_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `c.id::text AS id, c.landing_id::text AS landing_id,
  c.revision_id::text AS revision_id, r.number AS revision_number,
  c.in_reply_to::text AS in_reply_to, c.review_id::text AS review_id, c.path, c.side,
  c.start_line, c.end_line, c.text_hash, c.body, c.author_id::text AS author_id,
  u.username AS author_login, ru.username AS resolved_by_login, c.resolved_at, c.created_at,
  c.updated_at`;
const FROM = `landing_comments c JOIN landing_revisions r ON r.id = c.revision_id
  LEFT JOIN users u ON u.id = c.author_id LEFT JOIN users ru ON ru.id = c.resolved_by`;

export interface NewLineComment {
  landingId: string;
  revisionId: string;
  inReplyTo: string | null;
  reviewId?: string | null;
  path: string;
  side: CommentSide;
  startLine: number;
  endLine: number;
  textHash: string;
  body: string;
  authorId: string;
  now: Date;
}

export async function insertLineComment(db: Db, c: NewLineComment): Promise<LineCommentRow> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO landing_comments (landing_id, revision_id, in_reply_to, review_id, path, side,
       start_line, end_line, text_hash, body, author_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING id::text AS id`,
    [
      c.landingId,
      c.revisionId,
      c.inReplyTo,
      c.reviewId ?? null,
      c.path,
      c.side,
      c.startLine,
      c.endLine,
      c.textHash,
      c.body,
      c.authorId,
      c.now,
    ],
  );
  const found = await findLineComment(db, rows[0]?.id ?? '0');
  if (!found) throw new Error('inserted comment vanished');
  return found;
}

export async function findLineComment(db: Db, id: string): Promise<LineCommentRow | undefined> {
  const rows = await db.query<LineCommentRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE c.id = $1`, [
    id,
  ]);
  return rows[0];
}

/** Every review comment of a landing, oldest first. */
export function listLineComments(db: Db, landingId: string): Promise<LineCommentRow[]> {
  return db.query<LineCommentRow>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE c.landing_id = $1 ORDER BY c.id`,
    [landingId],
  );
}

export async function updateLineCommentBody(
  db: Db,
  id: string,
  body: string,
  now: Date,
): Promise<void> {
  await db.query(`UPDATE landing_comments SET body = $2, updated_at = $3 WHERE id = $1`, [
    id,
    body,
    now,
  ]);
}

export async function deleteLineComment(db: Db, id: string): Promise<void> {
  await db.query(`DELETE FROM landing_comments WHERE id = $1`, [id]);
}

/** Resolves (by `userId`) or unresolves (null) the thread whose first comment is `rootId`. */
export async function setResolved(
  db: Db,
  rootId: string,
  userId: string | null,
  now: Date,
): Promise<void> {
  await db.query(`UPDATE landing_comments SET resolved_by = $2, resolved_at = $3 WHERE id = $1`, [
    rootId,
    userId,
    userId === null ? null : now,
  ]);
}

export interface ReviewRequestRow {
  user_id: string;
  login: string;
  requested_by_login: string | null;
  created_at: Date;
}

/** Adds review requests; returns the user ids newly requested. */
export async function addReviewRequests(
  db: Db,
  landingId: string,
  userIds: string[],
  requestedBy: string,
  now: Date,
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await db.query<{ user_id: string }>(
    `INSERT INTO landing_review_requests (landing_id, user_id, requested_by, created_at)
     SELECT $1, u, $3, $4 FROM unnest($2::bigint[]) AS u
     ON CONFLICT DO NOTHING RETURNING user_id::text AS user_id`,
    [landingId, userIds, requestedBy, now],
  );
  return rows.map((r) => r.user_id);
}

/** Removes review requests; returns the user ids that were requested. */
export async function removeReviewRequests(
  db: Db,
  landingId: string,
  userIds: string[],
): Promise<string[]> {
  if (userIds.length === 0) return [];
  const rows = await db.query<{ user_id: string }>(
    `DELETE FROM landing_review_requests WHERE landing_id = $1 AND user_id = ANY($2::bigint[])
     RETURNING user_id::text AS user_id`,
    [landingId, userIds],
  );
  return rows.map((r) => r.user_id);
}

export function listReviewRequests(db: Db, landingId: string): Promise<ReviewRequestRow[]> {
  return db.query<ReviewRequestRow>(
    `SELECT q.user_id::text AS user_id, u.username AS login, b.username AS requested_by_login,
            q.created_at
       FROM landing_review_requests q JOIN users u ON u.id = q.user_id
       LEFT JOIN users b ON b.id = q.requested_by
      WHERE q.landing_id = $1 ORDER BY q.created_at, u.username`,
    [landingId],
  );
}
