/**
 * Random access to one object of a stored pack through ranged reads: read the entry header with a
 * small range, then compressed bytes in growing ranges until its zlib stream ends, and follow
 * OFS/REF delta chains back to a full object. Nothing else of the pack is read or held.
 */
import { applyDelta, DeltaError } from './delta';
import { PackError } from './errors';
import type { ObjectType } from './object';
import { parseEntryHeader, type EntryHeader } from './pack-format';
import { ZlibDataError, ZlibInflater } from './zlib';

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

/** Reads one entry: its header and its inflated data (object body or delta data). */
async function readEntry(
  io: PackReadIO,
  offset: number,
  opts: PackReadOptions,
): Promise<{ header: EntryHeader; data: Uint8Array }> {
  const first = await io.readRange(offset, Math.max(opts.maxHeaderBytes ?? 64, 32));
  const header = parseEntryHeader(first, 0, first.length, offset);
  if (!header) throw new PackError(`truncated pack entry header at offset ${offset}`);
  if (opts.maxObjectSize !== undefined && header.size > opts.maxObjectSize) {
    throw new PackError(`object at offset ${offset} too large: ${header.size} bytes`);
  }
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
  let want = Math.min(header.size + 64, 64 * 1024);
  try {
    for (;;) {
      const step = inflater.write(chunk, start, chunk.length, onData);
      if (step.ended) break;
      if (chunk.length === 0) throw new PackError(`truncated pack entry at offset ${offset}`);
      chunk = await io.readRange(next, want);
      start = 0;
      next += chunk.length;
      want = Math.min(want * 2, 4 * 1024 * 1024);
    }
  } catch (e) {
    if (e instanceof ZlibDataError)
      throw new PackError(`bad zlib data at offset ${offset}: ${e.message}`);
    throw e;
  }
  if (filled !== header.size) {
    throw new PackError(
      `entry at offset ${offset} inflates to ${filled} bytes, header says ${header.size}`,
    );
  }
  return { header, data };
}
