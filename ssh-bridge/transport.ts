/**
 * The first bytes of a client connection, before ssh2 takes the socket over, and how the socket
 * is written afterwards.
 *
 * - Cipher choice: the client picks the first cipher of its own list that the server offers, and
 *   OpenSSH lists aes-ctr (with an HMAC) before aes-gcm. Without ssh2's native add-on, AES-CTR +
 *   HMAC-SHA-256 costs the bridge and the client about twice what AES-GCM does per byte. So the
 *   bridge sends its identification line itself, reads the client's identification line and
 *   plaintext KEXINIT, and hands the connection to the ssh2 server that offers only AES-GCM when
 *   the client accepts it, to the one with the full list otherwise (nothing is lost on either).
 *   The bytes read are pushed back, and ssh2's own copy of the identification line is dropped.
 * - Coalesced writes: ssh2 writes each SSH packet in three or four pieces (length, ciphertext,
 *   tag), each its own syscall and wake-up of the client (~13,000 for a 100 MiB clone); the
 *   socket is corked for the rest of the tick, so the pieces of one event go out in one writev.
 */
import type { Socket } from 'node:net';
import ssh2Crypto from 'ssh2/lib/protocol/crypto.js';

const KEXINIT = 20;
/** RFC 4253 §6.1 lets implementations refuse packets over 35000 bytes; ssh2 does. */
const MAX_PACKET = 35_000;
const MAX_IDENT = 255;

export const AES_GCM = ['aes128-gcm@openssh.com', 'aes256-gcm@openssh.com'];

/**
 * Whether ssh2 loaded its optional native crypto binding (fast chacha20-poly1305). ssh2 says so
 * itself, wherever it found the binding: beside the esbuild bundle in the image, or in
 * node_modules when run from source.
 */
function nativeChacha(): boolean {
  return ssh2Crypto.bindingAvailable === true;
}

/**
 * The ciphers offered to clients without AES-GCM: ssh2's defaults when its add-on runs
 * chacha20-poly1305 natively, AES only otherwise (chacha20 in JavaScript is far slower).
 */
export function otherCiphers(): string[] | undefined {
  return nativeChacha() ? undefined : [...AES_GCM, 'aes128-ctr', 'aes256-ctr'];
}

/** True when the client accepts AES-GCM both ways: it is then offered nothing else. */
export function acceptsAesGcm(hello: ClientHello | undefined): boolean {
  const has = (list: string[] = []): boolean => list.some((c) => AES_GCM.includes(c));
  return has(hello?.ciphersToServer) && has(hello?.ciphersToClient);
}

/** What the client's first KEXINIT says about it. */
export interface ClientHello {
  ident: string;
  /** The ciphers it accepts in each direction, in its order of preference. */
  ciphersToServer: string[];
  ciphersToClient: string[];
}

/** Reads one SSH name-list at `at`; undefined when it runs past `end`. */
function nameList(
  b: Buffer,
  at: number,
  end: number,
): { names: string[]; next: number } | undefined {
  if (at + 4 > end) return undefined;
  const len = b.readUInt32BE(at);
  if (at + 4 + len > end) return undefined;
  const text = b.toString('latin1', at + 4, at + 4 + len);
  return { names: text ? text.split(',') : [], next: at + 4 + len };
}

/**
 * Parses `SSH-2.0-…\r\n` followed by one plaintext KEXINIT packet. `more` when the buffer ends
 * first; `invalid` when it is something else (ssh2 will say what is wrong with it).
 */
export function parseClientHello(b: Buffer): ClientHello | 'more' | 'invalid' {
  const eol = b.indexOf(10);
  if (eol < 0) return b.length > MAX_IDENT ? 'invalid' : 'more';
  const ident = b.toString('latin1', 0, eol).replace(/\r$/, '');
  if (!ident.startsWith('SSH-2.0-') && !ident.startsWith('SSH-1.99-')) return 'invalid';
  const start = eol + 1;
  if (b.length < start + 6) return 'more';
  const packetLength = b.readUInt32BE(start);
  const padding = b[start + 4] ?? 0;
  if (packetLength < 5 || packetLength > MAX_PACKET) return 'invalid';
  if (b.length < start + 4 + packetLength) return 'more';
  const payload = start + 5;
  const end = start + 4 + packetLength - padding;
  if (end <= payload || b[payload] !== KEXINIT) return 'invalid';
  let at = payload + 1 + 16; // message type, cookie
  // kex, host key, ciphers client→server, ciphers server→client
  const lists: string[][] = [];
  for (let i = 0; i < 4; i++) {
    const l = nameList(b, at, end);
    if (!l) return 'invalid';
    lists.push(l.names);
    at = l.next;
  }
  return { ident, ciphersToServer: lists[2] ?? [], ciphersToClient: lists[3] ?? [] };
}

/**
 * Sends `identLine`, waits for the client's identification line and first KEXINIT, puts them
 * back into the (paused) socket and calls `then` — synchronously, so the caller hands the socket
 * on before any other event. `then(undefined)` when the client sent something else or not all of
 * it within `waitMs` (every client we know sends both at once; one that waits is still served,
 * with the full offer). A connection lost meanwhile is destroyed and `then` not called.
 */
export function readClientHello(
  socket: Socket,
  identLine: Buffer,
  waitMs: number,
  then: (hello: ClientHello | undefined) => void,
): void {
  const parts: Buffer[] = [];
  let size = 0;
  const handOver = (hello: ClientHello | undefined): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.off('error', onGone);
    socket.off('close', onGone);
    socket.pause();
    if (size > 0) socket.unshift(Buffer.concat(parts, size));
    then(hello);
  };
  const onData = (chunk: Buffer): void => {
    parts.push(chunk);
    size += chunk.length;
    const r = parseClientHello(parts.length === 1 ? chunk : Buffer.concat(parts, size));
    if (r === 'more' && size <= MAX_IDENT + 4 + MAX_PACKET) return;
    handOver(typeof r === 'string' ? undefined : r);
  };
  const onGone = (): void => {
    clearTimeout(timer);
    socket.off('data', onData);
    socket.destroy();
  };
  const timer = setTimeout(() => handOver(undefined), waitMs);
  socket.on('data', onData);
  socket.on('error', onGone);
  socket.on('close', onGone);
  socket.write(identLine);
}

/**
 * Wraps `socket.write` for ssh2: drops the first write when it is `alreadySent` (the
 * identification line readClientHello sent) and coalesces the writes of one tick into one writev.
 */
export function takeOverWrites(socket: Socket, alreadySent?: Buffer): void {
  const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
  let skip = alreadySent;
  let corked = false;
  const flush = (): void => {
    corked = false;
    socket.uncork();
  };
  socket.write = ((...args: unknown[]): boolean => {
    if (skip) {
      const first = args[0];
      const same =
        Buffer.isBuffer(first) || typeof first === 'string'
          ? skip.equals(Buffer.from(first))
          : false;
      skip = undefined;
      if (same) return true;
      // ssh2 changed how it starts a connection: the line already sent would be sent twice.
      socket.destroy(new Error('unexpected first write from ssh2'));
      return false;
    }
    if (!corked && socket.writable) {
      corked = true;
      socket.cork();
      process.nextTick(flush);
    }
    return write(...args);
  }) as Socket['write'];
}
