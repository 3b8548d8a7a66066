/**
 * Parses one stateless (smart HTTP) upload-pack v0/v1 request (gitprotocol-pack, gitprotocol-http):
 * the want section (`want <oid> <capabilities>`, `shallow`, `deepen*`, `filter`) up to a flush,
 * then, when the client is negotiating, `have` lines up to a flush or `done`. The lines shared
 * with v2 are read by fetch-request.ts; the capabilities only v0/v1 has (multi-ack, side-band,
 * no-done) are read here.
 */
import { pktLineText, type Pkt } from '../../../common/git/pkt-line';
import { AppError } from '../../../common/errors';
import {
  applyFetchCapability,
  applyFetchLine,
  emptyFetchArgs,
  requestPkts,
  type FetchArgs,
} from './fetch-request';

export type MultiAck = 'none' | 'multi_ack' | 'detailed';

export interface UploadPackV0Request {
  fetch: FetchArgs;
  multiAck: MultiAck;
  /** Largest side-band payload the client takes (995 for side-band, 65515 for 64k); 0: none. */
  sideBand: number;
  noDone: boolean;
  /**
   * The body goes on past the want section. When it does not, the client (which asked for a
   * shallow boundary) wants only the shallow/unshallow lines before negotiating.
   */
  negotiating: boolean;
}

const WANT = /^want ([0-9a-f]{40})(?: (.*))?$/;

/** Parses the body; `undefined` when it wants nothing (a bare flush: the client is done). */
export function parseUploadPackV0Request(body: Uint8Array): UploadPackV0Request | undefined {
  const pkts = requestPkts(body);
  const f = emptyFetchArgs();
  const req: UploadPackV0Request = {
    fetch: f,
    multiAck: 'none',
    sideBand: 0,
    noDone: false,
    negotiating: false,
  };
  let filterCapability = false;
  let i = 0;
  for (; ; i++) {
    const p = pkts[i];
    if (!p) throw AppError.invalid('upload-pack request ended before the flush after its wants');
    if (p.type === 'flush') break;
    if (p.type !== 'data') throw AppError.invalid(`unexpected ${p.type} packet in the wants`);
    const line = pktLineText(p);
    const want = WANT.exec(line);
    if (want) {
      applyFetchLine(f, `want ${want[1] as string}`);
      for (const word of (want[2] ?? '').split(' ')) {
        if (word === 'multi_ack_detailed') req.multiAck = 'detailed';
        else if (word === 'multi_ack' && req.multiAck === 'none') req.multiAck = 'multi_ack';
        else if (word === 'side-band-64k') req.sideBand = 65515;
        else if (word === 'side-band' && req.sideBand === 0) req.sideBand = 995;
        else if (word === 'no-done') req.noDone = true;
        else if (word === 'filter') filterCapability = true;
        else applyFetchCapability(f, word);
      }
      continue;
    }
    if (line.startsWith('have ') || line === 'done' || !applyFetchLine(f, line)) {
      throw AppError.invalid(
        `upload-pack: protocol error, expected to get object ID, not '${line.slice(0, 60)}'`,
      );
    }
    if (line.startsWith('filter ') && !filterCapability)
      throw AppError.invalid('upload-pack: filtering capability not negotiated');
  }
  if (f.wants.length === 0) {
    if (f.shallow.size || f.depth !== undefined || f.deepenSince !== undefined || f.filter)
      throw AppError.invalid('upload-pack: a request without wants cannot ask for anything else');
    return undefined;
  }
  // The have section ends at its first flush or `done`, or where the body ends (git reads an
  // early end like a flush); nothing after it is read.
  for (i++; i < pkts.length; i++) {
    const p = pkts[i] as Pkt;
    req.negotiating = true;
    if (p.type === 'flush') break;
    const line = p.type === 'data' ? pktLineText(p) : '';
    if (!line.startsWith('have ') && line !== 'done')
      throw AppError.invalid(`upload-pack: expected SHA1 list, got '${line.slice(0, 60)}'`);
    applyFetchLine(f, line);
    if (f.done) break;
  }
  return req;
}
