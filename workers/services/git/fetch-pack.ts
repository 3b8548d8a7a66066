/**
 * The pack a fetch sends, whatever the protocol version around it: decides between streaming the
 * stored packs as they are (only when they hold exactly the objects the client asked for, each
 * once) and building a pack of the walked objects, and writes it as side-band channel-1 data.
 * Protocol framing (v2 sections, v0/v1 ACK/NAK and shallow lines) stays with the callers.
 */
import { writeU32 } from '../../../common/git/bytes';
import { parseTag } from '../../../common/git/object';
import { Sha1 } from '../../../common/git/native';
import { PackWriter } from '../../../common/git/pack-writer';
import { copyInStoredOrder, EntryCopier } from '../../git/storage/entry-copy';
import type { RepoObjects } from '../../git/storage/repo-objects';
import type { PackRecord, RepoState } from '../../../durable-objects/formats';
import { enumerateObjects, type BlobFilter, type WalkResult } from './fetch-walk';
import type { GitRepoContext } from './repo-context';

/** What the client asked for, after negotiation (protocol-independent). */
export interface PackSpec {
  wants: string[];
  /** Haves the server also has. */
  common: string[];
  /** The client's current shallow boundary. */
  shallow: Set<string>;
  depth?: number;
  relative: boolean;
  deepenSince?: number;
  /** deepen-not arguments, ref names or object ids. */
  deepenNot: string[];
  filter?: BlobFilter;
  includeTag: boolean;
  ofsDelta: boolean;
}

/** Where the pack bytes and progress go: channel 1 and channel 2 of side-band (or raw). */
export interface PackSink {
  data(bytes: Uint8Array): Promise<void>;
  progress(text: string, force?: boolean): Promise<void>;
}

export type FetchPlan =
  | { kind: 'stored'; packs: PackRecord[] }
  | { kind: 'walk'; walk: WalkResult; objects: RepoObjects };

/**
 * The stored packs can be sent as they are only when their objects are exactly what the client
 * asked for: RepoObject vouches that the live packs hold each object reachable from the refs
 * once and nothing else (`state.exact`), the client wants every ref tip, and it has nothing yet.
 */
export function canSendStoredPacks(state: RepoState, spec: PackSpec): boolean {
  const live = livePacks(state);
  if (!state.exact || live.length === 0) return false;
  if (spec.common.length || spec.shallow.size || spec.depth !== undefined) return false;
  if (spec.deepenSince !== undefined || spec.deepenNot.length || spec.filter) return false;
  if (!spec.ofsDelta) return false;
  const wants = new Set(spec.wants);
  return state.refs.every((r) => wants.has(r.oid));
}

/** Packs whose objects are reachable (cruft packs hold unreachable ones awaiting expiry). */
export function livePacks(state: RepoState): PackRecord[] {
  return state.packs.filter((p) => !p.cruft);
}

/** Decides how to answer: the stored packs as they are, or the walked set of objects. */
export async function planFetch(
  state: RepoState,
  objects: RepoObjects,
  spec: PackSpec,
  progress: (counted: number) => Promise<void>,
): Promise<FetchPlan> {
  if (canSendStoredPacks(state, spec)) return { kind: 'stored', packs: livePacks(state) };
  const deepenNot = spec.deepenNot.map(
    (r) =>
      state.refs.find(
        (x) => x.name === r || x.name === `refs/heads/${r}` || x.name === `refs/tags/${r}`,
      )?.oid ?? r,
  );
  let tagsByTarget: Map<string, string[]> | undefined;
  if (spec.includeTag) {
    tagsByTarget = new Map();
    for (const r of state.refs) {
      if (!r.name.startsWith('refs/tags/')) continue;
      const obj = await objects.read(r.oid);
      if (obj?.type !== 'tag') continue;
      const target = parseTag(obj.body).object;
      tagsByTarget.set(target, [...(tagsByTarget.get(target) ?? []), r.oid]);
    }
  }
  const walk = await enumerateObjects(
    objects,
    {
      wants: spec.wants,
      common: spec.common,
      clientShallow: spec.shallow,
      depth: spec.depth,
      relative: spec.relative,
      deepenSince: spec.deepenSince,
      deepenNot,
      filter: spec.filter,
      tagsByTarget,
    },
    progress,
  );
  return { kind: 'walk', walk, objects };
}

/** Writes the planned pack to `sink`. */
export async function writePlannedPack(
  ctx: GitRepoContext,
  plan: FetchPlan,
  sink: PackSink,
): Promise<void> {
  if (plan.kind === 'stored') {
    await sink.progress(
      `Reusing ${plan.packs.reduce((n, p) => n + p.objectCount, 0)} objects from ${plan.packs.length} stored pack(s)\n`,
      true,
    );
    await streamStoredPacks(ctx, plan.packs, sink);
    return;
  }
  const { walk, objects } = plan;
  // Each object once, whatever the walk produced: a pack that names one twice fails the clone.
  const unique = [...new Set(walk.objects.map((o) => o.oid))];
  const total = unique.length;
  await sink.progress(`Enumerating objects: ${total}, done.\n`, true);
  const writer = new PackWriter(total);
  await sink.data(writer.header());
  let n = 0;
  const copier = new EntryCopier(
    writer,
    async (entry) => {
      for (let i = 0; i < entry.length; i += 65515) await sink.data(entry.subarray(i, i + 65515));
      n++;
      if (n % 500 === 0)
        await sink.progress(`Writing objects: ${Math.floor((100 * n) / total)}% (${n}/${total})\r`);
    },
    (oid) => objects.mustRead(oid),
  );
  // Stored entries are reused as they are (whole objects verbatim, deltas re-pointed at bases
  // already sent).
  await copyInStoredOrder(copier, objects, unique);
  await sink.progress(`Writing objects: 100% (${n}/${total}), done.\n`, true);
  await sink.data(writer.trailer());
}

/** Sends the given packs back to back under one header and a freshly computed trailer. */
async function streamStoredPacks(
  ctx: GitRepoContext,
  packs: PackRecord[],
  sink: PackSink,
): Promise<void> {
  const count = packs.reduce((n, p) => n + p.objectCount, 0);
  const header = new Uint8Array(12);
  header.set([0x50, 0x41, 0x43, 0x4b], 0);
  writeU32(header, 4, 2);
  writeU32(header, 8, count);
  const hash = Sha1.create();
  hash.update(header);
  await sink.data(header);
  let buffered = new Uint8Array(65515);
  let fill = 0;
  const emit = async (bytes: Uint8Array): Promise<void> => {
    hash.update(bytes);
    let i = 0;
    while (i < bytes.length) {
      const n = Math.min(bytes.length - i, buffered.length - fill);
      buffered.set(bytes.subarray(i, i + n), fill);
      fill += n;
      i += n;
      if (fill === buffered.length) {
        await sink.data(buffered);
        buffered = new Uint8Array(65515);
        fill = 0;
      }
    }
  };
  for (const p of packs) {
    const stream = await ctx.store.getStream(p.key);
    if (!stream) throw new Error(`pack ${p.key} is missing from storage`);
    // Skip each pack's 12-byte header and stop before its 20-byte trailer.
    let pos = 0;
    const end = p.size - 20;
    for await (const chunk of stream) {
      const from = Math.max(0, 12 - pos);
      const to = Math.min(chunk.length, end - pos);
      if (to > from) await emit(chunk.subarray(from, to));
      pos += chunk.length;
    }
  }
  if (fill > 0) await sink.data(buffered.subarray(0, fill));
  await sink.data(hash.digest());
}
