/**
 * The mergeability cache of landings (migration 0022): one row per landing holding the last
 * answer and the three commits it was computed for. A row answers only for the same key.
 */
import type { Db } from '../client';

export interface MergeabilityKey {
  targetTip: string;
  base: string;
  head: string;
}

export interface CachedMergeability {
  clean: boolean;
  conflicts: Array<{ path: string; kind: string }>;
}

/** The cached answer for exactly this key, or undefined (none, or one for other commits). */
export async function findMergeability(
  db: Db,
  landingId: string,
  key: MergeabilityKey,
): Promise<CachedMergeability | undefined> {
  const rows = await db.query<{ clean: boolean; conflicts: unknown }>(
    `SELECT clean, conflicts FROM landing_mergeability
     WHERE landing_id = $1 AND target_oid = $2 AND base_oid = $3 AND head_oid = $4`,
    [landingId, key.targetTip, key.base, key.head],
  );
  const row = rows[0];
  if (!row) return undefined;
  const list: unknown[] = Array.isArray(row.conflicts) ? (row.conflicts as unknown[]) : [];
  const field = (c: unknown, k: 'path' | 'kind'): string =>
    typeof c === 'object' && c !== null ? String((c as Record<string, unknown>)[k]) : '';
  return {
    clean: row.clean,
    conflicts: list.map((c) => ({ path: field(c, 'path'), kind: field(c, 'kind') })),
  };
}

/** Stores the answer for `key`, replacing the landing's previous one. */
export async function storeMergeability(
  db: Db,
  landingId: string,
  key: MergeabilityKey,
  m: CachedMergeability,
  now: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO landing_mergeability (landing_id, target_oid, base_oid, head_oid, clean,
       conflicts, computed_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7)
     ON CONFLICT (landing_id) DO UPDATE SET target_oid = EXCLUDED.target_oid,
       base_oid = EXCLUDED.base_oid, head_oid = EXCLUDED.head_oid, clean = EXCLUDED.clean,
       conflicts = EXCLUDED.conflicts, computed_at = EXCLUDED.computed_at`,
    [
      landingId,
      key.targetTip,
      key.base,
      key.head,
      m.clean,
      JSON.stringify(m.conflicts.map((c) => ({ path: c.path, kind: c.kind }))),
      now,
    ],
  );
}
