/**
 * Pass 2 of indexing a received pack: resolve every delta (OFS and REF, chains of any depth,
 * bases inside the pack or outside it through `readExternal`), hash each result and report every
 * object to `onObject`. Memory is bounded: inflated objects live in a byte-budgeted LRU, and an
 * evicted base is rebuilt from its nearest cached ancestor by re-reading raw entries through
 * `readRange`, the way git's index-pack rebuilds freed bases (design/git-protocol.md §4).
 */
import { applyDelta, DeltaError } from './delta';
import { ByteLru } from './byte-lru';
import { PackError } from './errors';
import { toHex } from './bytes';
import { hashObject, isObjectType, type ObjectType } from './object';
import type { PackScan } from './pack-types';
import { parseEntryHeader } from './pack-format';
import type { EntryTable } from './pack-table';
import { inflateExact, ZlibDataError } from './native';

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
  /** Called once for every object of the pack (not for thin bases), bases before their deltas. */
  onObject?(o: {
    oid: string;
    type: ObjectType;
    body: Uint8Array;
    offset: number;
  }): void | Promise<void>;
}

/** The pack's objects with their ids (pack order), ready for `writeIdxV2`. */
export interface IndexedPack {
  objects: Array<{ oid: string; type: ObjectType; offset: number; crc32: number }>;
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
  private readonly oids: Array<string | undefined>;
  private readonly types: Array<ObjectType | undefined>;
  /** Base of each entry: an entry index, an external index (≥ n), or -1 for full objects. */
  private readonly base: Int32Array;
  private readonly ofsChildren = new Map<number, number[]>();
  private readonly refChildren = new Map<string, number[]>();
  private readonly externals: Array<{ oid: string; type: ObjectType }> = [];
  private readonly cache: ByteLru<number>;
  private readonly windows: Array<{ start: number; bytes: Uint8Array }> = [];
  private readonly packEnd: number;

  constructor(
    private readonly scan: PackScan,
    private readonly io: ResolveIO,
    private readonly opts: ResolveOptions,
  ) {
    const t = scan.table;
    this.table = t;
    this.n = t.count;
    this.oids = new Array<string | undefined>(this.n);
    this.types = new Array<ObjectType | undefined>(this.n);
    for (let i = 0; i < this.n; i++) {
      const kind = t.kind(i);
      if (isObjectType(kind)) {
        this.types[i] = kind;
        this.oids[i] = toHex(t.oidBytes(i));
      }
    }
    this.base = new Int32Array(this.n).fill(-1);
    this.cache = new ByteLru(opts.cacheBytes ?? 32 * 1024 * 1024);
    this.packEnd = t.count > 0 ? t.end : 12;
  }

  async run(): Promise<IndexedPack> {
    const t = this.table;
    for (let i = 0; i < this.n; i++) {
      const code = t.code(i);
      if (code === 6) {
        const at = t.baseOffsets[i] as number;
        const b = t.indexOfOffset(at);
        if (b < 0)
          throw new PackError(`delta base at offset ${at} not found (entry at ${t.offset(i)})`);
        this.base[i] = b;
        push(this.ofsChildren, b, i);
      } else if (code === 7) {
        push(this.refChildren, toHex(t.oidBytes(i)), i);
      }
    }
    for (let i = 0; i < this.n; i++)
      if (this.types[i] && this.base[i] === -1) await this.resolveFrom(i);
    // Thin pack: REF_DELTA bases outside the pack.
    for (const oid of [...this.refChildren.keys()]) {
      if (!this.refChildren.has(oid)) continue; // resolved meanwhile through another base
      const ext = await this.io.readExternal?.(oid);
      if (!ext) continue;
      if (!isObjectType(ext.type)) throw new PackError(`external object ${oid} has a bad type`);
      if (hashObject(ext.type, ext.body) !== oid)
        throw new PackError(`external object ${oid} does not match its id`);
      const k = this.n + this.externals.length;
      this.externals.push({ oid, type: ext.type });
      this.cache.set(k, ext.body);
      await this.resolveFrom(k);
    }
    const missing = this.refChildren.keys().next();
    if (!missing.done)
      throw new PackError(`delta base ${missing.value} not found (missing, or a delta cycle)`);
    const objects = Array.from({ length: this.n }, (_, i) => {
      const oid = this.oids[i];
      const type = this.types[i];
      if (!oid || !type)
        throw new PackError(`delta at offset ${t.offset(i)} could not be resolved`);
      return { oid, type, offset: t.offset(i), crc32: t.crcs[i] as number };
    });
    const thinBases = this.externals.map((x) => x.oid);
    return { objects, packChecksum: this.scan.packChecksum, thinBases };
  }

  private oidOf(i: number): string {
    return (i < this.n ? this.oids[i] : this.externals[i - this.n]?.oid) as string;
  }
  private typeOf(i: number): ObjectType {
    return (i < this.n ? this.types[i] : this.externals[i - this.n]?.type) as ObjectType;
  }

  /** Reports `start` (if in the pack) and resolves every delta below it, depth first. */
  private async resolveFrom(start: number): Promise<void> {
    if (start < this.n && this.opts.onObject) {
      const type = this.typeOf(start);
      const needed =
        (this.opts.wantBody?.(type) ?? true) ||
        this.ofsChildren.has(start) ||
        this.refChildren.has(this.oidOf(start));
      // Pass 1 inflated, sized and hashed every full object: one nobody reads is not inflated again.
      const body = needed ? await this.body(start) : EMPTY;
      await this.opts.onObject({
        oid: this.oidOf(start),
        type,
        body,
        offset: this.table.offset(start),
      });
    }
    const stack = [start];
    while (stack.length > 0) {
      const b = stack.pop() as number;
      const kids = [
        ...(this.ofsChildren.get(b) ?? []),
        ...(this.refChildren.get(this.oidOf(b)) ?? []),
      ];
      this.ofsChildren.delete(b);
      this.refChildren.delete(this.oidOf(b));
      if (kids.length === 0) continue;
      const baseBody = await this.body(b);
      for (const c of kids) {
        if (this.types[c]) continue; // already resolved (duplicate base object)
        const body = applyDelta(baseBody, await this.rawData(c), this.opts.maxObjectSize);
        const type = this.typeOf(b);
        const oid = hashObject(type, body);
        this.types[c] = type;
        this.oids[c] = oid;
        this.base[c] = b;
        this.cache.set(c, body);
        await this.opts.onObject?.({ oid, type, body, offset: this.table.offset(c) });
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
    this.cache.set(j, data);
    for (let k = chain.length - 1; k >= 0; k--) {
      const c = chain[k] as number;
      data = applyDelta(data, await this.rawData(c), this.opts.maxObjectSize);
      this.cache.set(c, data);
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
