/**
 * Turns a stateful upload-pack v0/v1 session (git over SSH) into the stateless requests the
 * Worker serves over smart HTTP, the way git's own remote-curl does for HTTP clients: each round
 * of `have` lines becomes one request that repeats the want section and every `have` the server
 * has already acknowledged as common, so each request stands alone.
 *
 * A stateful server says each thing once, so the answer to such a request is trimmed before it
 * reaches the client: the shallow boundary (the client got it after its wants) and the ACKs of
 * the repeated haves (it got those in earlier rounds). What git's upload-pack does with a
 * repeated have in one request — one ACK line per have in multi_ack modes, and without multi_ack
 * one for the first — is what makes the count exact (upload-pack.c get_common_commits).
 * Pure: bytes in, bytes out.
 */
import { concatBytes } from '../common/git/bytes';
import { encodePktLine, FLUSH_PKT, PktLineReader, pktLineText } from '../common/git/pkt-line';

export type AckMode = 'detailed' | 'multi_ack' | 'none';

/** What the client's want section says, and its bytes (ending with the flush). */
export interface WantSection {
  bytes: Uint8Array;
  /** The client asked for a shallow boundary: every answer starts with it. */
  deepen: boolean;
  mode: AckMode;
}

/** Reads a want section's lines (without their flush); an error message when it is not one. */
export function describeWantSection(lines: string[]): WantSection | string {
  const first = lines[0] ?? '';
  if (!/^want [0-9a-f]{40}( |$)/.test(first))
    return `expected a want line, got '${first.slice(0, 60)}'`;
  const words = first.split(' ').slice(2);
  const mode: AckMode = words.includes('multi_ack_detailed')
    ? 'detailed'
    : words.includes('multi_ack')
      ? 'multi_ack'
      : 'none';
  return {
    bytes: concatBytes([...lines.map((l) => encodePktLine(`${l}\n`)), FLUSH_PKT]),
    deepen: lines.some((l) => l.startsWith('deepen ') || l.startsWith('deepen-')),
    mode,
  };
}

/** One round's request and how to trim its answer. */
export interface Round {
  body: Uint8Array;
  /** Drop the shallow/unshallow lines and their flush at the start of the answer. */
  skipShallow: boolean;
  /** Drop up to this many leading ACKs of repeated haves. */
  dropAcks: number;
}

const ACK = /^ACK ([0-9a-f]{40})(?: (common|continue|ready))?$/;

export class StatelessRounds {
  /** Haves the server acknowledged, in order, each once: repeated in every later request. */
  private readonly common: string[] = [];
  private readonly commonSet = new Set<string>();

  constructor(private readonly want: WantSection) {}

  /** The request for one round of `haves` (encoded pkt-lines) ending in a flush or `done`. */
  round(haves: readonly Uint8Array[], end: 'flush' | 'done'): Round {
    return {
      body: concatBytes([
        this.want.bytes,
        ...this.common.map((h) => encodePktLine(`have ${h}\n`)),
        ...haves,
        end === 'flush' ? FLUSH_PKT : encodePktLine('done\n'),
      ]),
      skipShallow: this.want.deepen,
      dropAcks: this.want.mode === 'none' ? Math.min(1, this.common.length) : this.common.length,
    };
  }

  /** The ACK form the server uses for a have it already knows is common, in this mode. */
  private get repeatForm(): string | undefined {
    return this.want.mode === 'detailed'
      ? 'common'
      : this.want.mode === 'multi_ack'
        ? 'continue'
        : undefined;
  }

  /**
   * Where the client's part of an answer starts: after the shallow section and the ACKs of
   * repeated haves. `undefined` when `buf` ends before that is known and more may come. Stops
   * trimming at anything else (an `ERR` line, a `NAK`, the pack), which the client must see.
   */
  trim(buf: Uint8Array, round: Round, ended: boolean): number | undefined {
    const reader = new PktLineReader();
    reader.push(buf);
    if (ended) reader.end();
    let offset = 0;
    let inShallow = round.skipShallow;
    let dropped = 0;
    for (;;) {
      if (!inShallow && dropped >= round.dropAcks) return offset;
      let p;
      try {
        p = reader.next();
      } catch {
        return offset; // not pkt-lines (a raw pack): nothing more to trim
      }
      if (!p) return ended ? offset : undefined;
      const text = pktLineText(p);
      if (inShallow) {
        if (p.type === 'flush') inShallow = false;
        else if (!/^(un)?shallow [0-9a-f]{40}$/.test(text)) return offset;
      } else {
        const m = ACK.exec(text);
        if (!m || !this.commonSet.has(m[1] as string) || m[2] !== this.repeatForm) return offset;
        dropped++;
      }
      offset = buf.length - reader.buffered;
    }
  }

  /** Learns the common haves from the client's part of a round's answer (pkt-lines only). */
  learn(answer: Uint8Array): void {
    const reader = new PktLineReader();
    reader.push(answer);
    reader.end();
    for (;;) {
      let p;
      try {
        p = reader.next();
      } catch {
        return;
      }
      if (!p) return;
      const m = ACK.exec(pktLineText(p));
      // `ready` may name a have the server lacks; every other ACK names a common one.
      if (!m || m[2] === 'ready') continue;
      const oid = m[1] as string;
      if (this.commonSet.has(oid)) continue;
      this.commonSet.add(oid);
      this.common.push(oid);
    }
  }
}
