/**
 * Batches one step's output into `step_output` events (docs/design/sandbox.md §4.2): a batch is
 * sent as soon as the pipe goes idle (no output for `idleMs`, default 2 ms: what one burst of
 * reads delivered goes out together), once it holds `maxBytes` (64 KiB), or at the latest
 * `maxDelayMs` after its first byte (a step that prints without pause), and whenever the stream
 * (stdout/stderr) changes. Sequence numbers start at 1 per step.
 * Text arrives already decoded and masked; `add` returns the emit promise when it sent a batch, so
 * the caller can pass back-pressure on to the sandbox.
 */
import type { OutputStream } from '../sandbox/types';

export interface OutputBatch {
  stream: OutputStream;
  seq: number;
  data: string;
}

export interface BatcherOptions {
  /** Upper bound on how long a byte waits while output keeps arriving. */
  maxDelayMs: number;
  /** Send once no output arrived for this long (default 2 ms). */
  idleMs?: number;
  maxBytes: number;
  emit(batch: OutputBatch): Promise<void>;
}

export class OutputBatcher {
  private stream: OutputStream | null = null;
  private text = '';
  private bytes = 0;
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private last: Promise<void> = Promise.resolve();

  constructor(private readonly opts: BatcherOptions) {}

  /** Number of batches sent so far. */
  get sent(): number {
    return this.seq;
  }

  add(stream: OutputStream, text: string): Promise<void> | void {
    if (text === '') return;
    let flushed = false;
    if (this.stream !== null && this.stream !== stream) {
      this.flush();
      flushed = true;
    }
    this.stream = stream;
    let rest = text;
    while (rest !== '') {
      const room = this.opts.maxBytes - this.bytes;
      let [head, tail] = splitAtBytes(rest, room);
      if (head === '' && this.bytes === 0) {
        // A single character larger than maxBytes: send it alone rather than loop forever.
        const first = String.fromCodePoint(rest.codePointAt(0) ?? 0);
        [head, tail] = [first, rest.slice(first.length)];
      }
      this.text += head;
      this.bytes += Buffer.byteLength(head);
      rest = tail;
      if (this.bytes >= this.opts.maxBytes || (head === '' && this.bytes > 0)) {
        this.flush();
        flushed = true;
        this.stream = stream;
      }
    }
    if (this.bytes > 0) {
      // The deadline starts at the batch's first byte; the idle timer restarts with every add.
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        this.flush();
      }, this.opts.maxDelayMs);
      if (this.idle) clearTimeout(this.idle);
      this.idle = setTimeout(
        () => {
          this.idle = undefined;
          this.flush();
        },
        Math.min(this.opts.idleMs ?? 2, this.opts.maxDelayMs),
      );
    }
    return flushed ? this.last : undefined;
  }

  /** Send what is buffered now; resolves when every batch so far has been emitted. */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.idle) {
      clearTimeout(this.idle);
      this.idle = undefined;
    }
    if (this.bytes > 0 && this.stream !== null) {
      const batch = { stream: this.stream, seq: ++this.seq, data: this.text };
      this.last = this.opts.emit(batch);
    }
    this.text = '';
    this.bytes = 0;
    this.stream = null;
    return this.last;
  }
}

/** Split `s` so the head is at most `maxBytes` UTF-8 bytes, never inside a character. */
export function splitAtBytes(s: string, maxBytes: number): [string, string] {
  if (maxBytes <= 0) return ['', s];
  if (Buffer.byteLength(s) <= maxBytes) return [s, ''];
  let bytes = 0;
  let i = 0;
  for (const ch of s) {
    const n = Buffer.byteLength(ch);
    if (bytes + n > maxBytes) break;
    bytes += n;
    i += ch.length;
  }
  return [s.slice(0, i), s.slice(i)];
}
