/**
 * The object phase of a push: takes the pack off the wire into storage while indexing it, checks
 * every incoming object as git's receive.fsckObjects does (receive-fsck.ts), follows shallow
 * boundaries (receive-shallow.ts), and checks connectivity: everything the new objects point at
 * is in this pack or already stored. Any failure becomes `unpackError`, the text git prints as
 * "remote unpack failed: …"; the staged pack is then the caller's to delete.
 */
import type { ObjectType } from '../../../common/git/object';
import { OidSet } from '../../../common/git/oid-set';
import { ZERO_OID } from '../../../common/git/refs';
import { fromHex, toHex } from '../../../common/git/bytes';
import { ObjectFormatError, PackError } from '../../../common/git/errors';
import { intakePack, PackTooLargeError, type StoredIntake } from '../../git/storage/pack-intake';
import { packKey } from '../../git/storage/pack-keys';
import { RepoObjects } from '../../git/storage/repo-objects';
import type { RepoState } from '../../../durable-objects/formats';
import { AppError } from '../../../common/errors';
import type { ReceiveRequest } from './receive-commands';
import { IncomingObjectChecker } from './receive-fsck';
import { ShallowPush } from './receive-shallow';
import { openObjects, type GitRepoContext } from './repo-context';

/** What a push's pack brought, once taken in and checked. */
export interface ReceivedObjects {
  /** The staged pack (not yet in the catalog), when one was sent and stored. */
  intake?: StoredIntake;
  /** The repository's objects before this push, once opened. */
  stored?: RepoObjects;
  /** Why the pack is refused, in the words of git's `unpack` status. */
  unpackError?: string;
  /** Every id the new objects point at, as raw bytes (a large push names millions). */
  links: OidSet;
  /** Types of the pushed objects that are new ref values. */
  tipTypes: Map<string, ObjectType>;
  /** Some pushed object points at a stored object that only a cruft pack holds. */
  referencesCruft: boolean;
  shallow: ShallowPush;
  /** fsck warnings to show the pusher. */
  warnings: string[];
}

/** The nothing a delete-only push receives. */
export function receivedNothing(req: ReceiveRequest): ReceivedObjects {
  return {
    links: new OidSet(16),
    tipTypes: new Map(),
    referencesCruft: false,
    shallow: new ShallowPush(req.shallow),
    warnings: [],
  };
}

/** Errors that mean "the client sent a bad pack", as opposed to a fault of ours. */
function isPackRefusal(err: unknown): boolean {
  return (
    err instanceof PackError || err instanceof PackTooLargeError || err instanceof ObjectFormatError
  );
}

function describePackError(err: unknown): string {
  if (err instanceof PackError || err instanceof PackTooLargeError) return err.message;
  if (err instanceof ObjectFormatError) return `bad object: ${err.message}`;
  if (err instanceof AppError) return err.message;
  return 'internal error while storing the pack';
}

/** The pack's bytes: what the command reader already buffered, then the rest of the body. */
async function* packBytes(
  req: ReceiveRequest & { exhausted: boolean },
  body: AsyncIterator<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const rest = req.pkts.takeRest();
  if (rest.length) yield rest;
  if (req.exhausted) return;
  for (;;) {
    const r = await body.next();
    if (r.done) return;
    yield r.value;
  }
}

/**
 * Takes in and checks the pack of a push that updates some ref. `progress` shows git's
 * "Receiving objects" / "Resolving deltas" lines; `onError` hears of faults that are ours.
 */
export async function receiveObjects(
  ctx: GitRepoContext,
  req: ReceiveRequest & { exhausted: boolean },
  body: AsyncIterator<Uint8Array>,
  state: RepoState,
  progress: (text: string, force?: boolean) => Promise<void>,
  onError?: (err: unknown) => void,
): Promise<ReceivedObjects> {
  const got = receivedNothing(req);
  const tips = new OidSet(16);
  for (const c of req.commands) {
    const id = c.newOid === ZERO_OID ? undefined : fromHex(c.newOid);
    if (id?.length === 20) tips.add(id);
  }
  const checker = new IncomingObjectChecker();
  got.warnings = checker.warnings;
  try {
    const key = packKey(ctx.repo.id, crypto.randomUUID());
    const intake = await intakePack(ctx.store, key, packBytes(req, body), ctx.limits, {
      bodyTypes: ['commit', 'tree', 'tag'], // fsck and links read no blob here
      onObject: (o) => {
        checker.checkAndLink(o, got.links);
        got.shallow.record(o);
        if (tips.has(o.id)) got.tipTypes.set(o.oid, o.type);
      },
      onProgress: (phase, done, total) =>
        progress(
          phase === 'receiving'
            ? `Receiving objects: ${(done / 1048576).toFixed(1)} MiB\r`
            : `Resolving deltas: ${total ? Math.floor((100 * done) / total) : 0}% (${done}/${total})\r`,
        ),
    });
    got.intake = intake;
    await progress(
      `Resolving deltas: 100% (${intake.objectCount}/${intake.objectCount}), done.\n`,
      true,
    );
    const stored = await openObjects(ctx, state);
    got.stored = stored;
    got.shallow.settle(
      (oid) => intake.oids.has(oid),
      (oid) => stored.has(oid),
    );
    if (checker.hasSpecialBlobs) {
      const fresh = await RepoObjects.open(ctx.store, [intake]);
      await checker.checkSpecialBlobs(
        (oid) => intake.oids.has(oid),
        (oid) => fresh.read(oid),
      );
    }
    checkConnectivity(got, intake, stored);
  } catch (err) {
    if (!isPackRefusal(err)) onError?.(err);
    got.unpackError = describePackError(err);
  }
  return got;
}

/**
 * Everything the new objects point at must be in this pack or already stored, or be a parent a
 * shallow boundary of this pack leaves out (the refs reaching it are refused later).
 */
function checkConnectivity(got: ReceivedObjects, intake: StoredIntake, stored: RepoObjects): void {
  got.links.forEach((ids, at) => {
    if (intake.oids.hasBytes(ids, at)) return true;
    if (stored.hasLiveBytes(ids, at)) return true;
    const oid = toHex(ids.subarray(at, at + 20));
    if (stored.has(oid)) {
      got.referencesCruft = true;
      return true;
    }
    if (got.shallow.excuses(oid)) return true;
    got.unpackError = `missing necessary objects (${oid} is referenced but was not sent)`;
    return false;
  });
}
