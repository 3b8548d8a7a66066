/**
 * Forwards the executor's events to the run's log (`POST /internal/runs/{id}/events` with the
 * run token) in batches: events queue while a post is in flight and go together in the next
 * one; `push` waits (back-pressure on the steps) only once too much is queued. Retries are
 * harmless because the log dedupes by (step_id, seq). `run_completed` is not forwarded: the
 * fenced `complete` call appends it.
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

export class EventForwarder {
  private queue: Record<string, unknown>[] = [];
  private queuedBytes = 0;
  private sending: Promise<void> | undefined;
  private failure: unknown;
  private readonly offsets = new Map<string, number>();

  constructor(
    private readonly api: ControllerApi,
    private readonly runId: number,
    private readonly token: string,
    /** True on a retried attempt: renumber each step's output after what the log holds. */
    private readonly continueSeq: boolean,
    /** Marks when the run's first output is queued here and when the log has it. */
    private readonly trace?: Trace,
  ) {}
  private outputSeen = false;

  /** Queues an event; rejects once forwarding failed for good (e.g. the lease was lost). */
  async push(e: ExecutorEvent): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (e.type === 'run_completed') return;
    if (e.type === 'step_started' && this.continueSeq) {
      await this.drain();
      const next = await this.api.postEvents(this.runId, this.token, [e]);
      this.offsets.set(e.step_id, Math.max(0, (next[e.step_id] ?? 1) - 1));
      return;
    }
    if (e.type === 'step_output' && !this.outputSeen) {
      this.outputSeen = true;
      this.trace?.('run_first_output', this.runId);
    }
    const chunk: Record<string, unknown> = { ...e };
    // Output and a model step's transcript share one sequence per step.
    if ('seq' in e) chunk.seq = e.seq + (this.offsets.get(e.step_id) ?? 0);
    this.queue.push(chunk);
    this.queuedBytes +=
      e.type === 'step_output' || e.type === 'llm_token' ? e.data.length : 'seq' in e ? 1000 : 100;
    this.kick();
    if (this.queuedBytes > MAX_QUEUED_BYTES) await this.drain();
  }

  /** Waits until everything queued is posted; rejects if posting failed. */
  async drain(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.failure !== undefined) throw this.failure;
  }

  private kick(): void {
    if (this.sending) return;
    this.sending = (async () => {
      try {
        while (this.queue.length > 0 && this.failure === undefined) {
          const batch = this.queue.splice(0, MAX_BATCH);
          this.queuedBytes = this.queue.length === 0 ? 0 : this.queuedBytes;
          await this.api.postEvents(this.runId, this.token, batch);
          if (this.trace && batch.some((c) => c.type === 'step_output')) {
            this.trace('run_output_posted', this.runId);
          }
        }
      } catch (err) {
        this.failure = err;
      } finally {
        this.sending = undefined;
      }
    })();
  }
}
