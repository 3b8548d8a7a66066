/**
 * Pass 2 of indexing a received pack: resolve every delta (OFS and REF, chains of any depth, bases
 * inside the pack or outside it through `readExternal`), hash each result and report every object
 * to `onObject`. Memory is bounded: inflated objects live in a byte-budgeted LRU, and an evicted
 * base is rebuilt from its nearest cached ancestor by re-reading raw entries through `readRange`,
 * the way git's index-pack rebuilds freed bases (docs/design/git-protocol.md §4). Object ids stay
 * raw bytes in typed arrays and delta children are kept in compressed sparse rows: per object there
 * are no strings, maps or arrays for the garbage collector.
 */
import { applyDelta, DeltaError } from './delta';
import { Lru } from '../lru';
import { PackError } from './errors';
import { toHex } from './bytes';
import {
  hashObject,
  isObjectType,
  objectHeader,
  objectTypeFromCode,
  type ObjectType,
} from './object';
import { ReportedObject, type PackScan } from './pack-types';
import { parseEntryHeader } from './pack-format';
import type { EntryTable } from './pack-table';
import { inflateExact, Sha1, ZlibDataError } from './native';

const WINDOWS = 4;
const EMPTY = new Uint8Array(0);

/** Storage access for pass 2. */
export interface ResolveIO {
  /** Bytes `[offset, offset + length)` of the stored pack (may be shorter only at its end). */
  readRange(offset: number, length: number): Promise<Uint8Array>;
  /** An object outside this pack (thin-pack REF_DELTA bases), or undefined if absent. */
  readExternal?(oid: string): Promise<{ type: ObjectType; body: Uint8Array } | undefined>;
}

/** Options for pass 2. */
export interface ResolveOptions {
  /** Budget of the inflated-object cache (default 32 MiB). */
  cacheBytes?: number;
  /** Range read size used to batch neighbouring entries (default 256 KiB). */
  readAheadBytes?: number;
  /** Largest resolved object accepted (default unlimited). */
  maxObjectSize?: number;
  /**
   * Whether `onObject` needs the bodies of objects of this type (default: always). A full object
   * whose body is not needed (and that no delta needs) is reported with an empty body.
   */
  wantBody?(type: ObjectType): boolean;
  /**
   * Called once for every object of the pack (not for thin bases) that pass 1 did not report
   * already (see the table's `reported`), bases before their deltas.
   */
  onObject?(o: ReportedObject): void | Promise<void>;
}

/** The pack's objects with their ids (pack order), ready for `writeIdxV2Raw`. */
export interface IndexedPack {
  count: number;
  /** 20 bytes per object. */
  ids: Uint8Array;
  offsets: Float64Array;
  crcs: Uint32Array;
  /** The same as objects with hex ids, built on first access (tests, `writeIdxV2`). */
  readonly objects: Array<{ oid: string; type: ObjectType; offset: number; crc32: number }>;
  packChecksum: Uint8Array;
  /** REF_DELTA bases taken from outside the pack (non-empty = a thin pack, not self-contained). */
  thinBases: string[];
}

/** Resolves all deltas of a scanned pack. Throws PackError on missing bases or corrupt data. */
export async function resolveDeltas(
  scan: PackScan,
  io: ResolveIO,
  opts: ResolveOptions = {},
): Promise<IndexedPack> {
  try {
    return await new Resolver(scan, io, opts).run();
  } catch (e) {
    if (e instanceof DeltaError || e instanceof ZlibDataError) throw new PackError(e.message);
    throw e;
  }
}

class Resolver {
  private readonly n: number;
  private readonly table: EntryTable;
  /** Resolved object ids, 20 bytes per entry (full objects from pass 1, deltas as resolved). */
  private readonly ids: Uint8Array;
  /** Object type code per entry (1–4), 0 while unresolved. */
  private readonly codes: Uint8Array;
  /** Base of each entry: an entry index, an external index (≥ n), or -1 for full objects. */
  private readonly base: Int32Array;
  /** OFS_DELTA children of entry b: ofsKids[ofsStart[b] .. ofsStart[b + 1]). */
  private readonly ofsStart: Int32Array;
  private readonly ofsKids: Int32Array;
  private readonly refChildren = new Map<string, number[]>();
  private readonly externals: Array<{ oid: string; type: ObjectType }> = [];
  private readonly cache: Lru<number, Uint8Array>;
  private readonly windows: Array<{ start: number; bytes: Uint8Array }> = [];
  private readonly packEnd: number;

  constructor(
    private readonly scan: PackScan,
    private readonly io: ResolveIO,
    private readonly opts: ResolveOptions,
  ) {
    const t = scan.table;
    this.table = t;
    const n = t.count;
    this.n = n;
    this.ids = new Uint8Array(n * 20);
    this.codes = new Uint8Array(n);
    this.base = new Int32Array(n).fill(-1);
    this.ofsStart = new Int32Array(n + 1);
    let ofs = 0;
    for (let i = 0; i < n; i++) {
      // Full objects, and deltas pass 1 resolved, come with their type and id.
      const type = t.types[i] as number;
      if (type) {
        this.codes[i] = type;
        this.ids.set(t.oidBytes(i), i * 20);
      }
      if (t.code(i) === 6) ofs++;
    }
    this.ofsKids = new Int32Array(ofs);
    this.cache = new Lru(opts.cacheBytes ?? 32 * 1024 * 1024);
    this.packEnd = n > 0 ? t.end : 12;
  }

  async run(): Promise<IndexedPack> {
    const t = this.table;
    const n = this.n;
    // Children lists in two passes over the table: count per base, then place.
    const start = this.ofsStart;
    for (let i = 0; i < n; i++) {
      const code = t.code(i);
      if (code === 6) {
        const at = t.baseOffsets[i] as number;
        const b = t.indexOfOffset(at);
        if (b < 0)
          throw new PackError(`delta base at offset ${at} not found (entry at ${t.offset(i)})`);
        this.base[i] = b;
        start[b + 1] = (start[b + 1] as number) + 1;
      } else if (code === 7) {
        push(this.refChildren, toHex(t.oidBytes(i)), i);
      }
    }
    for (let b = 0; b < n; b++) start[b + 1] = (start[b + 1] as number) + (start[b] as number);
    const fill = start.slice(0, n);
    for (let i = 0; i < n; i++) {
      if (t.code(i) !== 6) continue;
      const b = this.base[i] as number;
      this.ofsKids[fill[b] as number] = i;
      fill[b] = (fill[b] as number) + 1;
    }
    for (let i = 0; i < n; i++) if (t.code(i) <= 4) await this.resolveFrom(i);
    // Thin pack: REF_DELTA bases outside the pack.
    for (const oid of [...this.refChildren.keys()]) {
      if (!this.refChildren.has(oid)) continue; // resolved meanwhile through another base
      const ext = await this.io.readExternal?.(oid);
      if (!ext) continue;
      if (!isObjectType(ext.type)) throw new PackError(`external object ${oid} has a bad type`);
      if (hashObject(ext.type, ext.body) !== oid)
        throw new PackError(`external object ${oid} does not match its id`);
      const k = n + this.externals.length;
      this.externals.push({ oid, type: ext.type });
      this.cache.set(k, ext.body, ext.body.length);
      await this.resolveFrom(k);
    }
    const missing = this.refChildren.keys().next();
    if (!missing.done)
      throw new PackError(`delta base ${missing.value} not found (missing, or a delta cycle)`);
    for (let i = 0; i < n; i++) {
      if (!this.codes[i])
        throw new PackError(`delta at offset ${t.offset(i)} could not be resolved`);
    }
    const ids = this.ids;
    const codes = this.codes;
    const offsets = t.offsets.subarray(0, n);
    const crcs = t.crcs.subarray(0, n);
    let objects: IndexedPack['objects'] | undefined;
    return {
      count: n,
      ids,
      offsets,
      crcs,
      get objects() {
        objects ??= Array.from({ length: n }, (_, i) => ({
          oid: toHex(ids.subarray(i * 20, i * 20 + 20)),
          type: objectTypeFromCode(codes[i] as number) as ObjectType,
          offset: offsets[i] as number,
          crc32: crcs[i] as number,
        }));
        return objects;
      },
      packChecksum: this.scan.packChecksum,
      thinBases: this.externals.map((x) => x.oid),
    };
  }

  private oidOf(i: number): string {
    return i < this.n
      ? toHex(this.ids.subarray(i * 20, i * 20 + 20))
      : (this.externals[i - this.n]?.oid as string);
  }
  private typeOf(i: number): ObjectType {
    return (
      i < this.n ? objectTypeFromCode(this.codes[i] as number) : this.externals[i - this.n]?.type
    ) as ObjectType;
  }

  /** REF_DELTA children waiting for `b` (taken off the map), if any. */
  private takeRefKids(b: number): number[] | undefined {
    if (this.refChildren.size === 0) return undefined;
    const oid = this.oidOf(b);
    const kids = this.refChildren.get(oid);
    if (kids) this.refChildren.delete(oid);
    return kids;
  }

  private hasRefKids(b: number): boolean {
    return this.refChildren.size > 0 && this.refChildren.has(this.oidOf(b));
  }

  /** Reports `start` (if in the pack and not reported in pass 1) and resolves every delta below it. */
  private async resolveFrom(start: number): Promise<void> {
    const onObject = this.opts.onObject;
    if (start < this.n && onObject && !this.table.reported[start]) {
      const type = this.typeOf(start);
      const needed =
        (this.opts.wantBody?.(type) ?? true) ||
        (this.ofsStart[start + 1] as number) > (this.ofsStart[start] as number) ||
        this.hasRefKids(start);
      // Pass 1 inflated, sized and hashed every full object: one nobody reads is not inflated again.
      const body = needed ? await this.body(start) : EMPTY;
      const id = this.ids.subarray(start * 20, start * 20 + 20);
      await onObject(new ReportedObject(id, type, body, this.table.offset(start)));
    }
    const stack = [start];
    while (stack.length > 0) {
      const b = stack.pop() as number;
      const from = b < this.n ? (this.ofsStart[b] as number) : 0;
      const to = b < this.n ? (this.ofsStart[b + 1] as number) : 0;
      const refKids = this.takeRefKids(b);
      if (from === to && !refKids) continue;
      let baseBody: Uint8Array | undefined;
      const type = this.typeOf(b);
      const code = type === 'commit' ? 1 : type === 'tree' ? 2 : type === 'blob' ? 3 : 4;
      const count = to - from + (refKids?.length ?? 0);
      for (let k = 0; k < count; k++) {
        const c =
          k < to - from
            ? (this.ofsKids[from + k] as number)
            : (refKids?.[k - (to - from)] as number);
        if (this.codes[c]) {
          // Resolved in pass 1: report it if pass 1 could not, then walk on to its own deltas.
          if (this.table.types[c] && this.table.code(c) === 6) {
            this.base[c] = b;
            if (onObject && !this.table.reported[c]) {
              const id = this.ids.subarray(c * 20, c * 20 + 20);
              const body = await this.body(c);
              await onObject(new ReportedObject(id, type, body, this.table.offset(c)));
            }
            stack.push(c);
          }
          continue; // else already resolved (duplicate base object)
        }
        baseBody ??= await this.body(b);
        const body = applyDelta(baseBody, await this.rawData(c), this.opts.maxObjectSize);
        const id = this.ids.subarray(c * 20, c * 20 + 20);
        id.set(Sha1.create().update(objectHeader(type, body.length)).update(body).digest());
        this.codes[c] = code;
        this.base[c] = b;
        this.cache.set(c, body, body.length);
        if (onObject) await onObject(new ReportedObject(id, type, body, this.table.offset(c)));
        stack.push(c);
      }
    }
  }

  /** The resolved body of entry/external `i`: cached, or rebuilt from the nearest cached ancestor. */
  private async body(i: number): Promise<Uint8Array> {
    const hit = this.cache.get(i);
    if (hit) return hit;
    const chain: number[] = [];
    let j = i;
    let data: Uint8Array | undefined;
    for (;;) {
      data = this.cache.get(j);
      if (data) break;
      if (j >= this.n) {
        const ext = await this.io.readExternal?.(this.oidOf(j));
        if (!ext) throw new PackError(`external object ${this.oidOf(j)} disappeared`);
        data = ext.body;
        break;
      }
      if (this.base[j] === -1) {
        data = await this.rawData(j);
        break;
      }
      chain.push(j);
      j = this.base[j] as number;
    }
    this.cache.set(j, data, data.length);
    for (let k = chain.length - 1; k >= 0; k--) {
      const c = chain[k] as number;
      data = applyDelta(data, await this.rawData(c), this.opts.maxObjectSize);
      this.cache.set(c, data, data.length);
    }
    return data;
  }

  /** Inflated data of entry `i` (object body, or delta data for deltas). */
  private async rawData(i: number): Promise<Uint8Array> {
    const t = this.table;
    const offset = t.offset(i);
    const size = t.size(i);
    const raw = await this.readEntry(offset, t.length(i));
    const h = parseEntryHeader(raw, 0, raw.length, offset);
    if (!h || h.size !== size)
      throw new PackError(`entry at offset ${offset} changed since it was scanned`);
    return inflateExact(raw.subarray(h.headerLength), size);
  }

  private async readEntry(offset: number, length: number): Promise<Uint8Array> {
    // A few read-ahead windows: one tends to follow the roots in pack order, the others serve
    // the delta children the depth-first walk jumps to.
    for (const w of this.windows) {
      if (offset >= w.start && offset + length <= w.start + w.bytes.length) {
        return w.bytes.subarray(offset - w.start, offset - w.start + length);
      }
    }
    const ahead = this.opts.readAheadBytes ?? 256 * 1024;
    const want = Math.min(Math.max(length, ahead), this.packEnd - offset);
    const bytes = await this.io.readRange(offset, want);
    if (bytes.length < length) {
      throw new PackError(`short read at offset ${offset}: stored pack truncated`);
    }
    this.windows.unshift({ start: offset, bytes });
    if (this.windows.length > WINDOWS) this.windows.pop();
    return bytes.subarray(0, length);
  }
}

function push<K>(m: Map<K, number[]>, k: K, v: number): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
