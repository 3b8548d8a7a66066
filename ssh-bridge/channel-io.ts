/**
 * Byte plumbing on one SSH exec channel: reading the client's stdin chunk by chunk (telling a
 * clean EOF from a dropped connection), writing with back-pressure, and ending in the order git
 * needs — all data handed to the transport, then `exit-status`, then EOF and close (a missing
 * exit-status makes OpenSSH exit 255; closing early truncates packs).
 */
import type { ServerChannel } from 'ssh2';

/** Pull-based reader of a channel's stdin. */
export class ChannelInput {
  private readonly it: AsyncIterator<unknown>;
  private ended = false;
  /** True when the input ended because the channel or connection went away (no EOF from the client). */
  aborted = false;

  constructor(private readonly channel: ServerChannel) {
    // destroyOnReturn: false — the default iterator destroys the whole duplex when the input
    // ends, which would cut the answer still being written to the client.
    this.it = channel.iterator({ destroyOnReturn: false });
  }

  /** The next chunk, or undefined at end of input (check `aborted`). */
  async next(): Promise<Buffer | undefined> {
    if (this.ended) return undefined;
    try {
      const r = await this.it.next();
      if (!r.done) return r.value as Buffer;
    } catch {
      this.aborted = true;
    }
    this.ended = true;
    // ssh2 ends the readable side both on CHANNEL_EOF and when the channel or connection closes;
    // only the first leaves the incoming state at 'eof'.
    const state = (this.channel.incoming as { state?: string } | undefined)?.state;
    if (state !== 'eof') this.aborted = true;
    return undefined;
  }
}

/** Writes to a channel (stdout or stderr) honouring back-pressure; tracks the last write. */
export class ChannelOutput {
  private last: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly gone: Promise<void>;

  constructor(private readonly channel: ServerChannel) {
    this.gone = new Promise((resolve) => {
      channel.once('close', () => {
        this.closed = true;
        resolve();
      });
    });
  }

  /** True once the channel is gone; writers should stop and abort their sources. */
  get isClosed(): boolean {
    return this.closed || this.channel.destroyed;
  }

  /** Writes `chunk` to stdout, resolving when the channel can take more. */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.isClosed || chunk.length === 0) return;
    this.last = new Promise((resolve) => {
      this.channel.write(chunk, () => resolve());
    });
    if (this.channel.writableNeedDrain) await this.drain();
  }

  /** Writes a line to stderr (git prints it as is). */
  async error(text: string): Promise<void> {
    if (this.isClosed) return;
    const line = text.endsWith('\n') ? text : `${text}\n`;
    this.last = Promise.all([
      this.last,
      new Promise<void>((resolve) => this.channel.stderr.write(line, () => resolve())),
    ]).then(() => undefined);
    await Promise.race([this.last, this.gone]);
  }

  /** Waits for everything written so far, then sends exit-status, EOF and close. */
  async finish(code: number): Promise<void> {
    if (this.isClosed) return;
    await Promise.race([this.last, this.gone]);
    if (this.isClosed) return;
    this.channel.exit(code);
    this.channel.end();
  }

  private drain(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.channel.off('drain', done);
        this.channel.off('close', done);
        resolve();
      };
      this.channel.on('drain', done);
      this.channel.on('close', done);
    });
  }
}
