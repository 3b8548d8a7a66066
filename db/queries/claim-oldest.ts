/**
 * The queue step shared by run and event claims, fair across owners and repositories (issue
 * #21): of the repositories with a claimable row (optionally only those owned by `repoOwner`) and
 * fewer than `perRepoLimit` rows in progress, take the owner served least recently, then its
 * repository served least recently (never served first), then the oldest row of that repository;
 * when a concurrent claimer holds every queue's head, the next rows of the fairest queues.
 * One repository's flood (10,000 events from one push) therefore delays another repository by
 * one claim, not by the flood. Rows other claimers hold are skipped (`FOR UPDATE SKIP LOCKED`);
 * the turn is recorded in `claim_turns` (migration 0019). Call inside a transaction; the caller
 * updates the row it gets. The limit is checked without a lock: two claimers at the same instant
 * can each take the last free place (a soft limit).
 */
import type { Db } from '../client';

export type ClaimQueue =
  { table: 'workflow_runs'; status: 'queued' } | { table: 'workflow_events'; status: 'pending' };

/** Items of one repository in progress at once, unless the caller says otherwise. */
export const DEFAULT_REPO_LIMIT = 4;

/** Candidates looked at per claim: every repository's head first, fairest first, then seconds. */
const CANDIDATES = 8;

/**
 * Rows of one repository's queue a claim may fall back to when the ones before are locked by
 * another claimer: with only each queue's head, two controllers claiming at once from one
 * repository got one run and nothing, though two were queued.
 */
const PER_REPO_CANDIDATES = 4;

const BUSY: Record<ClaimQueue['table'], string> = {
  workflow_runs: 'running',
  workflow_events: 'claimed',
};

/**
 * The heads of the claimable repositories' queues, fairest first (parameters: $1 repo owner or
 * null, $2 the queue's table name, $3 the per-repository limit). Table and statuses come from the
 * closed `ClaimQueue` union, never from input.
 */
function candidatesSql({ table, status }: ClaimQueue, limit: number): string {
  return `WITH heads AS (
       SELECT q.id, q.repo_id, q.created_at,
              row_number() OVER (PARTITION BY q.repo_id ORDER BY q.created_at, q.id) AS rn
         FROM ${table} q
        WHERE q.status = '${status}'
          AND ($1::text IS NULL OR q.repo_id IN (SELECT r.id FROM repositories r
            JOIN users u ON u.id = r.owner_id WHERE lower(u.username) = lower($1))))
     SELECT h.id::text AS id, h.repo_id::text AS repo_id, r.owner_id::text AS owner_id
       FROM heads h JOIN repositories r ON r.id = h.repo_id
       LEFT JOIN claim_turns tu ON tu.queue = $2 AND tu.key = 'u' || r.owner_id
       LEFT JOIN claim_turns tr ON tr.queue = $2 AND tr.key = 'r' || h.repo_id
      WHERE h.rn <= ${PER_REPO_CANDIDATES}
        AND (SELECT count(*) FROM ${table} b
              WHERE b.repo_id = h.repo_id AND b.status = '${BUSY[table]}') < $3
      ORDER BY h.rn, tu.served NULLS FIRST, tr.served NULLS FIRST, h.created_at, h.id
      LIMIT ${limit}`;
}

/**
 * Whether a claim of `queue` would find a row now (the same test as `lockOldest`, without
 * locking or taking a turn). A held claim asks this, and only this, while it waits: it never
 * claims on behalf of a controller that may have gone away (services/runs/claim-wait.ts).
 */
export async function claimableExists(
  db: Db,
  queue: ClaimQueue,
  repoOwner: string | undefined,
  perRepoLimit: number = DEFAULT_REPO_LIMIT,
): Promise<boolean> {
  const rows = await db.query<{ id: string }>(candidatesSql(queue, 1), [
    repoOwner ?? null,
    queue.table,
    perRepoLimit,
  ]);
  return rows.length > 0;
}

/** Whether a run or event lease has expired (a claim's sweep would requeue or fail it). */
export async function expiredLeaseExists(db: Db, now: Date): Promise<boolean> {
  const [row] = await db.query<{ expired: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM workflow_runs WHERE status = 'running' AND lease_expires_at < $1)
         OR EXISTS (SELECT 1 FROM workflow_events WHERE status = 'claimed' AND lease_expires_at < $1)
         AS expired`,
    [now],
  );
  return row?.expired === true;
}

/** The id of the fairest claimable row, locked until the transaction ends; undefined if none. */
export async function lockOldest(
  tx: Db,
  queue: ClaimQueue,
  repoOwner: string | undefined,
  perRepoLimit: number = DEFAULT_REPO_LIMIT,
): Promise<string | undefined> {
  const { table, status } = queue;
  const candidates = await tx.query<{ id: string; repo_id: string; owner_id: string }>(
    candidatesSql(queue, CANDIDATES),
    [repoOwner ?? null, table, perRepoLimit],
  );
  if (candidates.length === 0) return undefined;
  const ids = candidates.map((c) => c.id);
  const [locked] = await tx.query<{ id: string }>(
    `SELECT id::text AS id FROM ${table} WHERE id = ANY($1::bigint[]) AND status = '${status}'
      ORDER BY array_position($1::bigint[], id) FOR UPDATE SKIP LOCKED LIMIT 1`,
    [ids],
  );
  const chosen = locked && candidates.find((c) => c.id === locked.id);
  if (!chosen) return undefined;
  await tx.query(
    `INSERT INTO claim_turns (queue, key, served)
     VALUES ($1, 'u' || $2, nextval('claim_turns_seq')), ($1, 'r' || $3, nextval('claim_turns_seq'))
     ON CONFLICT (queue, key) DO UPDATE SET served = excluded.served`,
    [table, chosen.owner_id, chosen.repo_id],
  );
  return chosen.id;
}
