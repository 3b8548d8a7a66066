/**
 * Recursive diff of two trees into a flat list of changed files: additions, removals and
 * modifications by path (renames.ts then pairs removals with additions into renames). Subtrees
 * with equal ids are skipped without being read, so the cost follows the size of the change, not
 * of the tree.
 */
import { treeEntryKind, type TreeEntry } from '../../../../common/git/object';
import { readTree, type ObjectReader } from '../objects';

export interface FileChange {
  /** The path after the change (for a removal, the path removed). */
  path: string;
  status: 'added' | 'removed' | 'modified' | 'renamed';
  /** For a rename: the path before it. */
  previousPath?: string;
  /** For a rename: how similar the two blobs are, in percent (100: same blob). */
  similarity?: number;
  oldOid?: string;
  newOid?: string;
  oldMode?: string;
  newMode?: string;
}

const isTree = (e: TreeEntry | undefined) => e !== undefined && treeEntryKind(e.mode) === 'tree';

/** Changed files between `oldTree` (undefined: empty) and `newTree`, in path order. */
export async function diffTrees(
  r: ObjectReader,
  oldTree: string | undefined,
  newTree: string | undefined,
  opts: { maxFiles?: number; prefix?: string } = {},
): Promise<{ changes: FileChange[]; truncated: boolean }> {
  const changes: FileChange[] = [];
  const max = opts.maxFiles ?? 3000;
  let truncated = false;
  const walk = async (a: string | undefined, b: string | undefined, prefix: string) => {
    if (a === b || truncated) return;
    const ea = a ? await readTree(r, a) : [];
    const eb = b ? await readTree(r, b) : [];
    const byName = new Map<string, { a?: TreeEntry; b?: TreeEntry }>();
    for (const e of ea) byName.set(e.name, { a: e });
    for (const e of eb) byName.set(e.name, { ...byName.get(e.name), b: e });
    const names = [...byName.keys()].sort();
    for (const name of names) {
      const pair = byName.get(name) ?? {};
      const path = prefix + name;
      if (pair.a?.oid === pair.b?.oid && pair.a?.mode === pair.b?.mode) continue;
      const aTree = isTree(pair.a);
      const bTree = isTree(pair.b);
      if (aTree || bTree) {
        await walk(aTree ? pair.a?.oid : undefined, bTree ? pair.b?.oid : undefined, `${path}/`);
      }
      const fa = aTree ? undefined : pair.a;
      const fb = bTree ? undefined : pair.b;
      if (!fa && !fb) continue;
      if (changes.length >= max) {
        truncated = true;
        return;
      }
      const c: FileChange = { path, status: !fa ? 'added' : !fb ? 'removed' : 'modified' };
      if (fa) Object.assign(c, { oldOid: fa.oid, oldMode: fa.mode });
      if (fb) Object.assign(c, { newOid: fb.oid, newMode: fb.mode });
      changes.push(c);
    }
  };
  await walk(oldTree, newTree, opts.prefix ?? '');
  changes.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  return { changes, truncated };
}
