/**
 * Mergeability of a landing: the three-way tree merge of its head onto the target's tip over the
 * landing's base (docs/design/landing-requests.md §6), with the key it is cached under. The answer
 * depends only on the two tips (and the base, which the landing's head fixes), so a cached answer
 * for the same (target tip, landing tip) never goes stale.
 */
import { readCommit } from '../../browse/objects';
import { mergeTrees, type FileConflict } from './merge-trees';
import { NewObjects, type ObjectReader } from './objects';

export interface Mergeability {
  key: string;
  clean: boolean;
  conflicts: FileConflict[];
}

/** The cache key of a mergeability answer. */
export function mergeabilityKey(targetTip: string, landingTip: string): string {
  return `mergeability:${targetTip}:${landingTip}`;
}

/** Whether `head` (a landing on `base`) merges onto `targetTip`, with the conflicts per file. */
export async function checkMergeability(
  reader: ObjectReader,
  x: { targetTip: string; base: string; head: string },
): Promise<Mergeability> {
  const key = mergeabilityKey(x.targetTip, x.head);
  if (x.targetTip === x.base) return { key, clean: true, conflicts: [] };
  const objects = new NewObjects(reader);
  const [b, t, h] = await Promise.all([
    readCommit(objects, x.base),
    readCommit(objects, x.targetTip),
    readCommit(objects, x.head),
  ]);
  const merged = await mergeTrees(objects, b.tree, t.tree, h.tree);
  return { key, clean: merged.conflicts.length === 0, conflicts: merged.conflicts };
}
