/** Typed queries for issue comments, their edit history and reactions on issues and comments. */
import type { Db } from '../client';

export interface CommentRow {
  id: string;
  issue_id: string;
  author_id: string | null;
  author_login: string | null;
  body: string;
  created_at: Date;
  updated_at: Date;
  edits: number;
}

export interface EditRow {
  id: string;
  editor_login: string | null;
  body_before: string;
  created_at: Date;
}

export type ReactionContent =
  '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';

export interface ReactionRow {
  id: string;
  comment_id: string | null;
  user_id: string;
  login: string;
  content: ReactionContent;
  created_at: Date;
}

const COMMENT = `c.id::text AS id, c.issue_id::text AS issue_id, c.author_id::text AS author_id,
  u.username AS author_login, c.body, c.created_at, c.updated_at,
  (SELECT count(*)::int FROM issue_edits e WHERE e.comment_id = c.id) AS edits`;

/** Inserts a comment and counts it on the issue. */
export async function insertComment(
  db: Db,
  c: { issueId: string; authorId: string; body: string; now: Date },
): Promise<CommentRow> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO issue_comments (issue_id, author_id, body, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $4) RETURNING id::text AS id`,
    [c.issueId, c.authorId, c.body, c.now],
  );
  await db.query(
    `UPDATE issues SET comments_count = comments_count + 1, updated_at = $2 WHERE id = $1`,
    [c.issueId, c.now],
  );
  const found = await findComment(db, rows[0]?.id ?? '0');
  if (!found) throw new Error('inserted comment vanished');
  return found;
}

export async function findComment(db: Db, id: string): Promise<CommentRow | undefined> {
  const rows = await db.query<CommentRow>(
    `SELECT ${COMMENT} FROM issue_comments c LEFT JOIN users u ON u.id = c.author_id
      WHERE c.id = $1`,
    [id],
  );
  return rows[0];
}

/** A page of the issue's comments, oldest first, and how many there are. */
export async function listComments(
  db: Db,
  issueId: string,
  page: { limit: number; offset: number },
): Promise<{ rows: CommentRow[]; total: number }> {
  const rows = await db.query<CommentRow>(
    `SELECT ${COMMENT} FROM issue_comments c LEFT JOIN users u ON u.id = c.author_id
      WHERE c.issue_id = $1 ORDER BY c.id LIMIT $2 OFFSET $3`,
    [issueId, page.limit, page.offset],
  );
  const [n] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM issue_comments WHERE issue_id = $1`,
    [issueId],
  );
  return { rows, total: n?.n ?? 0 };
}

/** Replaces a comment's body, keeping the previous one in the edit history. */
export async function editComment(
  db: Db,
  comment: CommentRow,
  body: string,
  editorId: string,
  now: Date,
): Promise<CommentRow | undefined> {
  await db.query(
    `INSERT INTO issue_edits (issue_id, comment_id, editor_id, body_before, created_at)
     VALUES ($1, $2, $3, $4, $5)`,
    [comment.issue_id, comment.id, editorId, comment.body, now],
  );
  await db.query(`UPDATE issue_comments SET body = $2, updated_at = $3 WHERE id = $1`, [
    comment.id,
    body,
    now,
  ]);
  return findComment(db, comment.id);
}

/** Keeps an issue body's previous version in the edit history. */
export async function recordIssueEdit(
  db: Db,
  issueId: string,
  bodyBefore: string,
  editorId: string,
  now: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO issue_edits (issue_id, comment_id, editor_id, body_before, created_at)
     VALUES ($1, NULL, $2, $3, $4)`,
    [issueId, editorId, bodyBefore, now],
  );
}

/** The edit history of an issue body (commentId null) or a comment, newest first. */
export async function listEdits(
  db: Db,
  issueId: string,
  commentId: string | null,
): Promise<EditRow[]> {
  return db.query<EditRow>(
    `SELECT e.id::text AS id, u.username AS editor_login, e.body_before, e.created_at
       FROM issue_edits e LEFT JOIN users u ON u.id = e.editor_id
      WHERE e.issue_id = $1 AND e.comment_id IS NOT DISTINCT FROM $2::bigint
      ORDER BY e.id DESC`,
    [issueId, commentId],
  );
}

/** How many times an issue body (commentId null) or a comment has been edited. */
export async function countEdits(
  db: Db,
  issueId: string,
  commentId: string | null,
): Promise<number> {
  const rows = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM issue_edits
      WHERE issue_id = $1 AND comment_id IS NOT DISTINCT FROM $2::bigint`,
    [issueId, commentId],
  );
  return rows[0]?.n ?? 0;
}

export async function deleteComment(db: Db, comment: CommentRow, now: Date): Promise<void> {
  await db.query(`DELETE FROM issue_comments WHERE id = $1`, [comment.id]);
  await db.query(
    `UPDATE issues SET comments_count = greatest(comments_count - 1, 0), updated_at = $2
      WHERE id = $1`,
    [comment.issue_id, now],
  );
}

/** Adds a reaction; returns it and whether it is new (a repeat returns the existing one). */
export async function addReaction(
  db: Db,
  r: { issueId: string; commentId: string | null; userId: string; content: ReactionContent },
): Promise<{ row: ReactionRow; created: boolean }> {
  const inserted = await db.query<{ id: string }>(
    `INSERT INTO issue_reactions (issue_id, comment_id, user_id, content) VALUES ($1, $2, $3, $4)
     ON CONFLICT DO NOTHING RETURNING id::text AS id`,
    [r.issueId, r.commentId, r.userId, r.content],
  );
  const rows = await db.query<ReactionRow>(
    `SELECT x.id::text AS id, x.comment_id::text AS comment_id, x.user_id::text AS user_id,
            u.username AS login, x.content, x.created_at
       FROM issue_reactions x JOIN users u ON u.id = x.user_id
      WHERE x.issue_id = $1 AND x.comment_id IS NOT DISTINCT FROM $2::bigint
        AND x.user_id = $3 AND x.content = $4`,
    [r.issueId, r.commentId, r.userId, r.content],
  );
  const row = rows[0];
  if (!row) throw new Error('reaction vanished');
  return { row, created: inserted.length > 0 };
}

/** Reactions on the issue itself (commentId null) or on one comment. */
export async function listReactions(
  db: Db,
  issueId: string,
  commentId: string | null,
): Promise<ReactionRow[]> {
  return db.query<ReactionRow>(
    `SELECT x.id::text AS id, x.comment_id::text AS comment_id, x.user_id::text AS user_id,
            u.username AS login, x.content, x.created_at
       FROM issue_reactions x JOIN users u ON u.id = x.user_id
      WHERE x.issue_id = $1 AND x.comment_id IS NOT DISTINCT FROM $2::bigint ORDER BY x.id`,
    [issueId, commentId],
  );
}

/** Every reaction on the issue and on its comments, oldest first (for the issue page). */
export async function listAllReactions(db: Db, issueId: string): Promise<ReactionRow[]> {
  return db.query<ReactionRow>(
    `SELECT x.id::text AS id, x.comment_id::text AS comment_id, x.user_id::text AS user_id,
            u.username AS login, x.content, x.created_at
       FROM issue_reactions x JOIN users u ON u.id = x.user_id
      WHERE x.issue_id = $1 ORDER BY x.id`,
    [issueId],
  );
}

/** Reaction counts per content for the issue and each of its comments ('' = the issue). */
export async function reactionCounts(
  db: Db,
  issueId: string,
): Promise<Map<string, Map<ReactionContent, number>>> {
  const rows = await db.query<{ comment_id: string | null; content: ReactionContent; n: number }>(
    `SELECT comment_id::text AS comment_id, content, count(*)::int AS n FROM issue_reactions
      WHERE issue_id = $1 GROUP BY comment_id, content`,
    [issueId],
  );
  const out = new Map<string, Map<ReactionContent, number>>();
  for (const r of rows) {
    const key = r.comment_id ?? '';
    const m = out.get(key) ?? new Map<ReactionContent, number>();
    m.set(r.content, r.n);
    out.set(key, m);
  }
  return out;
}

/** Deletes a reaction by id within the issue; false when there was none. */
export async function deleteReaction(db: Db, issueId: string, id: string): Promise<boolean> {
  const rows = await db.query(
    `DELETE FROM issue_reactions WHERE issue_id = $1 AND id = $2 RETURNING id`,
    [issueId, id],
  );
  return rows.length > 0;
}

export async function findReaction(
  db: Db,
  issueId: string,
  id: string,
): Promise<{ user_id: string; comment_id: string | null } | undefined> {
  const rows = await db.query<{ user_id: string; comment_id: string | null }>(
    `SELECT user_id::text AS user_id, comment_id::text AS comment_id FROM issue_reactions
      WHERE issue_id = $1 AND id = $2`,
    [issueId, id],
  );
  return rows[0];
}
