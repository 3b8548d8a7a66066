/**
 * The live run log in a RunStream's SQLite storage: numbered records, per-step dedupe and order,
 * and the size limits.
 *
 * - Sequenced chunks (`step_output`, agent events) are stored in `seq` order per step: a chunk
 *   below the step's next seq is a duplicate; one above it waits in `pending` until the gap is
 *   filled, or until the step or run completes (then the gap is marked in the log and skipped).
 * - Lifecycle events are stored at most once per step (or run).
 * - Output past the per-step or per-run byte limit is cut at a character boundary and replaced
 *   by one marker record (`truncated: true`); later output of that step is counted and dropped.
 *
 * Survives eviction: everything here (SQLite). The `steps` and `meta` tables are kept after the
 * records are archived to R2, so a late retry is still recognised as a duplicate.
 */
import {
  cutUtf8,
  recordLine,
  utf8Length,
  type Chunk,
  type LogRecord,
  type OutputStream,
} from './run-log-format';

export interface LogLimits {
  maxStepBytes: number;
  maxRunBytes: number;
  /** Out-of-order chunks held per step before the gap is given up on. */
  maxPendingPerStep: number;
}

export interface StoredRecord {
  id: number;
  event: string;
  line: string;
}

export interface AppendOutcome {
  stored: StoredRecord[];
  duplicates: number;
  /** Chunks held until a gap before them is filled. */
  pending: number;
  /** New chunks refused because the run had completed. */
  rejected: number;
  /** Per step: the next seq expected (everything below it is stored). */
  nextSeq: Record<string, number>;
  completed: boolean;
}

interface StepState {
  step_id: string;
  next_seq: number;
  started: number;
  completed: number;
  out_bytes: number;
  dropped_bytes: number;
  truncated: number;
}

const SCHEMA = `
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

export class RunLogStore {
  private readonly steps = new Map<string, StepState>();
  private readonly meta = new Map<string, string>();

  constructor(
    private readonly sql: SqlStorage,
    private readonly limits: LogLimits,
  ) {
    sql.exec(SCHEMA);
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

  setMeta(key: string, value: string): void {
    this.meta.set(key, value);
    this.sql.exec('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)', key, value);
  }

  get lastId(): number {
    return Number(this.meta.get('last_id') ?? 0);
  }
  get completed(): boolean {
    return this.meta.get('completed') === '1';
  }
  get archived(): boolean {
    return this.meta.get('archived') === '1';
  }
  get runBytes(): number {
    return Number(this.meta.get('run_bytes') ?? 0);
  }

  /** Stored output bytes per step. */
  stepBytes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.steps.values()) if (s.step_id !== '') out[s.step_id] = s.out_bytes;
    return out;
  }

  /** Appends a validated batch (call inside a storage transaction). */
  append(chunks: Chunk[], now: number): AppendOutcome {
    const out: AppendOutcome = {
      stored: [],
      duplicates: 0,
      pending: 0,
      rejected: 0,
      nextSeq: {},
      completed: false,
    };
    for (const c of chunks) {
      const st = this.step(c.step_id);
      if (c.seq === undefined) this.appendLifecycle(c, st, now, out);
      else this.appendSequenced(c, c.seq, st, now, out);
      if (c.step_id !== '') out.nextSeq[c.step_id] = st.next_seq;
    }
    out.completed = this.completed;
    return out;
  }

  /** Records with id > after, oldest first. */
  recordsAfter(after: number, limit: number): StoredRecord[] {
    return this.sql
      .exec<{ id: number; event: string; line: string }>(
        'SELECT id, event, line FROM records WHERE id > ? ORDER BY id LIMIT ?',
        after,
        limit,
      )
      .toArray();
  }

  /** The plain-text output of one step (stdout and stderr interleaved, with markers). */
  stepText(stepId: string, afterId: number, limit: number): { id: number; text: string }[] {
    return this.sql
      .exec<{ id: number; text: string }>(
        `SELECT id, text FROM records WHERE step_id = ? AND id > ? AND text IS NOT NULL
         ORDER BY id LIMIT ?`,
        stepId,
        afterId,
        limit,
      )
      .toArray();
  }

  /** Total bytes of the NDJSON log (each line plus its newline). */
  logBytes(): number {
    return this.sql.exec<{ n: number }>('SELECT COALESCE(SUM(bytes), 0) AS n FROM records').one().n;
  }

  /** Text bytes per step that has any. */
  stepTextBytes(): { step_id: string; n: number }[] {
    return this.sql
      .exec<{ step_id: string; n: number }>(
        `SELECT step_id, SUM(length(CAST(text AS BLOB))) AS n FROM records
         WHERE text IS NOT NULL GROUP BY step_id ORDER BY step_id`,
      )
      .toArray();
  }

  /** Forgets the records (they are in R2 now); dedupe state stays. */
  dropRecords(): void {
    this.sql.exec('DELETE FROM records');
    this.sql.exec('DELETE FROM pending');
  }

  private step(stepId: string): StepState {
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
      this.saveStep(s);
    }
    return s;
  }

  private saveStep(s: StepState): void {
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

  private appendLifecycle(c: Chunk, st: StepState, now: number, out: AppendOutcome): void {
    const ending = c.event === 'step_completed' || c.event === 'run_completed';
    const done = ending ? st.completed : st.started;
    if (done) {
      out.duplicates++;
      return;
    }
    if (this.completed) {
      out.rejected++;
      return;
    }
    if (c.event === 'run_completed') {
      for (const s of this.steps.values()) this.flushPending(s, now, out);
    } else if (c.event === 'step_completed') {
      this.flushPending(st, now, out);
    }
    if (ending) st.completed = 1;
    else st.started = 1;
    this.saveStep(st);
    this.store({ event: c.event, step_id: c.step_id, data: c.data }, now, out);
    if (c.event === 'run_completed') {
      this.setMeta('completed', '1');
      this.setMeta('completed_at', String(now));
    }
  }

  private appendSequenced(
    c: Chunk,
    seq: number,
    st: StepState,
    now: number,
    out: AppendOutcome,
  ): void {
    if (seq < st.next_seq) {
      out.duplicates++;
      return;
    }
    if (this.completed) {
      out.rejected++;
      return;
    }
    if (seq > st.next_seq) {
      this.sql.exec(
        'INSERT OR IGNORE INTO pending (step_id, seq, chunk) VALUES (?, ?, ?)',
        st.step_id,
        seq,
        JSON.stringify(c),
      );
      out.pending++;
      const held = this.sql
        .exec<{ n: number }>('SELECT count(*) AS n FROM pending WHERE step_id = ?', st.step_id)
        .one().n;
      if (held > this.limits.maxPendingPerStep) this.flushPending(st, now, out);
      return;
    }
    this.storeSequenced(c, seq, st, now, out);
    // Chunks that were waiting for this one.
    for (;;) {
      const next = this.sql
        .exec<{ chunk: string }>(
          'SELECT chunk FROM pending WHERE step_id = ? AND seq = ?',
          st.step_id,
          st.next_seq,
        )
        .toArray()[0];
      if (!next) break;
      this.sql.exec('DELETE FROM pending WHERE step_id = ? AND seq = ?', st.step_id, st.next_seq);
      out.pending = Math.max(0, out.pending - 1);
      this.storeSequenced(JSON.parse(next.chunk) as Chunk, st.next_seq, st, now, out);
    }
  }

  /** Stores held chunks in seq order, marking each gap, so nothing waits forever. */
  private flushPending(st: StepState, now: number, out: AppendOutcome): void {
    const rows = this.sql
      .exec<{ seq: number; chunk: string }>(
        'SELECT seq, chunk FROM pending WHERE step_id = ? ORDER BY seq',
        st.step_id,
      )
      .toArray();
    if (rows.length === 0) return;
    this.sql.exec('DELETE FROM pending WHERE step_id = ?', st.step_id);
    for (const r of rows) {
      if (r.seq > st.next_seq) {
        const missing =
          r.seq - 1 === st.next_seq ? `${st.next_seq}` : `${st.next_seq}–${r.seq - 1}`;
        this.marker(st, `[plue] output missing here: chunk(s) ${missing} never arrived`, now, out);
        st.next_seq = r.seq;
      }
      this.storeSequenced(JSON.parse(r.chunk) as Chunk, r.seq, st, now, out);
    }
    out.pending = 0;
  }

  private storeSequenced(
    c: Chunk,
    seq: number,
    st: StepState,
    now: number,
    out: AppendOutcome,
  ): void {
    st.next_seq = seq + 1;
    const text = typeof c.data === 'string' ? c.data : JSON.stringify(c.data);
    const size = utf8Length(text);
    const runTruncated = this.meta.get('run_truncated') === '1';
    if (st.truncated || runTruncated) {
      st.dropped_bytes += size;
      this.saveStep(st);
      return;
    }
    const stepRoom = this.limits.maxStepBytes - st.out_bytes;
    const runRoom = this.limits.maxRunBytes - this.runBytes;
    if (size <= stepRoom && size <= runRoom) {
      this.addBytes(st, size);
      this.store(
        { event: c.event, step_id: st.step_id, stream: c.stream, seq, data: c.data },
        now,
        out,
        c.event === 'step_output' ? text : undefined,
      );
      return;
    }
    // Over a limit: keep what fits (output only), then one marker; drop the rest from now on.
    const room = Math.max(0, Math.min(stepRoom, runRoom));
    if (c.event === 'step_output' && room > 0) {
      const kept = cutUtf8(text, room);
      const keptBytes = utf8Length(kept);
      this.addBytes(st, keptBytes);
      st.dropped_bytes += size - keptBytes;
      this.store(
        { event: c.event, step_id: st.step_id, stream: c.stream, seq, data: kept },
        now,
        out,
        kept,
      );
    } else {
      st.dropped_bytes += size;
    }
    const byRun = runRoom < stepRoom;
    if (byRun) this.setMeta('run_truncated', '1');
    st.truncated = 1;
    const limit = byRun ? this.limits.maxRunBytes : this.limits.maxStepBytes;
    const what = byRun ? "the run's" : "this step's";
    this.marker(st, `[plue] log truncated: ${what} output exceeded ${limit} bytes`, now, out);
  }

  private addBytes(st: StepState, n: number): void {
    st.out_bytes += n;
    this.saveStep(st);
    this.setMeta('run_bytes', String(this.runBytes + n));
  }

  private marker(st: StepState, message: string, now: number, out: AppendOutcome): void {
    this.saveStep(st);
    const text = `\n${message}\n`;
    this.store(
      { event: 'step_output', step_id: st.step_id, stream: 'stderr', data: text, truncated: true },
      now,
      out,
      text,
    );
  }

  private store(
    r: {
      event: Chunk['event'];
      step_id: string;
      stream?: OutputStream | undefined;
      seq?: number;
      data: unknown;
      truncated?: true;
    },
    now: number,
    out: AppendOutcome,
    text?: string,
  ): void {
    const id = this.lastId + 1;
    const record: LogRecord = { id, event: r.event, t: now, data: r.data };
    if (r.step_id) record.step_id = r.step_id;
    if (r.stream !== undefined) record.stream = r.stream;
    if (r.seq !== undefined) record.seq = r.seq;
    if (r.truncated) record.truncated = true;
    const line = recordLine(record);
    this.sql.exec(
      'INSERT INTO records (id, step_id, event, line, bytes, text) VALUES (?, ?, ?, ?, ?, ?)',
      id,
      r.step_id,
      r.event,
      line,
      utf8Length(line) + 1,
      text ?? null,
    );
    this.setMeta('last_id', String(id));
    out.stored.push({ id, event: r.event, line });
  }
}
