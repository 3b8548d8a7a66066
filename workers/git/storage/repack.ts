/**
 * Exact repacking: rewrites a repository's packs so that one pack holds exactly the objects
 * reachable from its refs, each once, and the objects nothing reaches go to a cruft pack that is
 * kept (readable by id, never cloned) until its grace has passed. What makes a clone that streams
 * the stored packs send exactly what was asked for after deletions, force-pushes and objects
 * pushed twice. Hand-written: no library repacks over ranged object-store reads in the Workers
 * runtime.
 *
 * Entries are copied as stored (no inflating): whole objects verbatim; deltas with their zlib
 * data untouched and only the header rewritten as an OFS_DELTA against wherever their base now
 * sits. A delta whose base is not kept (the base is unreachable) is resolved and stored whole.
 * Sources are read entry by entry through the block-cached range reader; memory holds one entry
 * plus the offset maps.
 */
import { PackIndex, writeIdxV2 } from '../model/idx';
import { concatBytes, toHex } from '../model/bytes';
import { PackError } from '../model/errors';
import { crc32 } from '../model/native';
import { encodeEntryHeader, encodeOfsDistance, parseEntryHeader } from '../model/pack-format';
import { PackWriter } from '../model/pack-writer';
import type { ObjectStore } from './object-store';
import { idxKeyOf, packKey } from './pack-keys';
import { createPartWriter } from './part-writer';
import { openRangeReader } from './range-reader';
import type { GitObject, StoredPack } from './repo-objects';

export interface RepackPack extends StoredPack {
  checksum: string;
}

export interface RepackResult {
  /** The pack of every reachable object (undefined when nothing is reachable). */
  main?: RepackPack;
  /** The objects of live packs that nothing reaches (undefined when none, or no grace). */
  cruft?: RepackPack;
  /** The live packs the result replaces. */
  replaced: string[];
  /** Cruft packs past their grace that the result drops (only safe if no ref moved meanwhile). */
  expired: string[];
}

export interface RepackInput {
  repoId: string;
  /** The whole catalog, oldest first (cruft packs included). */
  packs: RepackPack[];
  /** Every object reachable from the refs. */
  reachable: ReadonlySet<string>;
  /** Reads any stored object (to store whole a delta whose base is dropped). */
  read(oid: string): Promise<GitObject>;
  /** Cruft packs whose grace has passed: their unreachable objects are dropped. */
  expiredCruft: ReadonlySet<string>;
  /** Keep unreachable objects in a cruft pack (false: drop them now). */
  keepCruft: boolean;
}

interface SourceEntry {
  oid: string;
  offset: number;
  end: number;
}

async function entriesByOffset(store: ObjectStore, pack: StoredPack): Promise<SourceEntry[]> {
  const bytes = await store.get(idxKeyOf(pack.key));
  if (!bytes) throw new Error(`index of ${pack.key} is missing`);
  const list = [...PackIndex.parse(bytes).entries()].sort((a, b) => a.offset - b.offset);
  return list.map((e, i) => ({
    oid: e.oid,
    offset: e.offset,
    end: list[i + 1]?.offset ?? pack.size - 20,
  }));
}

/** A pack being written: entries, their new offsets and CRCs, streamed to the object store. */
class PackOut {
  readonly key: string;
  private readonly writer: PackWriter;
  private readonly parts;
  readonly at = new Map<string, number>();
  private readonly idx: Array<{ oid: string; offset: number; crc32: number }> = [];

  constructor(
    private readonly store: ObjectStore,
    repoId: string,
    readonly count: number,
  ) {
    this.key = packKey(repoId, crypto.randomUUID());
    this.writer = new PackWriter(count);
    this.parts = createPartWriter(store, this.key);
  }

  start(): Promise<void> {
    return this.parts.write(this.writer.header());
  }

  get offset(): number {
    return this.writer.offset;
  }

  async put(oid: string, entry: Uint8Array): Promise<void> {
    const offset = this.writer.offset;
    await this.parts.write(this.writer.rawEntry(entry));
    this.at.set(oid, offset);
    this.idx.push({ oid, offset, crc32: crc32(entry) });
  }

  async putWhole(oid: string, obj: GitObject): Promise<void> {
    const offset = this.writer.offset;
    const entry = this.writer.entry(obj.type, obj.body);
    await this.parts.write(entry);
    this.at.set(oid, offset);
    this.idx.push({ oid, offset, crc32: crc32(entry) });
  }

  async finish(): Promise<RepackPack> {
    const trailer = this.writer.trailer();
    await this.parts.write(trailer);
    await this.parts.finish();
    await this.store.put(idxKeyOf(this.key), writeIdxV2(this.idx, trailer));
    return {
      key: this.key,
      size: this.writer.offset,
      objectCount: this.count,
      checksum: toHex(trailer),
    };
  }

  async abort(): Promise<void> {
    await this.parts.abort();
    await this.store.delete([idxKeyOf(this.key)]).catch(() => undefined);
  }
}

/** Writes the main and cruft packs; nothing in the catalog changes here (RepoObject swaps). */
export async function repack(store: ObjectStore, input: RepackInput): Promise<RepackResult> {
  const live = input.packs.filter((p) => !p.cruft);
  const cruftPacks = input.packs.filter((p) => p.cruft);
  // Live packs first, so reachable objects are copied from there; unexpired cruft packs are read
  // only for objects that became reachable again without being sent again.
  const sources = [...live, ...cruftPacks];
  const listed = await Promise.all(sources.map((p) => entriesByOffset(store, p)));
  const unreachable = new Set<string>();
  live.forEach((_, i) => {
    for (const e of listed[i] ?? []) if (!input.reachable.has(e.oid)) unreachable.add(e.oid);
  });
  const main =
    input.reachable.size > 0 ? new PackOut(store, input.repoId, input.reachable.size) : undefined;
  const cruft =
    input.keepCruft && unreachable.size > 0
      ? new PackOut(store, input.repoId, unreachable.size)
      : undefined;
  try {
    if (main) {
      await main.start();
      for (const [i, pack] of sources.entries()) {
        await copyReachable(store, pack, listed[i] ?? [], input, main);
      }
      const missing = main.count - main.at.size;
      if (missing > 0) throw new PackError(`repack: ${missing} reachable objects are not stored`);
    }
    if (cruft) {
      await cruft.start();
      for (const oid of unreachable) await cruft.putWhole(oid, await input.read(oid));
    }
    const result: RepackResult = {
      replaced: live.map((p) => p.key),
      expired: cruftPacks.filter((p) => input.expiredCruft.has(p.key)).map((p) => p.key),
    };
    if (main) result.main = await main.finish();
    if (cruft) result.cruft = { ...(await cruft.finish()), cruft: true };
    return result;
  } catch (err) {
    await main?.abort();
    await cruft?.abort();
    throw err;
  }
}

/** Copies the reachable entries of one source pack that the output does not hold yet. */
async function copyReachable(
  store: ObjectStore,
  pack: StoredPack,
  entries: SourceEntry[],
  input: RepackInput,
  out: PackOut,
): Promise<void> {
  const reader = openRangeReader(store, pack.key, pack.size);
  const oidAt = new Map(entries.map((e) => [e.offset, e.oid]));
  for (const e of entries) {
    if (!input.reachable.has(e.oid) || out.at.has(e.oid)) continue;
    const raw = await reader.readRange(e.offset, e.end - e.offset);
    const h = parseEntryHeader(raw, 0, raw.length, e.offset);
    if (!h) throw new PackError(`truncated entry at offset ${e.offset} of ${pack.key}`);
    if (h.kind !== 'ofs-delta' && h.kind !== 'ref-delta') {
      await out.put(e.oid, raw);
      continue;
    }
    const baseOid = h.kind === 'ref-delta' ? h.baseOid : oidAt.get(h.baseOffset ?? -1);
    const baseAt = baseOid === undefined ? undefined : out.at.get(baseOid);
    if (baseAt === undefined) {
      await out.putWhole(e.oid, await input.read(e.oid));
      continue;
    }
    const head = encodeEntryHeader(6, h.size);
    const dist = encodeOfsDistance(out.offset - baseAt);
    await out.put(e.oid, concatBytes([head, dist, raw.subarray(h.headerLength)]));
  }
}
