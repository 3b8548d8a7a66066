/**
 * Byte plumbing on one SSH exec channel: reading the client's stdin chunk by chunk (telling a
 * clean EOF from a dropped connection), writing with back-pressure, piping an HTTP answer in
 * full-packet writes, and ending in the order git needs — all data handed to the transport, then
 * `exit-status`, then EOF and close (a missing exit-status makes OpenSSH exit 255; closing early
 * truncates packs).
 */
import type { IncomingMessage } from 'node:http';
import type { ServerChannel } from 'ssh2';

/** Answer bytes gathered before writing to the channel even within one tick (two SSH packets). */
const FLUSH_AT = 64 * 1024;

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
    if (!this.push(chunk)) await this.drained();
  }

  /**
   * Queues `chunk` for stdout without waiting; false when the caller should stop and await
   * `drained()` (the client's window is used up and the channel's buffer full) or the channel
   * is gone.
   */
  push(chunk: Uint8Array): boolean {
    if (this.isClosed) return false;
    if (chunk.length === 0) return true;
    this.last = new Promise((resolve) => {
      this.channel.write(chunk, () => resolve());
    });
    return !this.channel.writableNeedDrain;
  }

  /** Resolves once the channel can take more, or is gone. */
  drained(): Promise<void> {
    if (this.isClosed || !this.channel.writableNeedDrain) return Promise.resolve();
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
}

/**
 * Streams an HTTP answer to the channel; false when the channel went away first. What the HTTP
 * parser yields in one tick (a socket read: a 64 KiB piece of pack, or a run of small sideband
 * chunks) goes to the channel as one write, so SSH packets stay full — ssh2's cost is per packet.
 * A full channel pauses the answer.
 */
export function pipeToChannel(res: IncomingMessage, out: ChannelOutput): Promise<boolean> {
  return new Promise<boolean>((resolve, reject) => {
    let settled = false;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let scheduled = false;
    const settle = (ok: boolean, err?: Error): void => {
      if (settled) return;
      settled = true;
      res.off('data', onData);
      res.off('end', onEnd);
      res.off('close', onClose);
      res.off('error', onError);
      res.on('error', () => undefined); // a late error must not go unhandled
      if (err) reject(err);
      else {
        if (!ok) res.destroy();
        resolve(ok);
      }
    };
    const flush = (): void => {
      scheduled = false;
      if (settled || pending.length === 0) return;
      const chunk = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      if (out.push(chunk)) return;
      if (out.isClosed) return settle(false);
      res.pause();
      void out.drained().then(() => {
        if (out.isClosed) settle(false);
        else if (!settled) res.resume();
      });
    };
    const onData = (chunk: Buffer): void => {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= FLUSH_AT) flush();
      else if (!scheduled) {
        scheduled = true;
        process.nextTick(flush);
      }
    };
    const onEnd = (): void => {
      flush();
      settle(!out.isClosed);
    };
    const onError = (err: Error): void => settle(false, err);
    // A connection lost mid-answer ends in 'close' without 'end' (and usually an error).
    const onClose = (): void => settle(false, new Error('upstream answer cut short'));
    res.on('data', onData);
    res.on('end', onEnd);
    res.on('error', onError);
    res.on('close', onClose);
  });
}
