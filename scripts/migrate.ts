/**
 * `npm run migrate`: applies pending migrations to DATABASE_URL, or to the embedded database
 * under .plue/ when it is unset (stop `npm start` first: PGlite has a single owner).
 */
import { startLocalDatabase } from '../db/local-server/index';
import { ROOT } from './node22';
import { redact, runMigrations } from './stack';

const databaseUrl = process.env.DATABASE_URL || undefined;
const dataDir = process.env.PLUE_DATA_DIR ?? `${ROOT}.plue`;
const db = await startLocalDatabase({
  databaseUrl,
  dataDir: databaseUrl ? undefined : `${dataDir}/pglite`,
});
try {
  const applied = await runMigrations(db);
  console.log(
    `${databaseUrl ? redact(databaseUrl) : 'embedded PGlite'}: ${applied.length ? `applied ${applied.join(', ')}` : 'up to date'}`,
  );
} catch (err) {
  console.error(`migration failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.close();
}
