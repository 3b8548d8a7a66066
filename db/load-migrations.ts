/** Reads db/migrations/*.sql from disk (Node only). */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMigrationName, type Migration } from './migrate';

export const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url).pathname;

export function loadMigrations(dir: string = MIGRATIONS_DIR): Migration[] {
  const out: Migration[] = [];
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.sql')) continue;
    const parsed = parseMigrationName(file);
    if (!parsed) throw new Error(`migration file name must look like 0001_name.sql: ${file}`);
    out.push({ ...parsed, sql: readFileSync(join(dir, file), 'utf8') });
  }
  return out;
}
