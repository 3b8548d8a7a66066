/**
 * The issue timeline: one row per change (opened, labeled, closed, referenced, …) with its
 * actor, time and details. References from another repository carry `source_repo_id` so a
 * viewer who cannot read that repository never sees them.
 */
import type { Db } from '../client';

export type IssueEventKind =
  | 'opened'
  | 'commented'
  | 'labeled'
  | 'unlabeled'
  | 'assigned'
  | 'unassigned'
  | 'milestoned'
  | 'demilestoned'
  | 'renamed'
  | 'closed'
  | 'reopened'
  | 'referenced'
  | 'cross-referenced'
  | 'locked'
  | 'unlocked'
  | 'pinned'
  | 'unpinned'
  | 'transferred'
  // A landing request's own events (db/migrations/0013_landings.sql).
  | 'revision_pushed'
  | 'landed'
  | 'ready_for_review'
  | 'converted_to_draft'
  | 'target_changed'
  // Review comments and requests (db/migrations/0017_landing_comments.sql).
  | 'line_commented'
  | 'review_requested'
  | 'review_request_removed'
  // Dismissed approvals (db/migrations/0022_land_loop.sql).
  | 'review_dismissed';

export interface IssueEventRow {
  id: string;
  issue_id: string;
  actor_login: string | null;
  event: IssueEventKind;
  data: Record<string, unknown>;
  source_repo_id: string | null;
  created_at: Date;
}

export interface NewIssueEvent {
  issueId: string;
  actorId: string | null;
  event: IssueEventKind;
  data?: Record<string, unknown>;
  sourceRepoId?: string | null;
  now: Date;
}

export async function insertIssueEvents(db: Db, events: NewIssueEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.query(
    `INSERT INTO issue_events (issue_id, actor_id, event, data, source_repo_id, created_at)
     SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::jsonb[], $5::bigint[],
       $6::timestamptz[])`,
    [
      events.map((e) => e.issueId),
      events.map((e) => e.actorId),
      events.map((e) => e.event),
      events.map((e) => JSON.stringify(e.data ?? {})),
      events.map((e) => e.sourceRepoId ?? null),
      events.map((e) => e.now),
    ],
  );
}

/**
 * The events of an issue a viewer may see: cross-repository references only from repositories
 * the viewer may read (public, owned, or collaborated on); `commented` too unless
 * `withoutComments` ($3).
 */
const VISIBLE_EVENTS = `FROM issue_events e LEFT JOIN users u ON u.id = e.actor_id
       LEFT JOIN repositories sr ON sr.id = e.source_repo_id
      WHERE e.issue_id = $1
        AND (e.source_repo_id IS NULL OR NOT sr.private OR sr.owner_id = $2::bigint
             OR EXISTS (SELECT 1 FROM collaborators c WHERE c.repo_id = sr.id
                          AND c.user_id = $2::bigint))
        AND (NOT $3::boolean OR e.event <> 'commented')`;

/** The issue's timeline for a viewer (see VISIBLE_EVENTS), oldest first. */
export async function listIssueEvents(
  db: Db,
  issueId: string,
  viewerId: string | null,
  page: { limit: number; offset: number; withoutComments?: boolean },
): Promise<IssueEventRow[]> {
  return db.query<IssueEventRow>(
    `SELECT e.id::text AS id, e.issue_id::text AS issue_id, u.username AS actor_login, e.event,
            e.data, e.source_repo_id::text AS source_repo_id, e.created_at
       ${VISIBLE_EVENTS}
      ORDER BY e.id LIMIT $4 OFFSET $5`,
    [issueId, viewerId, page.withoutComments ?? false, page.limit, page.offset],
  );
}

/** How many events `listIssueEvents` would list over all pages. */
export async function countIssueEvents(
  db: Db,
  issueId: string,
  viewerId: string | null,
  withoutComments: boolean,
): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n ${VISIBLE_EVENTS}`, [
    issueId,
    viewerId,
    withoutComments,
  ]);
  return rows[0]?.n ?? 0;
}

/** Whether the issue already shows a reference with this key (e.g. a commit id). */
export async function hasReference(db: Db, issueId: string, key: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM issue_events WHERE issue_id = $1
        AND event IN ('referenced', 'cross-referenced') AND data->>'key' = $2 LIMIT 1`,
    [issueId, key],
  );
  return rows.length > 0;
}
