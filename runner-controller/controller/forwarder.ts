/**
 * Forwards the executor's events to the run's log (`POST /internal/runs/{id}/events` with the
 * run token) in batches: what is queued goes out as soon as the pipeline has room, and what
 * queues while appends are in flight goes together in the next one; `push` waits (back-pressure
 * on the steps) only once too much is queued. `run_completed` is not forwarded: the fenced
 * `complete` call appends it.
 *
 * Up to MAX_IN_FLIGHT appends are in flight at once, so a line printed while an append is on its
 * way need not wait for that append's answer (issue #21: step output → viewer latency). That is
 * safe because RunStream orders and dedupes sequenced chunks per step (run-log-store.ts): one
 * that arrives before an earlier one waits in its `pending` table until the gap is filled, and a
 * retry of a chunk already stored is a duplicate. The rules that keep it exact:
 * - Lifecycle events (`run_started`, `step_started`, `step_completed`) carry no seq and are not
 *   reordered by RunStream, so a batch holding one goes alone: it waits for every earlier append
 *   to be answered, and nothing is sent until it is answered.
 * - RunStream gives up on a gap once a step holds more than 256 chunks out of order, so an append
 *   that overlaps another carries at most OVERLAP_BATCH chunks, and the window counts from the
 *   oldest unanswered append (answered ones behind it still count): at most
 *   (MAX_IN_FLIGHT - 1) × OVERLAP_BATCH chunks can wait behind one append that is being retried.
 * - A new overlapping append starts at least MIN_GAP_MS after the previous one, so a step that
 *   prints without pause still makes at most one append per MIN_GAP_MS once appends are slower
 *   than that (each append costs RunStream a write per viewer).
 *
 * On a retried attempt (a previous controller was lost) the log already holds the earlier
 * attempt's output: when a step starts, the forwarder asks where that step's sequence stands
 * and numbers the new output after it, so it is appended instead of dropped as duplicates.
 */
import type { ExecutorEvent } from '../executor/events';
import type { ControllerApi } from './api';
import type { Trace } from './trace';

const MAX_BATCH = 500;
const MAX_QUEUED_BYTES = 2 * 1024 * 1024;
/** Appends in flight at once (the oldest unanswered one and those sent after it). */
export const MAX_IN_FLIGHT = 3;
/** Chunks in an append sent while another is in flight (RunStream holds ≤ 256 out of order). */
export const OVERLAP_BATCH = 64;
/** Least time between the start of an append and an overlapping one after it. */
export const MIN_GAP_MS = 40;

interface Queued {
  chunk: Record<string, unknown>;
  bytes: number;
  /** A lifecycle event: RunStream does not order these, so its append goes alone. */
  alone: boolean;
}

/** An append sent: `done` once answered; `alone` if nothing may overlap it. */
interface Sent {
  done: boolean;
  alone: boolean;
}

export class EventForwarder {
  private queue: Queued[] = [];
  private queuedBytes = 0;
  /** Appends from the oldest unanswered one on, in the order they were sent. */
  private readonly window: Sent[] = [];
  private lastSentAt = -Infinity;
  private gapTimer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  private failure: unknown;
  private readonly offsets = new Map<string, number>();
  private outputSeen = false;

  constructor(
    private readonly api: ControllerApi,
    private readonly runId: number,
    private readonly token: string,
    /** True on a retried attempt: renumber each step's output after what the log holds. */
    private readonly continueSeq: boolean,
    /** Marks when the run's first output is queued here and when the log has it. */
    private readonly trace?: Trace,
  ) {}

  /** Queues an event; rejects once forwarding failed for good (e.g. the lease was lost). */
  async push(e: ExecutorEvent): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (e.type === 'run_completed') return;
    if (e.type === 'step_started' && this.continueSeq) {
      await this.drain();
      const slot = this.open(true);
      try {
        const next = await this.api.postEvents(this.runId, this.token, [e]);
        this.offsets.set(e.step_id, Math.max(0, (next[e.step_id] ?? 1) - 1));
      } catch (err) {
        this.failure ??= err;
        throw err;
      } finally {
        this.settle(slot);
      }
      return;
    }
    if (e.type === 'step_output' && !this.outputSeen) {
      this.outputSeen = true;
      this.trace?.('run_first_output', this.runId);
    }
    const chunk: Record<string, unknown> = { ...e };
    // Output and a model step's transcript share one sequence per step.
    if ('seq' in e) chunk.seq = e.seq + (this.offsets.get(e.step_id) ?? 0);
    const bytes =
      e.type === 'step_output' || e.type === 'llm_token' ? e.data.length : 'seq' in e ? 1000 : 100;
    this.queue.push({ chunk, bytes, alone: !('seq' in e) });
    this.queuedBytes += bytes;
    this.kick();
    if (this.queuedBytes > MAX_QUEUED_BYTES) await this.drain();
  }

  /** Waits until everything queued is posted and answered; rejects if posting failed. */
  async drain(): Promise<void> {
    while (this.window.length > 0 || (this.queue.length > 0 && this.failure === undefined)) {
      await new Promise<void>((r) => this.waiters.push(r));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  /** Sends what the window allows now; schedules itself again when only the gap holds it. */
  private kick(): void {
    while (this.failure === undefined && this.queue.length > 0) {
      const overlap = this.window.length > 0;
      if (overlap) {
        if (this.window.length >= MAX_IN_FLIGHT || this.window.some((s) => s.alone)) return;
        const wait = this.lastSentAt + MIN_GAP_MS - performance.now();
        if (wait > 0) {
          this.gapTimer ??= setTimeout(() => {
            this.gapTimer = undefined;
            this.kick();
          }, wait);
          return;
        }
      }
      const limit = overlap ? OVERLAP_BATCH : MAX_BATCH;
      let n = 0;
      let alone = false;
      for (const q of this.queue) {
        if (n >= limit) break;
        if (q.alone) {
          if (overlap) break;
          alone = true;
        }
        n++;
      }
      if (n === 0) return; // a lifecycle event waits for the appends before it
      const taken = this.queue.splice(0, n);
      for (const q of taken) this.queuedBytes -= q.bytes;
      void this.send(
        taken.map((q) => q.chunk),
        alone,
      );
    }
  }

  private async send(batch: Record<string, unknown>[], alone: boolean): Promise<void> {
    const slot = this.open(alone);
    try {
      await this.api.postEvents(this.runId, this.token, batch);
      if (this.trace && batch.some((c) => c.type === 'step_output')) {
        this.trace('run_output_posted', this.runId);
      }
    } catch (err) {
      this.failure ??= err;
    } finally {
      this.settle(slot);
    }
  }

  private open(alone: boolean): Sent {
    const slot = { done: false, alone };
    this.window.push(slot);
    this.lastSentAt = performance.now();
    return slot;
  }

  /** Marks an append answered, slides the window past answered ones, sends more, wakes drains. */
  private settle(slot: Sent): void {
    slot.done = true;
    while (this.window[0]?.done) this.window.shift();
    this.kick();
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
