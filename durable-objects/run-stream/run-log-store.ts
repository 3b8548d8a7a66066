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
 * The tables and their write batching are in run-log-tables.ts: a batch of in-order chunks costs
 * one INSERT per record plus one write per changed step and meta row.
 *
 * Survives eviction: everything here (SQLite). The `steps` and `meta` tables are kept after the
 * records are archived to R2, so a late retry is still recognised as a duplicate.
 */
import {
  cutUtf8,
  plainTextOf,
  recordLine,
  utf8Length,
  type Chunk,
  type LogRecord,
  type OutputStream,
} from './run-log-format';
import { PendingChunks, SCHEMA, StateRows, type StepState } from './run-log-tables';

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

export class RunLogStore {
  private readonly rows: StateRows;
  private readonly pending: PendingChunks;

  constructor(
    private readonly sql: SqlStorage,
    private readonly limits: LogLimits,
  ) {
    sql.exec(SCHEMA);
    this.rows = new StateRows(sql);
    this.pending = new PendingChunks(sql);
  }

  getMeta(key: string): string | undefined {
    return this.rows.getMeta(key);
  }

  /** Sets a meta row now (call inside a storage transaction). */
  setMeta(key: string, value: string): void {
    this.rows.setMeta(key, value);
    this.rows.save();
  }

  get lastId(): number {
    return Number(this.rows.getMeta('last_id') ?? 0);
  }
  get completed(): boolean {
    return this.rows.getMeta('completed') === '1';
  }
  get archived(): boolean {
    return this.rows.getMeta('archived') === '1';
  }
  get runBytes(): number {
    return Number(this.rows.getMeta('run_bytes') ?? 0);
  }

  /** Stored output bytes per step. */
  stepBytes(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const s of this.rows.steps.values()) if (s.step_id !== '') out[s.step_id] = s.out_bytes;
    return out;
  }

  /**
   * Appends a validated batch (call inside a storage transaction). Step and meta rows are
   * written once, at the end of the batch.
   */
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
      const st = this.rows.step(c.step_id);
      if (c.seq === undefined) this.appendLifecycle(c, st, now, out);
      else this.appendSequenced(c, c.seq, st, now, out);
      if (c.step_id !== '') out.nextSeq[c.step_id] = st.next_seq;
    }
    out.completed = this.completed;
    this.rows.save();
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

  /**
   * Where every `stride`-th record starts in the NDJSON log: `[id, byte offset]` pairs in id
   * order, the first record's included. Lets a reader of the archive start near a record.
   */
  lineOffsets(stride: number): [number, number][] {
    return this.sql
      .exec<{ id: number; off: number }>(
        `SELECT id, off FROM (
           SELECT id, SUM(bytes) OVER (ORDER BY id) - bytes AS off,
                  ROW_NUMBER() OVER (ORDER BY id) - 1 AS n FROM records)
         WHERE n % ? = 0 ORDER BY id`,
        stride,
      )
      .toArray()
      .map((r) => [r.id, r.off]);
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
    this.pending.clear();
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
      for (const s of this.rows.steps.values()) this.flushPending(s, now, out);
    } else if (c.event === 'step_completed') {
      this.flushPending(st, now, out);
    }
    if (ending) st.completed = 1;
    else st.started = 1;
    this.rows.touch(st);
    this.store({ event: c.event, step_id: c.step_id, data: c.data }, now, out);
    if (c.event === 'run_completed') {
      this.rows.setMeta('completed', '1');
      this.rows.setMeta('completed_at', String(now));
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
      out.pending++;
      const held = this.pending.hold(st.step_id, seq, c);
      if (held > this.limits.maxPendingPerStep) this.flushPending(st, now, out);
      return;
    }
    this.storeSequenced(c, seq, st, now, out);
    // Chunks that were waiting for this one.
    for (let next = this.pending.take(st.step_id, st.next_seq); next;) {
      out.pending = Math.max(0, out.pending - 1);
      this.storeSequenced(next, st.next_seq, st, now, out);
      next = this.pending.take(st.step_id, st.next_seq);
    }
  }

  /** Stores held chunks in seq order, marking each gap, so nothing waits forever. */
  private flushPending(st: StepState, now: number, out: AppendOutcome): void {
    const rows = this.pending.takeAll(st.step_id);
    if (rows.length === 0) return;
    for (const r of rows) {
      if (r.seq > st.next_seq) {
        const missing =
          r.seq - 1 === st.next_seq ? `${st.next_seq}` : `${st.next_seq}–${r.seq - 1}`;
        this.marker(st, `[plue] output missing here: chunk(s) ${missing} never arrived`, now, out);
        st.next_seq = r.seq;
      }
      this.storeSequenced(r.chunk, r.seq, st, now, out);
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
    const runTruncated = this.rows.getMeta('run_truncated') === '1';
    if (st.truncated || runTruncated) {
      st.dropped_bytes += size;
      this.rows.touch(st);
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
        plainTextOf(c.event, c.data),
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
    if (byRun) this.rows.setMeta('run_truncated', '1');
    st.truncated = 1;
    const limit = byRun ? this.limits.maxRunBytes : this.limits.maxStepBytes;
    const what = byRun ? "the run's" : "this step's";
    this.marker(st, `[plue] log truncated: ${what} output exceeded ${limit} bytes`, now, out);
  }

  private addBytes(st: StepState, n: number): void {
    st.out_bytes += n;
    this.rows.touch(st);
    this.rows.setMeta('run_bytes', String(this.runBytes + n));
  }

  private marker(st: StepState, message: string, now: number, out: AppendOutcome): void {
    this.rows.touch(st);
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
    this.rows.setMeta('last_id', String(id));
    out.stored.push({ id, event: r.event, line });
  }
}
