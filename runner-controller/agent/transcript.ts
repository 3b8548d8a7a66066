/**
 * A model step's side of the run log: `llm_token`, `tool_start` and `tool_end` events (and the
 * step's own notices as `step_output`), numbered from 1 per step in one sequence, as the run log
 * requires (durable-objects/run-stream/run-log-format.ts). Tokens are masked with a stream masker
 * (a secret split across tokens is still caught) and batched: sent after at most `maxDelayMs` or
 * `maxBytes`, and always before a tool event, so the transcript keeps its order.
 */
import type { ExecutorEvent } from '../executor/events';
import { maskAll, StreamMasker } from '../executor/masker';

/** Bytes of one tool's output kept in the log (the model may see more). */
export const LOGGED_TOOL_OUTPUT = 16 * 1024;

export class Transcript {
  private seq = 0;
  private pending = '';
  private timer: NodeJS.Timeout | undefined;
  private readonly masker: StreamMasker;
  private last: Promise<void> = Promise.resolve();

  constructor(
    private readonly stepId: string,
    private readonly patterns: string[],
    private readonly emit: (e: ExecutorEvent) => Promise<void>,
    private readonly opts: { maxDelayMs: number; maxBytes: number } = {
      maxDelayMs: 100,
      maxBytes: 4096,
    },
  ) {
    this.masker = new StreamMasker(patterns);
  }

  /** Masks a string (or every string inside a JSON value) for the log. */
  mask<T>(value: T): T {
    return maskDeep(value, this.patterns);
  }

  /** Model text as it streams. */
  token(text: string): Promise<void> | void {
    this.pending += this.masker.push(text);
    if (this.pending.length >= this.opts.maxBytes) return this.flushTokens();
    if (this.pending !== '' && !this.timer) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.flushTokens();
      }, this.opts.maxDelayMs);
    }
  }

  /** Ends a run of model text (what the masker held back is sent too). */
  async endText(): Promise<void> {
    this.pending += this.masker.flush();
    await this.flushTokens();
  }

  async toolStart(id: string, name: string, input: unknown): Promise<void> {
    await this.endText();
    await this.send({
      type: 'tool_start',
      step_id: this.stepId,
      seq: ++this.seq,
      data: { id, name, input: this.mask(clip(input)) },
    });
  }

  async toolEnd(data: {
    id: string;
    name: string;
    ok: boolean;
    output: string;
    duration_ms: number;
    exit_code?: number | null;
  }): Promise<void> {
    const output = maskAll(data.output, this.patterns);
    const cut = output.length > LOGGED_TOOL_OUTPUT;
    await this.send({
      type: 'tool_end',
      step_id: this.stepId,
      seq: ++this.seq,
      data: {
        ...data,
        output: cut
          ? `${output.slice(0, LOGGED_TOOL_OUTPUT)}\n[… ${output.length - LOGGED_TOOL_OUTPUT} more characters]`
          : output,
      },
    });
  }

  /** A line from Plue itself in the step's log (stderr), e.g. a retried turn. */
  async notice(text: string): Promise<void> {
    await this.endText();
    await this.send({
      type: 'step_output',
      step_id: this.stepId,
      stream: 'stderr',
      seq: ++this.seq,
      data: `plue: ${maskAll(text, this.patterns)}\n`,
    });
  }

  private flushTokens(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.pending === '') return this.last;
    const data = this.pending;
    this.pending = '';
    return this.send({ type: 'llm_token', step_id: this.stepId, seq: ++this.seq, data });
  }

  private send(e: ExecutorEvent): Promise<void> {
    this.last = this.last.then(() => this.emit(e));
    return this.last;
  }
}

/** A tool input for the log: every string cut to LOGGED_TOOL_OUTPUT characters (a written file's
 *  content can be large; one log chunk holds at most 1 MiB). */
function clip(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') {
    return value.length > LOGGED_TOOL_OUTPUT
      ? `${value.slice(0, LOGGED_TOOL_OUTPUT)}[… ${value.length - LOGGED_TOOL_OUTPUT} more characters]`
      : value;
  }
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => clip(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value)
      .slice(0, 100)
      .map(([k, v]) => [k, clip(v, depth + 1)]),
  );
}

function maskDeep<T>(value: T, patterns: string[]): T {
  if (patterns.length === 0) return value;
  if (typeof value === 'string') return maskAll(value, patterns) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => maskDeep(v, patterns)) as T;
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, maskDeep(v, patterns)]),
    ) as T;
  }
  return value;
}
