/**
 * The queue step shared by run and event claims: lock the oldest row in a given state,
 * optionally only of repositories owned by `repoOwner`, skipping rows other claimers hold
 * (`FOR UPDATE SKIP LOCKED`). Call inside a transaction; the caller updates the row it gets.
 */
import type { Db } from '../client';

export type ClaimQueue =
  { table: 'workflow_runs'; status: 'queued' } | { table: 'workflow_events'; status: 'pending' };

/** The id of the oldest claimable row, locked until the transaction ends; undefined if none. */
export async function lockOldest(
  tx: Db,
  queue: ClaimQueue,
  repoOwner: string | undefined,
): Promise<string | undefined> {
  // Table and status come from the closed `ClaimQueue` union, never from input.
  const [next] = await tx.query<{ id: string }>(
    `SELECT id::text AS id FROM ${queue.table} WHERE status = '${queue.status}'
       AND ($1::text IS NULL OR repo_id IN (SELECT r.id FROM repositories r
         JOIN users u ON u.id = r.owner_id WHERE lower(u.username) = lower($1)))
     ORDER BY created_at, id FOR UPDATE SKIP LOCKED LIMIT 1`,
    [repoOwner ?? null],
  );
  return next?.id;
}
