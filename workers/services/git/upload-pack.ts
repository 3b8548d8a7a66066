/**
 * upload-pack protocol v2 over smart HTTP: `ls-refs` and `fetch` (want/have negotiation, shallow
 * and deepen, blob filters, include-tag). A full clone streams the stored packs as they are
 * behind one new header and trailer; anything else builds a pack of exactly the objects needed.
 */
import { fromUtf8, writeU32 } from '../../git/model/bytes';
import { parseTag } from '../../git/model/object';
import { parsePktLines, PktLineError, type Pkt } from '../../git/model/pkt-line';
import { Sha1 } from '../../git/model/native';
import { PackWriter } from '../../git/model/pack-writer';
import { isServableRefName, isValidOid } from '../../git/model/refs';
import type { RepoObjects } from '../../git/storage/repo-objects';
import type { RepoState } from '../../../durable-objects/repo-refs';
import { AppError } from '../../errors';
import { enumerateObjects, parseFilter, type BlobFilter } from './fetch-walk';
import { openObjects, type GitRepoContext } from './repo-context';
import { GitResponseWriter } from './response-writer';

interface V2Request {
  command: string;
  args: string[];
}

/** Splits a v2 request body into command, capabilities and arguments. */
export function parseV2Request(body: Uint8Array): V2Request | undefined {
  let pkts: Pkt[];
  try {
    pkts = parsePktLines(body);
  } catch (err) {
    if (err instanceof PktLineError) throw AppError.invalid(`malformed request: ${err.message}`);
    throw err;
  }
  if (pkts.length === 0 || pkts[0]?.type === 'flush') return undefined;
  let command = '';
  const args: string[] = [];
  let section: 'caps' | 'args' = 'caps';
  for (const p of pkts) {
    if (p.type === 'delim') {
      section = 'args';
      continue;
    }
    if (p.type === 'flush') break;
    if (p.type !== 'data') continue;
    const line = fromUtf8(p.data).replace(/\n$/, '');
    if (section === 'caps') {
      if (line.startsWith('command=')) command = line.slice(8);
    } else args.push(line);
  }
  if (!command) throw AppError.invalid('protocol v2 request without a command');
  return { command, args };
}

/** Peels an annotated tag (chains included) to the object it finally names. */
async function peel(objects: RepoObjects, oid: string): Promise<string | undefined> {
  let cur = oid;
  for (let i = 0; i < 10; i++) {
    const obj = await objects.read(cur);
    if (!obj || obj.type !== 'tag') return i === 0 ? undefined : cur;
    cur = parseTag(obj.body).object;
  }
  return cur;
}

/** ls-refs: HEAD (with its symref target) and refs, filtered by ref-prefix. */
export async function lsRefs(
  ctx: GitRepoContext,
  state: RepoState,
  args: string[],
  out: GitResponseWriter,
): Promise<void> {
  const prefixes = args.filter((a) => a.startsWith('ref-prefix ')).map((a) => a.slice(11));
  const symrefs = args.includes('symrefs');
  const wantPeel = args.includes('peel');
  const unborn = args.includes('unborn');
  const matches = (name: string): boolean =>
    prefixes.length === 0 || prefixes.some((p) => name.startsWith(p));
  const byName = new Map(state.refs.map((r) => [r.name, r.oid]));
  let objects: RepoObjects | undefined;
  if (matches('HEAD')) {
    const target = byName.get(state.head);
    const attr = symrefs ? ` symref-target:${state.head}` : '';
    if (target) await out.line(`${target} HEAD${attr}`);
    else if (unborn) await out.line(`unborn HEAD${attr}`);
  }
  for (const r of state.refs) {
    if (!matches(r.name) || !isServableRefName(r.name)) continue;
    let line = `${r.oid} ${r.name}`;
    if (wantPeel && r.name.startsWith('refs/tags/')) {
      objects ??= await openObjects(ctx, state);
      const peeled = await peel(objects, r.oid);
      if (peeled) line += ` peeled:${peeled}`;
    }
    await out.line(line);
  }
  await out.flush();
}

interface FetchArgs {
  wants: string[];
  haves: string[];
  done: boolean;
  noProgress: boolean;
  includeTag: boolean;
  ofsDelta: boolean;
  shallow: Set<string>;
  depth?: number;
  relative: boolean;
  deepenSince?: number;
  deepenNot: string[];
  filter?: BlobFilter;
}

function parseFetchArgs(args: string[]): FetchArgs {
  const f: FetchArgs = {
    wants: [],
    haves: [],
    done: false,
    noProgress: false,
    includeTag: false,
    ofsDelta: false,
    shallow: new Set(),
    relative: false,
    deepenNot: [],
  };
  const oidArg = (a: string, n: number): string => {
    const oid = a.slice(n);
    if (!isValidOid(oid)) throw AppError.invalid(`bad object id in '${a.slice(0, 60)}'`);
    return oid;
  };
  for (const a of args) {
    if (a.startsWith('want ')) f.wants.push(oidArg(a, 5));
    else if (a.startsWith('have ')) f.haves.push(oidArg(a, 5));
    else if (a.startsWith('shallow ')) f.shallow.add(oidArg(a, 8));
    else if (a === 'done') f.done = true;
    else if (a === 'no-progress') f.noProgress = true;
    else if (a === 'include-tag') f.includeTag = true;
    else if (a === 'ofs-delta') f.ofsDelta = true;
    else if (a === 'deepen-relative') f.relative = true;
    else if (a === 'thin-pack') continue;
    else if (a.startsWith('deepen-since ')) f.deepenSince = Number(a.slice(13));
    else if (a.startsWith('deepen-not ')) f.deepenNot.push(a.slice(11));
    else if (a.startsWith('deepen ')) {
      f.depth = Number(a.slice(7));
      if (!Number.isInteger(f.depth) || f.depth < 1)
        throw AppError.invalid('deepen needs a positive depth');
    } else if (a.startsWith('filter ')) f.filter = parseFilter(a.slice(7));
    else throw AppError.invalid(`unexpected fetch argument '${a.slice(0, 60)}'`);
  }
  if (f.wants.length === 0) throw AppError.invalid('fetch without any want');
  return f;
}

/** fetch: negotiation round, or the pack. */
export async function fetchCommand(
  ctx: GitRepoContext,
  state: RepoState,
  args: string[],
  out: GitResponseWriter,
): Promise<void> {
  const f = parseFetchArgs(args);
  const objects = await openObjects(ctx, state);
  for (const w of f.wants) {
    if (!objects.has(w)) throw AppError.invalid(`upload-pack: not our ref ${w}`);
  }
  const common = f.haves.filter((h) => objects.has(h));
  if (!f.done) {
    await out.line('acknowledgments');
    if (common.length === 0) {
      await out.line('NAK');
      await out.flush();
      return;
    }
    for (const h of common) await out.line(`ACK ${h}`);
    await out.line('ready');
    await out.delim();
  }
  const progress = async (text: string, force = false): Promise<void> => {
    if (!f.noProgress) await out.progress(text, force);
  };

  const deepenNot = f.deepenNot.map(
    (r) =>
      state.refs.find(
        (x) => x.name === r || x.name === `refs/heads/${r}` || x.name === `refs/tags/${r}`,
      )?.oid ?? r,
  );
  const tips = new Set(state.refs.map((r) => r.oid));
  const verbatim =
    common.length === 0 &&
    f.shallow.size === 0 &&
    f.depth === undefined &&
    f.deepenSince === undefined &&
    deepenNot.length === 0 &&
    !f.filter &&
    f.ofsDelta &&
    f.wants.every((w) => tips.has(w)) &&
    state.packs.length > 0;

  if (verbatim) {
    await out.line('packfile');
    await progress(
      `Reusing ${state.packs.reduce((n, p) => n + p.objectCount, 0)} objects from ${state.packs.length} stored pack(s)\n`,
      true,
    );
    await streamStoredPacks(ctx, state, out);
    await out.flush();
    return;
  }

  let tagsByTarget: Map<string, string[]> | undefined;
  if (f.includeTag) {
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
      wants: f.wants,
      common,
      clientShallow: f.shallow,
      depth: f.depth,
      relative: f.relative,
      deepenSince: f.deepenSince,
      deepenNot,
      filter: f.filter,
      tagsByTarget,
    },
    (n) => progress(`Counting objects: ${n}\r`),
  );
  if (walk.shallow.length || walk.unshallow.length) {
    await out.line('shallow-info');
    for (const s of walk.shallow) await out.line(`shallow ${s}`);
    for (const u of walk.unshallow) await out.line(`unshallow ${u}`);
    await out.delim();
  }
  await out.line('packfile');
  await progress(`Enumerating objects: ${walk.objects.length}, done.\n`, true);
  const writer = new PackWriter(walk.objects.length);
  await out.band(writer.header());
  let n = 0;
  for (const o of walk.objects) {
    const obj = await objects.mustRead(o.oid);
    const entry = writer.entry(obj.type, obj.body);
    for (let i = 0; i < entry.length; i += 65515) await out.band(entry.subarray(i, i + 65515));
    n++;
    if (n % 200 === 0)
      await progress(
        `Compressing objects: ${Math.floor((100 * n) / walk.objects.length)}% (${n}/${walk.objects.length})\r`,
      );
  }
  await progress(`Compressing objects: 100% (${n}/${n}), done.\n`, true);
  await out.band(writer.trailer());
  await out.flush();
}

/** Sends every stored pack back to back under one header and a freshly computed trailer. */
async function streamStoredPacks(
  ctx: GitRepoContext,
  state: RepoState,
  out: GitResponseWriter,
): Promise<void> {
  const count = state.packs.reduce((n, p) => n + p.objectCount, 0);
  const header = new Uint8Array(12);
  header.set([0x50, 0x41, 0x43, 0x4b], 0);
  writeU32(header, 4, 2);
  writeU32(header, 8, count);
  const hash = Sha1.create();
  hash.update(header);
  await out.band(header);
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
        await out.band(buffered);
        buffered = new Uint8Array(65515);
        fill = 0;
      }
    }
  };
  for (const p of state.packs) {
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
  if (fill > 0) await out.band(buffered.subarray(0, fill));
  await out.band(hash.digest());
}

/** Runs one v2 command; the response streams while it is produced. */
export function uploadPack(
  ctx: GitRepoContext,
  request: V2Request,
  onError: (e: unknown) => void,
): ReadableStream<Uint8Array> {
  const out = new GitResponseWriter();
  void (async () => {
    try {
      const state = await ctx.refs.state(ctx.repo.defaultBranch);
      if (request.command === 'ls-refs') await lsRefs(ctx, state, request.args, out);
      else if (request.command === 'fetch') await fetchCommand(ctx, state, request.args, out);
      else throw AppError.invalid(`unknown command '${request.command}'`);
      await out.close();
    } catch (err) {
      onError(err);
      const msg = err instanceof AppError ? err.message : 'internal error while serving the fetch';
      await out.line(`ERR ${msg}`).catch(() => undefined);
      await out.close();
    }
  })();
  return out.readable;
}
