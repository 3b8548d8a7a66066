/**
 * Retired packs of RepoObject: packs that compaction took out of the catalog but that a fetch
 * which read the old catalog may still be reading from R2 (upload-pack opens packs by key, one
 * after another, for as long as the client takes). They are recorded, with the time, in the same
 * transaction as the catalog swap, and the object's alarm deletes them (pack + idx) once a grace
 * period has passed. A row goes only after its R2 objects are gone, so a failed deletion is
 * retried by a later alarm and never forgotten. Pure rules (grace, next alarm) are exported for
 * tests; the SQL runs inside the DO's transactions.
 */

/** Default grace before a retired pack is deleted: far longer than any fetch should take. */
export const DEFAULT_RETIRE_GRACE_MS = 15 * 60_000;
/** Wait before retrying after R2 refused a deletion. */
export const SWEEP_RETRY_MS = 60_000;
/** Packs deleted per alarm; the alarm fires again at once while more are due. */
export const SWEEP_BATCH = 250;

export interface RetiredPack {
  key: string;
  retiredAt: number;
}

/** PACK_RETIRE_GRACE_MS as a number of milliseconds; the default when unset or not a number ≥ 0. */
export function retireGraceMs(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return DEFAULT_RETIRE_GRACE_MS;
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 ? n : DEFAULT_RETIRE_GRACE_MS;
}

/**
 * When the sweep alarm should fire next: when the oldest retired pack comes due, or (after a
 * failed deletion) no sooner than a retry interval from now. Undefined when nothing is retired.
 */
export function nextSweepAt(
  oldestRetiredAt: number | undefined,
  graceMs: number,
  now: number,
  failed: boolean,
): number | undefined {
  if (oldestRetiredAt === undefined) return undefined;
  const due = oldestRetiredAt + graceMs;
  return failed ? Math.max(due, now + SWEEP_RETRY_MS) : due;
}

export function createRetiredSchema(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS retired_packs (
    key TEXT PRIMARY KEY, retired_at INTEGER NOT NULL)`);
}

/** Records packs as retired at `now` (call inside the transaction that removes them). */
export function retirePacks(sql: SqlStorage, keys: string[], now: number): void {
  for (const key of keys) {
    sql.exec('INSERT OR IGNORE INTO retired_packs (key, retired_at) VALUES (?, ?)', key, now);
  }
}

/** Retired packs retired at or before `cutoff`, oldest first, at most `limit`. */
export function duePacks(sql: SqlStorage, cutoff: number, limit = SWEEP_BATCH): string[] {
  return sql
    .exec<{
      key: string;
    }>(
      'SELECT key FROM retired_packs WHERE retired_at <= ? ORDER BY retired_at, key LIMIT ?',
      cutoff,
      limit,
    )
    .toArray()
    .map((r) => r.key);
}

/** Drops the rows of packs whose objects are gone from R2. */
export function forgetRetired(sql: SqlStorage, keys: string[]): void {
  for (const key of keys) sql.exec('DELETE FROM retired_packs WHERE key = ?', key);
}

export function oldestRetiredAt(sql: SqlStorage): number | undefined {
  const t = sql
    .exec<{ t: number | null }>('SELECT MIN(retired_at) AS t FROM retired_packs')
    .toArray()[0]?.t;
  return t ?? undefined;
}

/** Every retired pack, oldest first. */
export function listRetired(sql: SqlStorage): RetiredPack[] {
  return sql
    .exec<{ key: string; retired_at: number }>(
      'SELECT key, retired_at FROM retired_packs ORDER BY retired_at, key',
    )
    .toArray()
    .map((r) => ({ key: r.key, retiredAt: r.retired_at }));
}
