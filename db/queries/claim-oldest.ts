/**
 * The queue step shared by run and event claims, fair across owners and repositories (issue
 * #21): of the repositories with a claimable row (optionally only those owned by `repoOwner`) and
 * fewer than `perRepoLimit` rows in progress, take the owner served least recently, then its
 * repository served least recently (never served first), then the oldest row of that repository;
 * when a concurrent claimer holds every queue's head, the next rows of the fairest queues.
 * One repository's flood (10,000 events from one push) therefore delays another repository by
 * one claim, not by the flood. Rows other claimers hold are skipped (`FOR UPDATE SKIP LOCKED`);
 * the turn is recorded in `claim_turns` (migration 0019). The whole claim (choose, lock, record
 * the turn, update the row) is one statement, one round trip to the database: claims sit on the
 * push → first log line path twice (the event, then its run). The limit is checked without a
 * lock: two claimers at the same instant can each take the last free place (a soft limit).
 */
import type { QueryResultRow } from '@neondatabase/serverless';
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
 * The heads of the claimable repositories' queues, fairest first, numbered in that order by
 * `ord` (parameters: $1 repo owner or null, $2 the queue's table name, $3 the per-repository
 * limit). Table and statuses come from the
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
     SELECT h.id, h.repo_id, r.owner_id,
            row_number() OVER (ORDER BY h.rn, tu.served NULLS FIRST, tr.served NULLS FIRST,
              h.created_at, h.id) AS ord
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

/**
 * The claim as one statement (one round trip; no transaction needed): the fairest claimable row
 * is locked (`FOR UPDATE SKIP LOCKED`, rechecked against its newest version), its owner's and
 * repository's turns are recorded in `claim_turns`, and `set` is applied to it; the statement
 * returns `returning` of the updated row (`t` is the queue's table, `picked` the chosen row with
 * `id`, `repo_id`, `owner_id`, `type`, `after_sha`; `extra` is inserted after the update's CTE,
 * e.g. a second data-modifying CTE that reads `upd`). Parameters: $1 repo owner or null, $2 the
 * queue's table name, $3 the per-repository limit; `set` and `extra` use $4 on.
 */
export function claimOldestSql(
  queue: ClaimQueue,
  set: string,
  returning: string,
  extra = '',
  select = 'SELECT * FROM upd',
): string {
  const { table, status } = queue;
  return `WITH cand AS (${candidatesSql(queue, CANDIDATES)}),
     picked AS (
       SELECT q.id, q.repo_id, c.owner_id, ${table === 'workflow_events' ? 'q.type, q.after_sha' : 'NULL::text AS type, NULL::text AS after_sha'}
         FROM ${table} q JOIN cand c ON c.id = q.id
        WHERE q.status = '${status}'
        ORDER BY c.ord FOR UPDATE OF q SKIP LOCKED LIMIT 1),
     turn AS (
       INSERT INTO claim_turns (queue, key, served)
       SELECT $2, v.key, nextval('claim_turns_seq')
         FROM picked, LATERAL (VALUES (1, 'u' || picked.owner_id), (2, 'r' || picked.repo_id))
              AS v(n, key)
        ORDER BY v.n
       ON CONFLICT (queue, key) DO UPDATE SET served = excluded.served),
     upd AS (
       UPDATE ${table} t SET ${set} FROM picked WHERE t.id = picked.id RETURNING ${returning})${extra}
     ${select}`;
}

/**
 * Claims the fairest claimable row of `queue` in one statement (claimOldestSql); the rows the
 * statement returns, none when nothing was claimable. `params` are $4 on.
 */
export async function claimOldest<R extends QueryResultRow>(
  db: Db,
  queue: ClaimQueue,
  repoOwner: string | undefined,
  perRepoLimit: number | undefined,
  sql: { set: string; returning: string; extra?: string; select?: string },
  params: unknown[],
): Promise<R[]> {
  return db.query<R>(claimOldestSql(queue, sql.set, sql.returning, sql.extra, sql.select), [
    repoOwner ?? null,
    queue.table,
    perRepoLimit ?? DEFAULT_REPO_LIMIT,
    ...params,
  ]);
}
