/**
 * Typed queries for review verdicts on landing requests (migration 0018): submit, list (oldest
 * first, with the reviewer's login), dismiss by hand, and dismiss a landing's stale approvals.
 */
import type { Db } from '../client';

export type ReviewState = 'approved' | 'changes_requested' | 'commented' | 'dismissed';

export interface ReviewRow {
  id: string;
  landing_id: string;
  revision: number;
  reviewer_id: string | null;
  reviewer_login: string | null;
  state: ReviewState;
  body: string;
  commit_oid: string;
  created_at: Date;
  dismissed_at: Date | null;
  dismissed_by_login: string | null;
  dismissed_reason: string | null;
  dismissed_state: 'approved' | 'changes_requested' | null;
}

const COLUMNS = `r.id::text AS id, r.landing_id::text AS landing_id, r.revision,
  r.reviewer_id::text AS reviewer_id, u.username AS reviewer_login, r.state, r.body, r.commit_oid,
  r.created_at, r.dismissed_at, d.username AS dismissed_by_login, r.dismissed_reason,
  r.dismissed_state`;
const FROM = `landing_reviews r LEFT JOIN users u ON u.id = r.reviewer_id
  LEFT JOIN users d ON d.id = r.dismissed_by`;

export interface NewReview {
  landingId: string;
  revision: number;
  reviewerId: string;
  state: 'approved' | 'changes_requested' | 'commented';
  body: string;
  commitOid: string;
  now: Date;
}

export async function insertReview(db: Db, r: NewReview): Promise<ReviewRow> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO landing_reviews (landing_id, revision, reviewer_id, state, body, commit_oid,
       created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id::text AS id`,
    [r.landingId, r.revision, r.reviewerId, r.state, r.body, r.commitOid, r.now],
  );
  const review = rows[0] && (await findReview(db, r.landingId, rows[0].id));
  if (!review) throw new Error('insert into landing_reviews returned nothing');
  return review;
}

export async function listReviews(db: Db, landingId: string): Promise<ReviewRow[]> {
  return db.query<ReviewRow>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE r.landing_id = $1 ORDER BY r.id`,
    [landingId],
  );
}

export async function findReview(
  db: Db,
  landingId: string,
  id: string,
): Promise<ReviewRow | undefined> {
  if (!/^\d{1,18}$/.test(id)) return undefined;
  const rows = await db.query<ReviewRow>(
    `SELECT ${COLUMNS} FROM ${FROM} WHERE r.landing_id = $1 AND r.id = $2`,
    [landingId, id],
  );
  return rows[0];
}

/** Dismisses reviews `ids` of the landing that are approvals or change requests; how many. */
export async function dismissReviews(
  db: Db,
  landingId: string,
  ids: string[],
  d: { by: string | null; reason: string; now: Date },
): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await db.query(
    `UPDATE landing_reviews SET dismissed_state = state, state = 'dismissed', dismissed_at = $3,
       dismissed_by = $4, dismissed_reason = $5
     WHERE landing_id = $1 AND id = ANY($2::bigint[])
       AND state IN ('approved', 'changes_requested') RETURNING id`,
    [landingId, ids, d.now, d.by, d.reason],
  );
  return rows.length;
}
