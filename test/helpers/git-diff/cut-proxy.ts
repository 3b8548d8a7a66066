/**
 * A loopback TCP proxy in front of an HTTP server that cuts a push half way: while armed, every
 * `POST …/git-receive-pack` is forwarded up to a chosen fraction of its body, then the upstream
 * connection is half-closed (the server sees the body end early) and the client's connection is
 * destroyed (git sees the server vanish). Every one, not only the first: curl resends a request
 * whose reused keep-alive connection dies before any answer, and that retry must be cut too. Everything else passes through untouched. It reads only
 * HTTP/1.1 request heads and Content-Length bodies, enough to find request boundaries on a
 * keep-alive connection; a chunked body it does not cut turns the rest of that connection into a
 * plain pipe.
 */
import net, { type AddressInfo, type Socket } from 'node:net';

export interface CutRecord {
  path: string;
  /** Body bytes the server received before the cut. */
  sent: number;
  /** The body's declared length, or undefined when chunked. */
  length: number | undefined;
}

export interface CutProxy {
  url: string;
  /** Cuts every receive-pack POST after `fraction` (0..1) of its body, until disarm(). */
  arm(fraction: number): void;
  /** Lets receive-pack POSTs through again. */
  disarm(): void;
  /** Cuts made so far, oldest first. */
  cuts: CutRecord[];
  close(): Promise<void>;
}

interface RequestHead {
  method: string;
  path: string;
  headLength: number;
  contentLength: number | undefined;
  chunked: boolean;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

/**
 * Parses an HTTP/1.1 request head at the start of `buf`: undefined while incomplete, an Error when
 * it cannot be a request head (too long, no request line, a bad Content-Length).
 */
export function parseRequestHead(buf: Buffer): RequestHead | undefined | Error {
  const end = buf.indexOf(HEAD_END);
  if (end < 0) return buf.length > MAX_HEAD ? new Error('request head too long') : undefined;
  const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
  const m = /^([A-Z]+) (\S+) HTTP\/1\.[01]$/.exec(lines[0] ?? '');
  if (!m) return new Error('not an HTTP/1.x request line');
  let contentLength: number | undefined;
  let chunked = false;
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) return new Error('malformed header line');
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (name === 'content-length') {
      if (!/^\d{1,15}$/.test(value)) return new Error('bad Content-Length');
      contentLength = Number(value);
    } else if (name === 'transfer-encoding' && /chunked/i.test(value)) chunked = true;
  }
  return {
    method: m[1] as string,
    path: m[2] as string,
    headLength: end + HEAD_END.length,
    contentLength,
    chunked,
  };
}

/** Starts a proxy on a free loopback port in front of `upstream` (`http://host:port`). */
export async function startCutProxy(upstream: string): Promise<CutProxy> {
  const target = new URL(upstream);
  const cuts: CutRecord[] = [];
  let armed: number | undefined;
  const sockets = new Set<Socket>();

  const server = net.createServer((client) => {
    const up = net.connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(up);
    client.on('close', () => sockets.delete(client));
    up.on('close', () => sockets.delete(up));
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
    up.pipe(client);
    up.on('end', () => client.end());

    let pending: Buffer = Buffer.alloc(0);
    /** Body bytes still to pass before the next request head; Infinity = plain pipe. */
    let bodyLeft = 0;
    /** When cutting: body bytes still to pass before the cut. */
    let cutAfter: number | undefined;
    let current: CutRecord | undefined;

    const onData = (chunk: Buffer): void => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length > 0) {
        if (cutAfter !== undefined && current) {
          const n = Math.min(cutAfter, pending.length);
          up.write(pending.subarray(0, n));
          current.sent += n;
          cutAfter -= n;
          pending = pending.subarray(n);
          if (cutAfter === 0) {
            cuts.push(current);
            client.off('data', onData);
            client.destroy();
            up.end(() => up.destroy());
            return;
          }
          continue;
        }
        if (bodyLeft > 0) {
          const n = Math.min(bodyLeft, pending.length);
          up.write(pending.subarray(0, n));
          bodyLeft -= n;
          pending = pending.subarray(n);
          continue;
        }
        const head = parseRequestHead(pending);
        if (head === undefined) return;
        if (head instanceof Error) {
          bodyLeft = Infinity;
          continue;
        }
        up.write(pending.subarray(0, head.headLength));
        pending = pending.subarray(head.headLength);
        const isPush = head.method === 'POST' && head.path.endsWith('/git-receive-pack');
        if (isPush && armed !== undefined) {
          const length = head.chunked ? undefined : head.contentLength;
          // At least one byte passes and at least one is withheld.
          const size = length ?? 256;
          cutAfter = Math.max(1, Math.min(size - 1, Math.floor(armed * size)));
          current = { path: head.path, sent: 0, length };
        } else if (head.chunked) bodyLeft = Infinity;
        else bodyLeft = head.contentLength ?? 0;
      }
    };
    client.on('data', onData);
    client.on('end', () => up.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    arm(fraction) {
      if (!(fraction >= 0 && fraction <= 1)) throw new Error(`bad fraction ${fraction}`);
      armed = fraction;
    },
    disarm() {
      armed = undefined;
    },
    cuts,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
