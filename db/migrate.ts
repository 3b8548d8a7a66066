/**
 * Applies versioned SQL migrations in order, each in its own transaction, recording them in
 * `schema_migrations`. Safe to run concurrently: an advisory lock lets one runner at a time in.
 */
import type { Db } from './client';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const LOCK_KEY = 727_001;

/** Parses `0001_users.sql` style file names; returns undefined for anything else. */
export function parseMigrationName(file: string): { version: number; name: string } | undefined {
  const m = /^(\d{4})_([a-z0-9_]+)\.sql$/.exec(file);
  if (!m) return undefined;
  return { version: Number(m[1]), name: m[2] as string };
}

/** Applies every migration newer than the database's; returns the versions applied. */
export async function migrate(db: Db, migrations: Migration[]): Promise<number[]> {
  const sorted = [...migrations].sort((a, b) => a.version - b.version);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]?.version === sorted[i - 1]?.version) {
      throw new Error(`two migrations share version ${sorted[i]?.version}`);
    }
  }
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
  await db.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  try {
    const rows = await db.query<{ version: number }>('SELECT version FROM schema_migrations');
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const m of sorted) {
      if (done.has(m.version)) continue;
      await db.transaction(async (tx) => {
        await tx.query(m.sql);
        await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
          m.version,
          m.name,
        ]);
      });
      applied.push(m.version);
    }
    return applied;
  } finally {
    await db.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]);
  }
}
