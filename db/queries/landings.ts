/**
 * Typed queries for landing requests: the issue row of kind `landing` with its `landings` row
 * (target, source branch or change id, draft, state) and its revisions. A landing's number comes
 * from the issue counter (issues.ts `takeNumber`); its conversation is the issue machinery's.
 */
import type { Db } from '../client';
import { ISSUE_COLUMNS, ISSUE_FROM, type IssueRow } from './issues';

export type LandingState = 'open' | 'closed' | 'landed';

export interface LandingFields {
  target_branch: string;
  source_branch: string | null;
  change_id: string | null;
  topic: string | null;
  draft: boolean;
  landing_state: LandingState;
  created_by_login: string | null;
  landed_by_login: string | null;
  landed_at: Date | null;
  landed_oid: string | null;
  revisions_count: number;
}

/** A landing: its issue row and its own fields. */
export type LandingRow = IssueRow & LandingFields;

export interface RevisionRow {
  id: string;
  landing_id: string;
  number: number;
  head_oid: string;
  base_oid: string;
  target_oid: string;
  change_id: string | null;
  parent_change_id: string | null;
  pusher_login: string | null;
  created_at: Date;
}

const LANDING_COLUMNS = `${ISSUE_COLUMNS}, l.target_branch, l.source_branch, l.change_id, l.topic,
  l.draft, l.state AS landing_state, lc.username AS created_by_login,
  lb.username AS landed_by_login, l.landed_at, l.landed_oid,
  (SELECT count(*)::int FROM landing_revisions r WHERE r.landing_id = l.issue_id) AS revisions_count`;

const LANDING_FROM = `${ISSUE_FROM} JOIN landings l ON l.issue_id = i.id
  LEFT JOIN users lc ON lc.id = l.created_by LEFT JOIN users lb ON lb.id = l.landed_by`;

const REVISION_COLUMNS = `r.id::text AS id, r.landing_id::text AS landing_id, r.number,
  r.head_oid, r.base_oid, r.target_oid, r.change_id, r.parent_change_id,
  pu.username AS pusher_login, r.created_at`;

export interface NewLanding {
  repoId: string;
  /** Taken beforehand with `takeNumber` (a push names the landing's refs before it exists). */
  number: number;
  authorId: string;
  title: string;
  body: string;
  targetBranch: string;
  sourceBranch: string | null;
  changeId: string | null;
  topic: string | null;
  draft: boolean;
  now: Date;
}

/** Inserts the issue row (kind `landing`) and the landing row; call inside a transaction. */
export async function insertLanding(db: Db, l: NewLanding): Promise<string> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO issues (repo_id, number, author_id, title, body, kind, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'landing', $6, $6) RETURNING id::text AS id`,
    [l.repoId, l.number, l.authorId, l.title, l.body, l.now],
  );
  const id = rows[0]?.id;
  if (id === undefined) throw new Error('insert into issues returned nothing');
  await db.query(
    `INSERT INTO landings (issue_id, repo_id, number, target_branch, source_branch, change_id,
       topic, draft, created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
    [
      id,
      l.repoId,
      l.number,
      l.targetBranch,
      l.sourceBranch,
      l.changeId,
      l.topic,
      l.draft,
      l.authorId,
      l.now,
    ],
  );
  return id;
}

export async function findLanding(
  db: Db,
  repoId: string,
  number: number,
): Promise<LandingRow | undefined> {
  const rows = await db.query<LandingRow>(
    `SELECT ${LANDING_COLUMNS} FROM ${LANDING_FROM} WHERE i.repo_id = $1 AND i.number = $2`,
    [repoId, number],
  );
  return rows[0];
}

export async function findLandingById(db: Db, id: string): Promise<LandingRow | undefined> {
  const rows = await db.query<LandingRow>(
    `SELECT ${LANDING_COLUMNS} FROM ${LANDING_FROM} WHERE i.id = $1`,
    [id],
  );
  return rows[0];
}

/** Whether issue `number` of the repository is a landing (issue pages redirect to it). */
export async function isLandingNumber(db: Db, repoId: string, number: number): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM issues WHERE repo_id = $1 AND number = $2 AND kind = 'landing'`,
    [repoId, number],
  );
  return rows.length > 0;
}

/** The open landing of a change onto a target (the Gerrit key), if any. */
export async function findOpenLandingByChange(
  db: Db,
  repoId: string,
  targetBranch: string,
  changeId: string,
): Promise<LandingRow | undefined> {
  const rows = await db.query<LandingRow>(
    `SELECT ${LANDING_COLUMNS} FROM ${LANDING_FROM}
      WHERE l.repo_id = $1 AND l.target_branch = $2 AND l.change_id = $3 AND l.state = 'open'`,
    [repoId, targetBranch, changeId],
  );
  return rows[0];
}

/** Open landings whose source is `branch` (a push to it adds a revision to each). */
export async function openLandingsFromBranch(
  db: Db,
  repoId: string,
  branch: string,
): Promise<LandingRow[]> {
  return db.query<LandingRow>(
    `SELECT ${LANDING_COLUMNS} FROM ${LANDING_FROM}
      WHERE l.repo_id = $1 AND l.source_branch = $2 AND l.state = 'open' ORDER BY i.number`,
    [repoId, branch],
  );
}

/** One page of a repository's landings in `state` (all when undefined), newest first. */
export async function listLandings(
  db: Db,
  repoId: string,
  state: LandingState | undefined,
  page: { limit: number; offset: number },
): Promise<LandingRow[]> {
  return db.query<LandingRow>(
    `SELECT ${LANDING_COLUMNS} FROM ${LANDING_FROM}
      WHERE l.repo_id = $1 AND ($2::text IS NULL OR l.state = $2)
      ORDER BY i.number DESC LIMIT $3 OFFSET $4`,
    [repoId, state ?? null, Math.trunc(page.limit), Math.trunc(page.offset)],
  );
}

/** How many landings the repository has in each state. */
export async function countLandings(db: Db, repoId: string): Promise<Record<LandingState, number>> {
  const rows = await db.query<{ state: LandingState; n: number }>(
    `SELECT state, count(*)::int AS n FROM landings WHERE repo_id = $1 GROUP BY state`,
    [repoId],
  );
  const of = (s: LandingState) => rows.find((r) => r.state === s)?.n ?? 0;
  return { open: of('open'), closed: of('closed'), landed: of('landed') };
}

export interface LandingPatch {
  targetBranch?: string;
  draft?: boolean;
  state?: 'open' | 'closed';
}

/** Applies the landing's own fields (title, body and the issue state go through issues.ts). */
export async function updateLanding(
  db: Db,
  issueId: string,
  patch: LandingPatch,
  now: Date,
): Promise<void> {
  await db.query(
    `UPDATE landings SET target_branch = COALESCE($2, target_branch),
       draft = COALESCE($3, draft), state = COALESCE($4, state), updated_at = $5
     WHERE issue_id = $1`,
    [issueId, patch.targetBranch ?? null, patch.draft ?? null, patch.state ?? null, now],
  );
}

export interface NewRevision {
  landingId: string;
  number: number;
  headOid: string;
  baseOid: string;
  targetOid: string;
  changeId: string | null;
  parentChangeId: string | null;
  pusherId: string | null;
  now: Date;
}

export async function insertRevision(db: Db, r: NewRevision): Promise<void> {
  await db.query(
    `INSERT INTO landing_revisions (landing_id, number, head_oid, base_oid, target_oid,
       change_id, parent_change_id, pusher_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      r.landingId,
      r.number,
      r.headOid,
      r.baseOid,
      r.targetOid,
      r.changeId,
      r.parentChangeId,
      r.pusherId,
      r.now,
    ],
  );
  await db.query(`UPDATE landings SET updated_at = $2 WHERE issue_id = $1`, [r.landingId, r.now]);
  await db.query(`UPDATE issues SET updated_at = $2 WHERE id = $1`, [r.landingId, r.now]);
}

/** The landing's revisions, oldest first. */
export async function listRevisions(db: Db, landingId: string): Promise<RevisionRow[]> {
  return db.query<RevisionRow>(
    `SELECT ${REVISION_COLUMNS} FROM landing_revisions r
       LEFT JOIN users pu ON pu.id = r.pusher_id
      WHERE r.landing_id = $1 ORDER BY r.number`,
    [landingId],
  );
}

/** The latest revision of each of `landingIds` (for list pages and push matching). */
export async function latestRevisions(
  db: Db,
  landingIds: string[],
): Promise<Map<string, RevisionRow>> {
  if (landingIds.length === 0) return new Map();
  const rows = await db.query<RevisionRow>(
    `SELECT DISTINCT ON (r.landing_id) ${REVISION_COLUMNS} FROM landing_revisions r
       LEFT JOIN users pu ON pu.id = r.pusher_id
      WHERE r.landing_id = ANY($1::bigint[]) ORDER BY r.landing_id, r.number DESC`,
    [landingIds],
  );
  return new Map(rows.map((r) => [r.landing_id, r]));
}

/** The landing state of issue `issueId` (undefined for a plain issue). */
export async function landingStateOf(db: Db, issueId: string): Promise<LandingState | undefined> {
  const rows = await db.query<{ state: LandingState }>(
    `SELECT state FROM landings WHERE issue_id = $1`,
    [issueId],
  );
  return rows[0]?.state;
}

/** Marks a landing landed (its issue closed as completed), once: false when it was not open. */
export async function markLanded(
  db: Db,
  issueId: string,
  l: { landerId: string | null; oid: string; now: Date },
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE landings SET state = 'landed', landed_by = $2, landed_at = $4, landed_oid = $3,
       updated_at = $4 WHERE issue_id = $1 AND state = 'open' RETURNING issue_id`,
    [issueId, l.landerId, l.oid, l.now],
  );
  if (rows.length === 0) return false;
  await db.query(
    `UPDATE issues SET state = 'closed', state_reason = 'completed', closed_by_id = $2,
       closed_at = $3, updated_at = $3 WHERE id = $1`,
    [issueId, l.landerId, l.now],
  );
  return true;
}

export interface StackNeighbour {
  number: number;
  title: string;
  landing_state: LandingState;
}

/**
 * The open landings next to one in its stack, onto the same target: the one owning
 * `parentChangeId` (below) and those whose latest revision sits on `changeId` (above).
 */
export async function stackNeighbours(
  db: Db,
  repoId: string,
  target: string,
  changeId: string | null,
  parentChangeId: string | null,
): Promise<{ below: StackNeighbour | undefined; above: StackNeighbour[] }> {
  const below =
    parentChangeId === null
      ? []
      : await db.query<StackNeighbour>(
          `SELECT l.number::int AS number, i.title, l.state AS landing_state
             FROM landings l JOIN issues i ON i.id = l.issue_id
            WHERE l.repo_id = $1 AND l.target_branch = $2 AND l.change_id = $3 AND l.state = 'open'`,
          [repoId, target, parentChangeId],
        );
  const above =
    changeId === null
      ? []
      : await db.query<StackNeighbour>(
          `SELECT l.number::int AS number, i.title, l.state AS landing_state
             FROM landings l JOIN issues i ON i.id = l.issue_id
             JOIN LATERAL (SELECT r.parent_change_id FROM landing_revisions r
                            WHERE r.landing_id = l.issue_id ORDER BY r.number DESC LIMIT 1) last ON true
            WHERE l.repo_id = $1 AND l.target_branch = $2 AND l.state = 'open'
              AND last.parent_change_id = $3 ORDER BY l.number`,
          [repoId, target, changeId],
        );
  return { below: below[0], above };
}
