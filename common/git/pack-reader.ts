/**
 * Random access to one object of a stored pack through ranged reads: read the entry header with a
 * small range, then compressed bytes in growing ranges until they hold its zlib stream, inflate it
 * natively (native.ts; pako streams entries over 8 MiB), and follow OFS/REF delta chains back to a
 * full object. Nothing else of the pack is read or held.
 */
import { applyDelta, DeltaError } from './delta';
import { PackError } from './errors';
import type { ObjectType } from './object';
import { parseEntryHeader, type EntryHeader } from './pack-format';
import { deflateBound, inflatePrefix, own, ZlibDataError } from './native';
import { ZlibInflater } from './zlib';

/** Storage access for `readPackedObject`. */
export interface PackReadIO {
  /** Bytes `[offset, offset + length)` of the pack; may return fewer at the end of the pack. */
  readRange(offset: number, length: number): Promise<Uint8Array>;
  /** Offset of `oid` in this same pack (from its idx), for REF_DELTA bases inside the pack. */
  lookupOffset?(oid: string): number | undefined | Promise<number | undefined>;
  /** An object outside this pack, for REF_DELTA bases of thin packs. */
  readExternal?(oid: string): Promise<{ type: ObjectType; body: Uint8Array } | undefined>;
}

/** Options for `readPackedObject`. */
export interface PackReadOptions {
  /** Size of the first read, which must hold the entry header (default 64). */
  maxHeaderBytes?: number;
  /** Largest object or delta accepted (default unlimited). */
  maxObjectSize?: number;
  /** Longest delta chain followed (default 10000). */
  maxChainDepth?: number;
}

/** Reads and fully resolves the object whose entry starts at `offset`. */
export async function readPackedObject(
  io: PackReadIO,
  offset: number,
  opts: PackReadOptions = {},
): Promise<{ type: ObjectType; body: Uint8Array }> {
  try {
    return await resolveAt(io, offset, opts);
  } catch (e) {
    if (e instanceof DeltaError)
      throw new PackError(`bad delta in chain from offset ${offset}: ${e.message}`);
    throw e;
  }
}

async function resolveAt(
  io: PackReadIO,
  offset: number,
  opts: PackReadOptions,
): Promise<{ type: ObjectType; body: Uint8Array }> {
  const deltas: Uint8Array[] = [];
  const maxDepth = opts.maxChainDepth ?? 10000;
  let at = offset;
  for (;;) {
    const { header, data } = await readEntry(io, at, opts);
    if (header.kind !== 'ofs-delta' && header.kind !== 'ref-delta') {
      return applyChain(header.kind, data, deltas, opts);
    }
    deltas.push(data);
    if (deltas.length > maxDepth) throw new PackError(`delta chain from offset ${offset} too deep`);
    if (header.kind === 'ofs-delta') {
      at = header.baseOffset as number; // set for ofs-delta by parseEntryHeader
      continue;
    }
    const oid = header.baseOid as string; // set for ref-delta by parseEntryHeader
    const inPack = await io.lookupOffset?.(oid);
    if (inPack !== undefined) {
      at = inPack;
      continue;
    }
    const ext = await io.readExternal?.(oid);
    if (!ext) throw new PackError(`delta base ${oid} not found`);
    return applyChain(ext.type, ext.body, deltas, opts);
  }
}

function applyChain(
  type: ObjectType,
  base: Uint8Array,
  deltas: Uint8Array[],
  opts: PackReadOptions,
): { type: ObjectType; body: Uint8Array } {
  let body = base;
  for (let i = deltas.length - 1; i >= 0; i--) {
    body = applyDelta(body, deltas[i] as Uint8Array, opts.maxObjectSize);
  }
  return { type, body };
}

/** Entries inflating to more than this are read in a stream (never holding all their input). */
const STREAM_MIN = 8 * 1024 * 1024;

/** Reads one entry: its header and its inflated data (object body or delta data). */
async function readEntry(
  io: PackReadIO,
  offset: number,
  opts: PackReadOptions,
): Promise<{ header: EntryHeader; data: Uint8Array }> {
  const firstLength = Math.max(opts.maxHeaderBytes ?? 64, 32);
  const first = await io.readRange(offset, firstLength);
  const header = parseEntryHeader(first, 0, first.length, offset);
  if (!header) throw new PackError(`truncated pack entry header at offset ${offset}`);
  if (opts.maxObjectSize !== undefined && header.size > opts.maxObjectSize) {
    throw new PackError(`object at offset ${offset} too large: ${header.size} bytes`);
  }
  try {
    const data =
      header.size > STREAM_MIN
        ? await streamEntry(io, offset, header, first)
        : await gatherEntry(io, offset, header, first, first.length < firstLength);
    if (data.length !== header.size) {
      throw new PackError(
        `entry at offset ${offset} inflates to ${data.length} bytes, header says ${header.size}`,
      );
    }
    return { header, data };
  } catch (e) {
    if (e instanceof ZlibDataError)
      throw new PackError(`bad zlib data at offset ${offset}: ${e.message}`);
    throw e;
  }
}

/**
 * Reads the entry's compressed bytes in growing ranges until they hold the whole zlib stream —
 * inflating only once they can (at most the size's deflate bound) — and inflates it natively.
 */
async function gatherEntry(
  io: PackReadIO,
  offset: number,
  header: EntryHeader,
  first: Uint8Array,
  atEof: boolean,
): Promise<Uint8Array> {
  const size = header.size;
  const bound = deflateBound(size);
  let buf = first.subarray(header.headerLength);
  let len = buf.length;
  let next = offset + first.length;
  let want = Math.min(size + 64, 64 * 1024);
  let ended = atEof;
  for (;;) {
    if (len >= bound || ended) {
      const out = inflatePrefix(buf.subarray(0, len), size);
      if (out) return own(out);
      if (ended) throw new PackError(`truncated pack entry at offset ${offset}`);
      // Longer than zlib writes (padding blocks): stream it rather than gather it all.
      return streamEntry(io, offset, header, first);
    }
    const chunk = await io.readRange(next, want);
    ended = chunk.length < want;
    next += chunk.length;
    want = Math.min(want * 2, 4 * 1024 * 1024);
    if (len + chunk.length > buf.length) {
      const grown = new Uint8Array(
        Math.max(len + chunk.length, Math.min(bound, 2 * len + chunk.length)),
      );
      grown.set(buf.subarray(0, len));
      buf = grown;
    }
    buf.set(chunk, len);
    len += chunk.length;
  }
}

/** Inflates a very large entry with pako as its ranges arrive. */
async function streamEntry(
  io: PackReadIO,
  offset: number,
  header: EntryHeader,
  first: Uint8Array,
): Promise<Uint8Array> {
  const data = new Uint8Array(header.size);
  let filled = 0;
  const inflater = new ZlibInflater();
  const onData = (piece: Uint8Array) => {
    if (filled + piece.length > header.size) {
      throw new PackError(`entry at offset ${offset} inflates past its size ${header.size}`);
    }
    data.set(piece, filled);
    filled += piece.length;
  };
  let chunk = first;
  let start = header.headerLength;
  let next = offset + first.length;
  let want = 64 * 1024;
  for (;;) {
    const step = inflater.write(chunk, start, chunk.length, onData);
    if (step.ended) break;
    if (chunk.length === 0) throw new PackError(`truncated pack entry at offset ${offset}`);
    chunk = await io.readRange(next, want);
    start = 0;
    next += chunk.length;
    want = Math.min(want * 2, 4 * 1024 * 1024);
  }
  return data.subarray(0, filled);
}
