/**
 * Byte layout of packs (gitformat-pack): the 12-byte header and per-entry headers (type + inflated
 * size varint, then a REF_DELTA base oid or an OFS_DELTA distance). Shared by the indexer, the
 * random-access reader and the writer.
 */
import { readU32, toHex, writeU32 } from './bytes';
import { PackError } from './errors';
import { objectTypeFromCode, type ObjectType } from './object';

/** What a pack entry holds. */
export type EntryKind = ObjectType | 'ofs-delta' | 'ref-delta';

/** A decoded entry header. `baseOffset` is absolute (entry offset − distance). */
export interface EntryHeader {
  kind: EntryKind;
  size: number;
  headerLength: number;
  baseOffset?: number;
  baseOid?: string;
}

/** Longest entry header we accept: 10 size bytes + 20-byte oid, or 10 size + 10 offset bytes. */
export const MAX_ENTRY_HEADER = 30;

/** "PACK", version 2, object count. */
export function encodePackHeader(count: number): Uint8Array {
  const h = new Uint8Array(12);
  h.set([0x50, 0x41, 0x43, 0x4b]);
  writeU32(h, 4, 2);
  writeU32(h, 8, count);
  return h;
}

/** Validates a 12-byte pack header; returns the object count. */
export function parsePackHeader(h: Uint8Array): number {
  if (h.length < 12) throw new PackError('truncated pack: no header');
  if (h[0] !== 0x50 || h[1] !== 0x41 || h[2] !== 0x43 || h[3] !== 0x4b) {
    throw new PackError('bad pack signature');
  }
  const version = readU32(h, 4);
  if (version !== 2 && version !== 3) throw new PackError(`unsupported pack version ${version}`);
  return readU32(h, 8);
}

/**
 * Decodes the entry header at `buf[start..end)` for an entry at pack offset `offset`. Returns
 * undefined when more bytes are needed; throws PackError when the header is invalid.
 */
export function parseEntryHeader(
  buf: Uint8Array,
  start: number,
  end: number,
  offset: number,
): EntryHeader | undefined {
  let pos = start;
  if (pos >= end) return undefined;
  let b = buf[pos++] as number;
  const code = (b >> 4) & 7;
  let size = b & 15;
  let shift = 4;
  while (b & 0x80) {
    if (pos >= end) return undefined;
    if (shift > 49) throw new PackError(`bad entry header at offset ${offset}: size too large`);
    b = buf[pos++] as number;
    size += (b & 0x7f) * 2 ** shift;
    shift += 7;
  }
  if (code === 7) {
    if (end - pos < 20) return undefined;
    const baseOid = toHex(buf.subarray(pos, pos + 20));
    return { kind: 'ref-delta', size, headerLength: pos + 20 - start, baseOid };
  }
  if (code === 6) {
    if (pos >= end) return undefined;
    b = buf[pos++] as number;
    let dist = b & 0x7f;
    while (b & 0x80) {
      if (pos >= end) return undefined;
      if (dist > 2 ** 45) throw new PackError(`bad delta offset at offset ${offset}`);
      b = buf[pos++] as number;
      dist = (dist + 1) * 128 + (b & 0x7f);
    }
    if (dist === 0 || dist > offset - 12) {
      throw new PackError(`bad delta base offset at offset ${offset}`);
    }
    return { kind: 'ofs-delta', size, headerLength: pos - start, baseOffset: offset - dist };
  }
  const type = objectTypeFromCode(code);
  if (!type) throw new PackError(`bad object type ${code} at offset ${offset}`);
  return { kind: type, size, headerLength: pos - start };
}

/** Encodes a type code (1–4, 6, 7) and inflated size as an entry header. */
export function encodeEntryHeader(code: number, size: number): Uint8Array {
  const out: number[] = [];
  let b = (code << 4) | (size & 15);
  let rest = Math.floor(size / 16);
  while (rest > 0) {
    out.push(b | 0x80);
    b = rest & 0x7f;
    rest = Math.floor(rest / 128);
  }
  out.push(b);
  return new Uint8Array(out);
}

/** Encodes an OFS_DELTA distance (big-endian groups with git's +1 bias). */
export function encodeOfsDistance(dist: number): Uint8Array {
  const out = [dist & 0x7f];
  let d = Math.floor(dist / 128);
  while (d > 0) {
    d -= 1;
    out.unshift(0x80 | (d & 0x7f));
    d = Math.floor(d / 128);
  }
  return new Uint8Array(out);
}
