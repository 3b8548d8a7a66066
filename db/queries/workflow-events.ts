/**
 * Typed queries for workflow events: recorded by pushes and dispatches, claimed by a runner
 * controller with a lease (FOR UPDATE SKIP LOCKED, lease_epoch fencing), finished once. The
 * sweeper returns events whose lease expired to `pending`, and fails them after a few tries.
 * A batch of reports finishes its events and reads their repositories in one statement
 * (finishEventsWithRepos).
 */
import { lockedTransaction, type Db } from '../client';
import { claimOldest } from './claim-oldest';
import { REPO_COLUMNS_AS_R, splitRepo, type RepoRow } from './repositories';

export type EventStatus = 'pending' | 'claimed' | 'done' | 'failed';

export interface EventRow {
  id: string;
  repo_id: string;
  type: string;
  ref: string;
  before_sha: string | null;
  after_sha: string;
  actor_id: string | null;
  payload: Record<string, unknown>;
  status: EventStatus;
  attempt: number;
  lease_owner: string | null;
  lease_epoch: string;
  lease_expires_at: Date | null;
  error: string | null;
  created_at: Date;
  /** When the row last changed (claimed, finished, swept). */
  updated_at: Date;
}

export interface NewEvent {
  repoId: string;
  type: string;
  ref: string;
  beforeSha: string | null;
  afterSha: string;
  actorId: string | null;
  payload?: Record<string, unknown>;
}

const COLUMNS = `id::text AS id, repo_id::text AS repo_id, type, ref, before_sha, after_sha,
  actor_id::text AS actor_id, payload, status, attempt, lease_owner,
  lease_epoch::text AS lease_epoch, lease_expires_at, error, created_at, updated_at`;

/** Events are tried this many times before a lost lease fails them. */
export const EVENT_MAX_ATTEMPTS = 3;

export async function insertEvent(db: Db, e: NewEvent): Promise<EventRow> {
  const [row] = await db.query<EventRow>(
    `INSERT INTO workflow_events (repo_id, type, ref, before_sha, after_sha, actor_id, payload)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) RETURNING ${COLUMNS}`,
    [e.repoId, e.type, e.ref, e.beforeSha, e.afterSha, e.actorId, JSON.stringify(e.payload ?? {})],
  );
  if (!row) throw new Error('insert into workflow_events returned nothing');
  return row;
}

/** Inserts many events in one statement (a push of thousands of refs), in the given order. */
export async function insertEvents(db: Db, events: NewEvent[]): Promise<EventRow[]> {
  if (events.length === 0) return [];
  const col = <T>(f: (e: NewEvent) => T) => events.map(f);
  return db.query<EventRow>(
    `INSERT INTO workflow_events (repo_id, type, ref, before_sha, after_sha, actor_id, payload)
     SELECT repo_id, type, ref, before_sha, after_sha, actor_id, payload::jsonb
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                   $7::text[]) WITH ORDINALITY
         AS e(repo_id, type, ref, before_sha, after_sha, actor_id, payload, n)
      ORDER BY n
     RETURNING ${COLUMNS}`,
    [
      col((e) => e.repoId),
      col((e) => e.type),
      col((e) => e.ref),
      col((e) => e.beforeSha),
      col((e) => e.afterSha),
      col((e) => e.actorId),
      col((e) => JSON.stringify(e.payload ?? {})),
    ],
  );
}

export async function findEvent(db: Db, id: string): Promise<EventRow | undefined> {
  const rows = await db.query<EventRow>(`SELECT ${COLUMNS} FROM workflow_events WHERE id = $1`, [
    id,
  ]);
  return rows[0];
}

/** COLUMNS of the claim statement's updated rows (`t`). */
const CLAIMED_COLUMNS = `t.id::text AS id, t.repo_id::text AS repo_id, t.type, t.ref,
  t.before_sha, t.after_sha, t.actor_id::text AS actor_id, t.payload, t.status, t.attempt,
  t.lease_owner, t.lease_epoch::text AS lease_epoch, t.lease_expires_at, t.error, t.created_at,
  t.updated_at`;

/** What a claim statement sets on an event it claims ($4 owner, $5 now, lease seconds at `secs`). */
const claimSet = (secs: string) => `status = 'claimed', lease_owner = $4,
  lease_epoch = t.lease_epoch + 1, attempt = t.attempt + 1,
  lease_expires_at = $5::timestamptz + make_interval(secs => ${secs}), updated_at = $5`;

/**
 * One statement (claim-oldest.ts): the fairest pending event claimed for `owner`, and with it, under
 * the same owner, up to `siblings` more pending `push` events of its repository at its commit (a
 * push of many branches at one commit, issue #21: the controller checks that commit out once and
 * evaluates its workflow files once for all of them). Each keeps its own lease epoch, so each is
 * reported and fenced on its own; siblings get `siblingSeconds` (they are reported after it).
 */
async function claimEventRows(
  db: Db,
  owner: string,
  lease: { seconds: number; siblingSeconds: number; now: Date },
  limits: { repoOwner?: string | undefined; perRepo?: number | undefined; siblings: number },
): Promise<ClaimedEvents | undefined> {
  const rows = await claimOldest<Record<string, unknown>>(
    db,
    { table: 'workflow_events', status: 'pending' },
    limits.repoOwner,
    limits.perRepo,
    {
      set: claimSet('$6'),
      returning: CLAIMED_COLUMNS,
      extra: `,
     sib AS (
       UPDATE workflow_events t SET ${claimSet('$7')}
        WHERE t.id IN (SELECT s.id FROM workflow_events s JOIN picked p
                         ON s.repo_id = p.repo_id AND s.after_sha = p.after_sha
                        WHERE p.type = 'push' AND s.type = 'push' AND s.status = 'pending'
                          AND s.id <> p.id
                        ORDER BY s.id LIMIT $8 FOR UPDATE OF s SKIP LOCKED)
       RETURNING ${CLAIMED_COLUMNS})`,
      select: `SELECT c.*, ${REPO_COLUMNS_AS_R}
        FROM (SELECT upd.*, false AS sibling FROM upd
              UNION ALL SELECT sib.*, true AS sibling FROM sib) c
        LEFT JOIN (repositories r JOIN users u ON u.id = r.owner_id) ON r.id = c.repo_id::bigint`,
    },
    [owner, lease.now, lease.seconds, lease.siblingSeconds, Math.max(0, limits.siblings)],
  );
  const split = rows.map((row) => splitRepo<EventRow & { sibling: boolean }>(row));
  const strip = ({ sibling: _, ...row }: EventRow & { sibling: boolean }): EventRow => row;
  const event = split.find((r) => !r.own.sibling);
  if (!event) return undefined;
  const siblings = split
    .filter((r) => r.own.sibling)
    .map((r) => strip(r.own))
    .sort((x, y) => Number(BigInt(x.id) - BigInt(y.id)));
  return { event: strip(event.own), siblings, repo: event.repo };
}

/** A claimed event, the push siblings claimed with it, and their repository (undefined if gone). */
export interface ClaimedEvents {
  event: EventRow;
  siblings: EventRow[];
  repo: RepoRow | undefined;
}

/** Claims the fairest pending event (alone) for `owner`: one statement. */
export async function claimNextEvent(
  db: Db,
  owner: string,
  leaseSeconds: number,
  now: Date,
  repoOwner?: string,
  perRepoLimit?: number,
): Promise<EventRow | undefined> {
  const lease = { seconds: leaseSeconds, siblingSeconds: leaseSeconds, now };
  const limits = { repoOwner, perRepo: perRepoLimit, siblings: 0 };
  return (await claimEventRows(db, owner, lease, limits))?.event;
}

/**
 * The fairest pending event and its push siblings (claimEventRows), in a transaction that event
 * claims take in turn (an advisory lock): otherwise a second claim running at the same moment
 * (another event lane or controller) takes one of the push's other events and splits the push in
 * two claims, two checkouts and two evaluations. A claim holds the lock for one statement; the
 * lock is taken with the BEGIN (one round trip: db/client.ts lockedTransaction).
 */
export async function claimEventAndSiblings(
  db: Db,
  owner: string,
  lease: { seconds: number; siblingSeconds: number; now: Date },
  limits: { repoOwner?: string | undefined; perRepo?: number | undefined; siblings: number },
): Promise<ClaimedEvents | undefined> {
  return lockedTransaction(db, 'workflow-events:claim', (tx) =>
    claimEventRows(tx, owner, lease, limits),
  );
}

/** claimed → done | failed, only for the lease holder at `epoch` (fencing). */
export async function finishEvent(
  db: Db,
  id: string,
  lease: { owner: string; epoch: string },
  status: 'done' | 'failed',
  error: string | null,
  now: Date,
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE workflow_events SET status = $4, error = $5, lease_owner = NULL,
       lease_expires_at = NULL, updated_at = $6
     WHERE id = $1 AND lease_owner = $2 AND lease_epoch = $3 AND status = 'claimed'
     RETURNING id`,
    [id, lease.owner, lease.epoch, status, error, now],
  );
  return rows.length > 0;
}

/**
 * claimed → done for each of `leases` whose holder is at its epoch, in one statement (a batch
 * of reports); returns the events finished. One not returned was finished or lost its lease.
 */
export async function finishEvents(
  db: Db,
  leases: { id: string; owner: string; epoch: string }[],
  now: Date,
): Promise<EventRow[]> {
  if (leases.length === 0) return [];
  return db.query<EventRow>(
    `UPDATE workflow_events e SET status = 'done', error = NULL, lease_owner = NULL,
       lease_expires_at = NULL, updated_at = $4
       FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS l(l_id, l_owner, l_epoch)
     WHERE e.id = l.l_id AND e.lease_owner = l.l_owner AND e.lease_epoch = l.l_epoch
       AND e.status = 'claimed'
     RETURNING ${COLUMNS}`,
    [leases.map((l) => l.id), leases.map((l) => l.owner), leases.map((l) => l.epoch), now],
  );
}

/** An event finished by finishEventsWithRepos, with its repository (undefined if it is gone). */
export interface FinishedEvent {
  event: EventRow;
  repo: RepoRow | undefined;
}

/**
 * finishEvents, and in the same statement the repository of each event finished (what
 * findRepoById returns): a batch of reports finishes its events and learns where their runs go
 * in one round trip.
 */
export async function finishEventsWithRepos(
  db: Db,
  leases: { id: string; owner: string; epoch: string }[],
  now: Date,
): Promise<FinishedEvent[]> {
  if (leases.length === 0) return [];
  const rows = await db.query(
    `WITH done AS (
       UPDATE workflow_events e SET status = 'done', error = NULL, lease_owner = NULL,
         lease_expires_at = NULL, updated_at = $4
         FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS l(l_id, l_owner, l_epoch)
       WHERE e.id = l.l_id AND e.lease_owner = l.l_owner AND e.lease_epoch = l.l_epoch
         AND e.status = 'claimed'
       RETURNING ${COLUMNS})
     SELECT d.*, ${REPO_COLUMNS_AS_R}
       FROM done d
       LEFT JOIN (repositories r JOIN users u ON u.id = r.owner_id) ON r.id = d.repo_id::bigint`,
    [leases.map((l) => l.id), leases.map((l) => l.owner), leases.map((l) => l.epoch), now],
  );
  return rows.map((row) => {
    const { own: event, repo } = splitRepo<EventRow>(row);
    return { event, repo };
  });
}

/** Expired leases: back to pending, or failed after EVENT_MAX_ATTEMPTS. Returns rows changed. */
export async function sweepEventLeases(db: Db, now: Date): Promise<number> {
  const rows = await db.query(
    `UPDATE workflow_events SET
       status = CASE WHEN attempt >= $2 THEN 'failed' ELSE 'pending' END,
       error = CASE WHEN attempt >= $2 THEN 'runner lost' ELSE error END,
       lease_owner = NULL, lease_expires_at = NULL, updated_at = $1
     WHERE status = 'claimed' AND lease_expires_at < $1 RETURNING id`,
    [now, EVENT_MAX_ATTEMPTS],
  );
  return rows.length;
}

/** Records a `schedule` event unless one exists for the same repository, cron and minute. */
export async function insertScheduleEvent(
  db: Db,
  e: { repoId: string; ref: string; sha: string; cron: string; minute: string; actorId: string },
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO workflow_events (repo_id, type, ref, after_sha, payload, actor_id)
     SELECT $1, 'schedule', $2, $3, jsonb_build_object('cron', $4::text, 'minute', $5::text), $6
     WHERE NOT EXISTS (SELECT 1 FROM workflow_events WHERE repo_id = $1 AND type = 'schedule'
       AND payload->>'cron' = $4 AND payload->>'minute' = $5)
     RETURNING id`,
    [e.repoId, e.ref, e.sha, e.cron, e.minute, e.actorId],
  );
  return rows.length > 0;
}
