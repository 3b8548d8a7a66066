/**
 * Writes objects made in the Worker (a landing's merged trees and rebased commits) as one pack
 * through the same intake a push uses (pack-intake.ts): stored under a content-addressed key,
 * indexed, its .idx written beside it, nothing published. The caller records it with its ref
 * update in RepoObject's compare-and-swap, exactly as a push's pack is, so fetch, compaction and
 * cruft handling see no difference. Entries are whole objects (no deltas): a landing makes few.
 */
import type { ObjectType } from '../../../common/git/object';
import { PackWriter } from '../../../common/git/pack-writer';
import { intakePack, type IntakeLimits, type StoredIntake } from './pack-intake';
import type { ObjectStore } from './object-store';
import { packKey } from './pack-keys';

/** Pack bytes of `objects`, produced piece by piece. */
async function* packPieces(
  objects: ReadonlyArray<{ type: ObjectType; body: Uint8Array }>,
): AsyncGenerator<Uint8Array> {
  const w = new PackWriter(objects.length);
  yield w.header();
  for (const o of objects) yield w.entry(o.type, o.body);
  yield w.trailer();
}

/** Stores `objects` as a new pack of repository `repoId`; the pack is not yet in the catalog. */
export function writeObjectsPack(
  store: ObjectStore,
  repoId: string,
  objects: ReadonlyArray<{ type: ObjectType; body: Uint8Array }>,
  limits: IntakeLimits,
): Promise<StoredIntake> {
  return intakePack(store, packKey(repoId, crypto.randomUUID()), packPieces(objects), limits);
}
