/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database
 * under .plue/ when it is unset (stop `npm start` first: PGlite has a single owner). A Neon
 * DATABASE_URL is reached directly over Neon's WebSocket endpoint, as the deployed Worker
 * reaches it; any other goes through the local proxy (migrate-target.ts says why).
 */
import ws from 'ws';
import { createDb } from '../db/client';
import { loadMigrations } from '../db/load-migrations';
import { migrate } from '../db/migrate';
import { startLocalDatabase } from '../db/local-server/index';
import { isNeonDatabase } from './migrate-target';
import { ROOT } from './node22';
import { redact, runMigrations } from './stack';

const databaseUrl = process.env.DATABASE_URL || undefined;
const dataDir = process.env.PLUE_DATA_DIR ?? `${ROOT}.plue`;
const where = databaseUrl ? redact(databaseUrl) : 'embedded PGlite';

/** Applies the migrations over Neon's own endpoint (TLS WebSocket, the Worker's path). */
async function migrateNeon(url: string): Promise<number[]> {
  const handle = createDb({ databaseUrl: url, webSocketConstructor: ws });
  try {
    return await migrate(handle, loadMigrations());
  } finally {
    await handle.end();
  }
}

/** Applies the migrations through the local WebSocket → TCP proxy (or to embedded PGlite). */
async function migrateLocal(): Promise<number[]> {
  const db = await startLocalDatabase({
    databaseUrl,
    dataDir: databaseUrl ? undefined : `${dataDir}/pglite`,
  });
  try {
    return await runMigrations(db);
  } finally {
    await db.close();
  }
}

try {
  const applied =
    databaseUrl && isNeonDatabase(databaseUrl)
      ? await migrateNeon(databaseUrl)
      : await migrateLocal();
  console.log(`${where}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`);
} catch (err) {
  console.error(`migration failed: ${(err as Error).message}`);
  process.exitCode = 1;
}
