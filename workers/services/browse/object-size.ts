/**
 * An object's size from its pack entry without inflating the object, as `git cat-file -s` finds
 * it: a whole object's entry header holds its size; a delta's header holds the delta's size, and
 * the object's size is the second varint at the start of the delta data (git's
 * `get_size_from_delta`), so only the first bytes of the delta are inflated and its base is
 * never read. Lets tree listings report blob sizes for the cost of a few bytes per entry.
 * (Pure over a range-read callback; it sits here because common/git is another owner's.)
 */
import { deltaSizes } from '../../../common/git/delta';
import { DeltaError, PackError, ZlibDataError } from '../../../common/git/errors';
import { parseEntryHeader } from '../../../common/git/pack-format';
import { ZlibInflater } from '../../../common/git/zlib';

/** Range reads of one pack (may return fewer bytes at its end). */
export interface PackRangeIO {
  readRange(offset: number, length: number): Promise<Uint8Array>;
}

/** Bytes of delta data that always hold both size varints (at most 10 bytes each). */
const DELTA_HEAD = 20;

/**
 * Size of the object whose entry starts at `offset`. `inflater` may be passed to reuse one
 * across calls (it is reset here).
 */
export async function packedObjectSize(
  io: PackRangeIO,
  offset: number,
  inflater = new ZlibInflater(),
): Promise<number> {
  const first = await io.readRange(offset, 64);
  const header = parseEntryHeader(first, 0, first.length, offset);
  if (!header) throw new PackError(`truncated pack entry header at offset ${offset}`);
  if (header.kind !== 'ofs-delta' && header.kind !== 'ref-delta') return header.size;

  inflater.reset();
  const head = new Uint8Array(DELTA_HEAD);
  let have = 0;
  const onData = (piece: Uint8Array) => {
    const take = Math.min(piece.length, DELTA_HEAD - have);
    head.set(piece.subarray(0, take), have);
    have += take;
  };
  let chunk = first;
  let start = header.headerLength;
  let next = offset + first.length;
  let want = 256;
  try {
    for (;;) {
      const step = inflater.write(chunk, start, chunk.length, onData);
      if (have >= DELTA_HEAD || step.ended) break;
      chunk = await io.readRange(next, want);
      if (chunk.length === 0) throw new PackError(`truncated pack entry at offset ${offset}`);
      start = 0;
      next += chunk.length;
      want = Math.min(want * 4, 64 * 1024);
    }
    return deltaSizes(head.subarray(0, have)).resultSize;
  } catch (e) {
    if (e instanceof ZlibDataError) throw new PackError(`bad zlib data at offset ${offset}`);
    if (e instanceof DeltaError) throw new PackError(`bad delta header at offset ${offset}`);
    throw e;
  }
}
