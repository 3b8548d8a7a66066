/**
 * Writes a git smart-HTTP response body as it is produced: pkt-lines, side-band channels
 * (1 data, 2 progress, 3 fatal error), so clients see progress during long work instead of a
 * silent wait, and memory holds one packet at a time.
 */
import { encodePktLine, encodeSideBand, FLUSH_PKT, DELIM_PKT } from '../../../common/git/pkt-line';

export class GitResponseWriter {
  readonly readable: ReadableStream<Uint8Array>;
  private readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  private lastProgress = 0;
  private banded = false;

  /**
   * Whether side-band packets were written: from then on an error must go on channel 3, since
   * git cannot read an `ERR` pkt-line in the middle of a side-band stream ("bad band #69").
   */
  get inSideBand(): boolean {
    return this.banded;
  }

  constructor() {
    const ts = new TransformStream<Uint8Array, Uint8Array>();
    this.readable = ts.readable;
    this.writer = ts.writable.getWriter();
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.writer.write(bytes);
  }
  line(text: string): Promise<void> {
    return this.write(encodePktLine(text.endsWith('\n') ? text : `${text}\n`));
  }
  flush(): Promise<void> {
    return this.write(FLUSH_PKT);
  }
  delim(): Promise<void> {
    return this.write(DELIM_PKT);
  }
  /** Channel-1 data (pack bytes or a wrapped report). */
  band(data: Uint8Array): Promise<void> {
    this.banded = true;
    return this.write(encodeSideBand(1, data));
  }
  /** A progress line on channel 2, shown by git as `remote: …`; throttled unless `force`. */
  async progress(text: string, force = false, now = Date.now()): Promise<void> {
    if (!force && now - this.lastProgress < 250) return;
    this.banded = true;
    this.lastProgress = now;
    await this.write(encodeSideBand(2, new TextEncoder().encode(text)));
  }
  /** A fatal error on channel 3; the client aborts with this message. */
  fatal(text: string): Promise<void> {
    return this.write(encodeSideBand(3, new TextEncoder().encode(`${text}\n`)));
  }
  /** An error the client shows and aborts on: `ERR` before side-band, channel 3 after it. */
  error(text: string): Promise<void> {
    return this.banded ? this.fatal(text) : this.line(`ERR ${text}`);
  }
  close(): Promise<void> {
    return this.writer.close().catch(() => undefined);
  }
  abort(reason: unknown): Promise<void> {
    return this.writer.abort(reason).catch(() => undefined);
  }
}
