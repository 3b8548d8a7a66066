/**
 * The SQLite tables behind a RunStream's live log, with the write batching that keeps an append
 * cheap: step and meta rows change in memory during a batch and are written once at its end
 * (`StateRows.save`), and the number of held out-of-order chunks per step is known in memory, so
 * an in-order chunk (the usual case) costs one INSERT and no lookups.
 *
 * Everything here is written inside the caller's storage transaction; if it rolls back, the
 * caller rebuilds these objects from the tables.
 *
 * Survives eviction: all of it (SQLite); the in-memory copies are reloaded at construction.
 */
import type { Chunk } from './run-log-format';

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, step_id TEXT NOT NULL,
  event TEXT NOT NULL, line TEXT NOT NULL, bytes INTEGER NOT NULL, text TEXT);
CREATE INDEX IF NOT EXISTS records_step ON records (step_id, id);
CREATE TABLE IF NOT EXISTS steps (step_id TEXT PRIMARY KEY, next_seq INTEGER NOT NULL,
  started INTEGER NOT NULL, completed INTEGER NOT NULL, out_bytes INTEGER NOT NULL,
  dropped_bytes INTEGER NOT NULL, truncated INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS pending (step_id TEXT NOT NULL, seq INTEGER NOT NULL,
  chunk TEXT NOT NULL, PRIMARY KEY (step_id, seq));
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

export interface StepState {
  step_id: string;
  next_seq: number;
  started: number;
  completed: number;
  out_bytes: number;
  dropped_bytes: number;
  truncated: number;
}

/** The `steps` and `meta` rows, cached in memory; changes are written by `save()`. */
export class StateRows {
  readonly steps = new Map<string, StepState>();
  private readonly meta = new Map<string, string>();
  private readonly dirtySteps = new Set<StepState>();
  private readonly dirtyMeta = new Set<string>();

  constructor(private readonly sql: SqlStorage) {
    for (const row of sql.exec<Record<string, SqlStorageValue>>('SELECT * FROM steps')) {
      const s = row as unknown as StepState;
      this.steps.set(s.step_id, { ...s });
    }
    for (const row of sql.exec<{ key: string; value: string }>('SELECT key, value FROM meta')) {
      this.meta.set(row.key, row.value);
    }
  }

  getMeta(key: string): string | undefined {
    return this.meta.get(key);
  }

  /** Changes a meta row in memory; written by the next `save()`. */
  setMeta(key: string, value: string): void {
    this.meta.set(key, value);
    this.dirtyMeta.add(key);
  }

  /** The step's state, created (and marked for saving) on first use. */
  step(stepId: string): StepState {
    let s = this.steps.get(stepId);
    if (!s) {
      s = {
        step_id: stepId,
        next_seq: 1,
        started: 0,
        completed: 0,
        out_bytes: 0,
        dropped_bytes: 0,
        truncated: 0,
      };
      this.steps.set(stepId, s);
      this.dirtySteps.add(s);
    }
    return s;
  }

  /** Marks a step's state as changed. */
  touch(s: StepState): void {
    this.dirtySteps.add(s);
  }

  /** Writes every changed row (call before the transaction ends). */
  save(): void {
    for (const s of this.dirtySteps) {
      this.sql.exec(
        `INSERT OR REPLACE INTO steps (step_id, next_seq, started, completed, out_bytes,
           dropped_bytes, truncated) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        s.step_id,
        s.next_seq,
        s.started,
        s.completed,
        s.out_bytes,
        s.dropped_bytes,
        s.truncated,
      );
    }
    this.dirtySteps.clear();
    for (const key of this.dirtyMeta) {
      const value = this.meta.get(key);
      if (value !== undefined) {
        this.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, value);
      }
    }
    this.dirtyMeta.clear();
  }
}

/** Out-of-order chunks held per step until the gap before them is filled. */
export class PendingChunks {
  private readonly held = new Map<string, number>();

  constructor(private readonly sql: SqlStorage) {
    for (const row of sql.exec<{ step_id: string; n: number }>(
      'SELECT step_id, count(*) AS n FROM pending GROUP BY step_id',
    )) {
      this.held.set(row.step_id, row.n);
    }
  }

  /** Chunks held for the step. */
  count(stepId: string): number {
    return this.held.get(stepId) ?? 0;
  }

  /** Holds a chunk (a retried one is kept once); returns how many the step now holds. */
  hold(stepId: string, seq: number, c: Chunk): number {
    const written = this.sql.exec(
      'INSERT OR IGNORE INTO pending (step_id, seq, chunk) VALUES (?, ?, ?)',
      stepId,
      seq,
      JSON.stringify(c),
    ).rowsWritten;
    const n = this.count(stepId) + (written > 0 ? 1 : 0);
    this.held.set(stepId, n);
    return n;
  }

  /** Takes the held chunk `seq` of the step, if there is one. */
  take(stepId: string, seq: number): Chunk | undefined {
    if (this.count(stepId) === 0) return undefined;
    const row = this.sql
      .exec<{ chunk: string }>(
        'SELECT chunk FROM pending WHERE step_id = ? AND seq = ?',
        stepId,
        seq,
      )
      .toArray()[0];
    if (!row) return undefined;
    this.sql.exec('DELETE FROM pending WHERE step_id = ? AND seq = ?', stepId, seq);
    this.held.set(stepId, this.count(stepId) - 1);
    return JSON.parse(row.chunk) as Chunk;
  }

  /** Takes every held chunk of the step, in seq order. */
  takeAll(stepId: string): { seq: number; chunk: Chunk }[] {
    if (this.count(stepId) === 0) return [];
    const rows = this.sql
      .exec<{ seq: number; chunk: string }>(
        'SELECT seq, chunk FROM pending WHERE step_id = ? ORDER BY seq',
        stepId,
      )
      .toArray();
    this.sql.exec('DELETE FROM pending WHERE step_id = ?', stepId);
    this.held.delete(stepId);
    return rows.map((r) => ({ seq: r.seq, chunk: JSON.parse(r.chunk) as Chunk }));
  }

  /** Forgets every held chunk. */
  clear(): void {
    this.sql.exec('DELETE FROM pending');
    this.held.clear();
  }
}
