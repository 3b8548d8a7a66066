/**
 * receive-pack (push) over smart HTTP: read the ref commands, stream the pack to storage while
 * indexing it, verify every object and the connectivity of the new tips, then let RepoObject
 * compare-and-swap all ref updates in one transaction, and report per ref. A failed or
 * interrupted push publishes nothing: the staged pack is deleted and no ref moves.
 */
import type { ObjectType } from '../../git/model/object';
import { addLinks } from '../../git/model/object-links';
import { OidSet } from '../../git/model/oid-set';
import { ZERO_OID } from '../../git/model/refs';
import { fromHex, toHex } from '../../git/model/bytes';
import { ObjectFormatError, PackError } from '../../git/model/errors';
import { encodePktLine, FLUSH_PKT } from '../../git/model/pkt-line';
import { intakePack, PackTooLargeError, type StoredIntake } from '../../git/storage/pack-intake';
import { packKey } from '../../git/storage/pack-keys';
import type { RepoObjects } from '../../git/storage/repo-objects';
import { AppError } from '../../errors';
import { onlyDeletes, readReceiveCommands, type ReceiveCommand } from './receive-commands';
import { pushKeepsExact } from './push-exactness';
import { openObjects, type GitRepoContext } from './repo-context';
import { GitResponseWriter } from './response-writer';

export const RECEIVE_CAPABILITIES = [
  'report-status',
  'report-status-v2',
  'delete-refs',
  'side-band-64k',
  'quiet',
  'atomic',
  'ofs-delta',
  'no-thin',
  'object-format=sha1',
];

export interface PushedRef extends ReceiveCommand {
  ok: boolean;
}

export interface ReceiveHooks {
  /** Called after refs changed (events, cache invalidation). Errors are logged, not reported. */
  onPushed?(refs: PushedRef[], head: string): Promise<void>;
  onError?(err: unknown): void;
}

const TYPE_CODES: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };

function describePackError(err: unknown): string {
  if (err instanceof PackError || err instanceof PackTooLargeError) return err.message;
  if (err instanceof ObjectFormatError) return `bad object: ${err.message}`;
  if (err instanceof AppError) return err.message;
  return 'internal error while storing the pack';
}

/**
 * Runs a push. Returns the response body, produced while the work goes on, and `done`, which
 * settles after the follow-up work (hooks) so the caller can keep the request alive for it.
 */
export function receivePack(
  ctx: GitRepoContext,
  body: ReadableStream<Uint8Array>,
  hooks: ReceiveHooks = {},
): { body: ReadableStream<Uint8Array>; done: Promise<void> } {
  const out = new GitResponseWriter();
  const done = run(ctx, body, out, hooks).catch(async (err: unknown) => {
    hooks.onError?.(err);
    await out.abort(err);
  });
  return { body: out.readable, done };
}

async function run(
  ctx: GitRepoContext,
  body: ReadableStream<Uint8Array>,
  out: GitResponseWriter,
  hooks: ReceiveHooks,
): Promise<void> {
  const iterator = body[Symbol.asyncIterator]();
  let req: Awaited<ReturnType<typeof readReceiveCommands>>;
  try {
    req = await readReceiveCommands(iterator);
  } catch (err) {
    await out.line(`ERR ${err instanceof AppError ? err.message : 'bad receive-pack request'}`);
    await out.close();
    return;
  }
  const { commands, caps } = req;
  const sideband = caps.has('side-band-64k');
  const quiet = caps.has('quiet');
  const progress = async (text: string, force = false): Promise<void> => {
    if (sideband && !quiet) await out.progress(text, force);
  };
  if (commands.length === 0) {
    await out.close();
    return;
  }

  const state = await ctx.refs.state(ctx.repo.defaultBranch);
  let objects: RepoObjects | undefined;
  let unpackError: string | undefined;
  let intake: StoredIntake | undefined;
  // Every id the new objects point at, as raw bytes (a large push names millions).
  const links = new OidSet(4096);
  const types = new Map<string, ObjectType>();
  const tips = new OidSet(16);
  let referencesCruft = false;
  for (const c of commands) {
    const id = c.newOid === ZERO_OID ? undefined : fromHex(c.newOid);
    if (id?.length === 20) tips.add(id);
  }

  if (!onlyDeletes(commands)) {
    const pkts = req.pkts;
    const exhausted = req.exhausted;
    async function* packBytes(): AsyncGenerator<Uint8Array> {
      const rest = pkts.takeRest();
      if (rest.length) yield rest;
      if (exhausted) return;
      for (;;) {
        const r = await iterator.next();
        if (r.done) return;
        yield r.value;
      }
    }
    try {
      const key = packKey(ctx.repo.id, crypto.randomUUID());
      intake = await intakePack(ctx.store, key, packBytes(), ctx.limits, {
        bodyTypes: ['commit', 'tree', 'tag'], // addLinks reads no blob
        onObject: (o) => {
          addLinks(TYPE_CODES[o.type], o.body, links);
          if (tips.has(o.id)) types.set(o.oid, o.type);
        },
        onProgress: (phase, done, total) =>
          progress(
            phase === 'receiving'
              ? `Receiving objects: ${(done / 1048576).toFixed(1)} MiB\r`
              : `Resolving deltas: ${total ? Math.floor((100 * done) / total) : 0}% (${done}/${total})\r`,
          ),
      });
      await progress(
        `Resolving deltas: 100% (${intake.objectCount}/${intake.objectCount}), done.\n`,
        true,
      );
      objects = await openObjects(ctx, state);
      // Connectivity: everything the new objects point at must be in this pack or already stored.
      const newOids = intake.oids;
      const stored = objects;
      links.forEach((ids, at) => {
        if (newOids.hasBytes(ids, at)) return true;
        if (stored.hasLiveBytes(ids, at)) return true;
        const oid = toHex(ids.subarray(at, at + 20));
        if (stored.has(oid)) {
          referencesCruft = true;
          return true;
        }
        unpackError = `missing necessary objects (${oid} is referenced but was not sent)`;
        return false;
      });
    } catch (err) {
      const clean =
        err instanceof PackError ||
        err instanceof PackTooLargeError ||
        err instanceof ObjectFormatError;
      if (!clean) hooks.onError?.(err);
      unpackError = describePackError(err);
    }
  }

  // Per-ref checks that need objects: the new tip exists, and branches point at commits.
  const reasons = new Map<string, string>();
  if (!unpackError) {
    objects ??= await openObjects(ctx, state);
    for (const c of commands) {
      if (c.newOid === ZERO_OID) continue;
      const inPack = intake?.oids.has(c.newOid) ?? false;
      if (!inPack && !objects.has(c.newOid)) {
        reasons.set(c.ref, 'missing necessary objects');
        continue;
      }
      const type =
        types.get(c.newOid) ?? (inPack ? undefined : (await objects.read(c.newOid))?.type);
      if (c.ref.startsWith('refs/heads/') && type !== undefined && type !== 'commit') {
        reasons.set(c.ref, `trying to write non-commit object ${c.newOid} to branch`);
      }
    }
  }

  let results: Array<{ ref: string; ok: boolean; reason?: string }>;
  let head = state.head;
  if (unpackError) {
    results = commands.map((c) => ({ ref: c.ref, ok: false, reason: 'unpacker error' }));
  } else {
    const atomic = caps.has('atomic');
    const accepted = commands.filter((c) => !reasons.has(c.ref));
    let outcome = {
      results: [] as Array<{ ref: string; ok: boolean; reason?: string }>,
      applied: false,
      head,
    };
    if (accepted.length > 0 && !(atomic && reasons.size > 0)) {
      outcome = await ctx.refs.push({
        commands: accepted,
        atomic,
        defaultBranch: ctx.repo.defaultBranch,
        keepsExact: pushKeepsExact({
          wasExact: state.exact,
          commands: accepted,
          refs: state.refs,
          ...(intake ? { pack: intake.oids } : {}),
          links,
          referencesCruft,
          storedLive: (bytes, at) => objects?.hasLiveBytes(bytes, at) ?? false,
        }),
        ...(intake && intake.objectCount > 0
          ? {
              pack: {
                key: intake.key,
                checksum: intake.checksum,
                objectCount: intake.objectCount,
                size: intake.size,
              },
            }
          : {}),
      });
    }
    head = outcome.head;
    const byRef = new Map(outcome.results.map((r) => [r.ref, r]));
    results = commands.map((c) => {
      const reason = reasons.get(c.ref);
      if (reason) return { ref: c.ref, ok: false, reason };
      return byRef.get(c.ref) ?? { ref: c.ref, ok: false, reason: 'atomic push failure' };
    });
    if (!outcome.applied && intake) {
      await ctx.store
        .delete([intake.key, intake.key.replace(/\.pack$/, '.idx')])
        .catch(() => undefined);
    }
  }
  if (unpackError && intake) {
    await ctx.store
      .delete([intake.key, intake.key.replace(/\.pack$/, '.idx')])
      .catch(() => undefined);
  }

  await writeReport(out, sideband, unpackError, results);
  await out.close();

  const pushed = commands.map((c, i) => ({ ...c, ok: results[i]?.ok ?? false }));
  if (pushed.some((p) => p.ok))
    await hooks.onPushed?.(pushed, head).catch((e: unknown) => hooks.onError?.(e));
}

async function writeReport(
  out: GitResponseWriter,
  sideband: boolean,
  unpackError: string | undefined,
  results: Array<{ ref: string; ok: boolean; reason?: string }>,
): Promise<void> {
  const lines = [
    unpackError ? `unpack ${unpackError}` : 'unpack ok',
    ...results.map((r) => (r.ok ? `ok ${r.ref}` : `ng ${r.ref} ${r.reason ?? 'failed'}`)),
  ];
  const pkts = [...lines.map((l) => encodePktLine(`${l}\n`)), FLUSH_PKT];
  if (!sideband) {
    for (const p of pkts) await out.write(p);
    return;
  }
  const total = pkts.reduce((n, p) => n + p.length, 0);
  const report = new Uint8Array(total);
  let o = 0;
  for (const p of pkts) {
    report.set(p, o);
    o += p.length;
  }
  for (let i = 0; i < report.length; i += 65515) await out.band(report.subarray(i, i + 65515));
  await out.flush();
}
