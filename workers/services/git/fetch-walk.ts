/**
 * Which objects a fetch sends, in phases: the commit walk (fetch-commits.ts: wants resolved,
 * commits from the wants newest-first, stopping where the client's haves and everything behind
 * them begin, or cut by depth/since/not), then the trees of the new commits minus what the
 * boundary commits already give the client, then the blobs those trees hold, filtered for a
 * partial clone, and the annotated tags asked for with include-tag.
 */
import { parseTree, type ObjectType } from '../../../common/git/object';
import type { RepoObjects } from '../../git/storage/repo-objects';
import { AppError } from '../../../common/errors';
import {
  CommitCache,
  resolveWants,
  walkCommits,
  type CommitWalk,
  type CommitWalkRequest,
} from './fetch-commits';

export type BlobFilter = { kind: 'blob:none' } | { kind: 'blob:limit'; limit: number };

export interface WalkRequest extends CommitWalkRequest {
  filter?: BlobFilter;
  /** Annotated tags by target, for include-tag. */
  tagsByTarget?: Map<string, string[]>;
}

export interface WalkResult {
  objects: Array<{ oid: string; type: ObjectType }>;
  shallow: string[];
  unshallow: string[];
}

/**
 * `commits` reordered so that every commit comes after its parents among them (depth-first
 * post-order, iterative: histories are deeper than any call stack).
 */
export function parentsFirst(
  commits: string[],
  parentsOf: (oid: string) => string[],
  among: ReadonlySet<string> = new Set(commits),
): string[] {
  const order: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  for (const start of commits) {
    if (state.has(start)) continue;
    const stack: Array<{ oid: string; next: number }> = [{ oid: start, next: 0 }];
    state.set(start, 'open');
    while (stack.length) {
      const top = stack[stack.length - 1] as { oid: string; next: number };
      const parents = parentsOf(top.oid);
      let pushed = false;
      while (top.next < parents.length) {
        const p = parents[top.next++] as string;
        if (!among.has(p) || state.has(p)) continue;
        state.set(p, 'open');
        stack.push({ oid: p, next: 0 });
        pushed = true;
        break;
      }
      if (pushed) continue;
      stack.pop();
      state.set(top.oid, 'done');
      order.push(top.oid);
    }
  }
  return order;
}

/** Parses `blob:none` / `blob:limit=<n>[kmg]`; other specs are refused the way git does. */
export function parseFilter(spec: string): BlobFilter {
  if (spec === 'blob:none') return { kind: 'blob:none' };
  const m = /^blob:limit=(\d+)([kmg]?)$/i.exec(spec);
  if (m) {
    const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(m[2] ?? '').toLowerCase()] ?? 1;
    return { kind: 'blob:limit', limit: Number(m[1]) * unit };
  }
  throw AppError.invalid(`filter '${spec}' is not supported (use blob:none or blob:limit=<n>)`);
}

/** The objects a fetch sends, each once: tags and commits first, then trees, then blobs. */
class ObjectList {
  readonly out: Array<{ oid: string; type: ObjectType }> = [];
  /** Blobs found in the trees, in order; filtered before they join `out`. */
  readonly blobs: string[] = [];
  readonly sent = new Set<string>();

  constructor(private readonly objects: RepoObjects) {}

  /** Adds an object already chosen (a tag or a commit). */
  add(oid: string, type: ObjectType): void {
    this.out.push({ oid, type });
    this.sent.add(oid);
  }

  /** Adds a tree or blob not sent yet; false when it was. */
  private take(oid: string, type: ObjectType): boolean {
    if (this.sent.has(oid)) return false;
    this.sent.add(oid);
    if (type === 'tree') this.out.push({ oid, type });
    else this.blobs.push(oid);
    return true;
  }

  private async readTree(oid: string) {
    return parseTree((await this.objects.mustRead(oid)).body);
  }

  /** Adds the tree `root` and what it holds that `base` (a tree the client has) does not. */
  async addTree(root: string, base?: string): Promise<void> {
    const stack: Array<[string, string | undefined]> = [[root, base]];
    while (stack.length) {
      const [t, old] = stack.pop() as [string, string | undefined];
      if (t === old || !this.take(t, 'tree')) continue;
      const oldEntries = old
        ? new Map((await this.readTree(old)).map((e) => [e.name, e]))
        : undefined;
      for (const e of await this.readTree(t)) {
        if (e.mode === '160000') continue;
        const prev = oldEntries?.get(e.name);
        if (prev?.oid === e.oid) continue;
        if (e.mode === '40000') stack.push([e.oid, prev?.mode === '40000' ? prev.oid : undefined]);
        else this.take(e.oid, 'blob');
      }
    }
  }

  /** Moves the blobs found in trees into the list, leaving out what the filter excludes. */
  async addBlobs(filter: BlobFilter | undefined): Promise<void> {
    for (const oid of this.blobs) {
      if (filter?.kind === 'blob:none') continue;
      if (filter?.kind === 'blob:limit') {
        const obj = await this.objects.mustRead(oid);
        if (obj.body.length >= filter.limit) continue;
      }
      this.out.push({ oid, type: 'blob' });
    }
  }
}

/**
 * Trees: each sent commit's tree is compared with its first parent's, descending only into
 * subtrees that changed — the client has (or is being sent) everything in the parent's tree.
 * Commits whose parent the client will not have (roots, shallow cuts) send their whole tree.
 */
async function addCommitTrees(list: ObjectList, cache: CommitCache, walk: CommitWalk) {
  const inResult = new Set(walk.commits);
  const shallowSet = new Set(walk.shallow);
  // Parents before children: a tree is diffed only against a parent tree that is already sent
  // whole (or that the client has). Newest first, a reverted change made two trees each skip
  // what the other holds, and objects both shared were sent by neither.
  const order = parentsFirst(walk.commits, (oid) => cache.parentsOf(oid), inResult);
  for (const oid of order) {
    const c = await cache.read(oid);
    const parent = c.parents[0];
    const clientHasParent =
      parent !== undefined &&
      !shallowSet.has(oid) &&
      (inResult.has(parent) || walk.uninteresting.has(parent));
    await list.addTree(c.tree, clientHasParent ? (await cache.read(parent)).tree : undefined);
  }
}

/** include-tag: annotated tags whose targets are sent go first. */
function includeTags(
  out: Array<{ oid: string; type: ObjectType }>,
  tagsByTarget: Map<string, string[]>,
): void {
  const sentSet = new Set(out.map((o) => o.oid));
  for (const [target, tags] of tagsByTarget) {
    if (!sentSet.has(target)) continue;
    for (const t of tags) if (!sentSet.has(t)) out.unshift({ oid: t, type: 'tag' });
  }
}

/** Lists the objects a fetch sends, in phases: wants, commits, trees, blobs, tags. */
export async function enumerateObjects(
  objects: RepoObjects,
  req: WalkRequest,
  onProgress?: (counted: number) => Promise<void>,
): Promise<WalkResult> {
  const cache = new CommitCache(objects);
  const wants = await resolveWants(objects, req.wants);
  const walk = await walkCommits(objects, cache, req, wants.commits, onProgress);

  const list = new ObjectList(objects);
  for (const t of wants.tags) list.add(t.oid, t.type);
  for (const oid of walk.commits) list.add(oid, 'commit');
  await addCommitTrees(list, cache, walk);
  for (const t of wants.trees) await list.addTree(t);
  await list.addBlobs(req.filter);
  for (const b of wants.blobs) if (!list.sent.has(b)) list.out.push({ oid: b, type: 'blob' });

  if (req.tagsByTarget) includeTags(list.out, req.tagsByTarget);
  return { objects: list.out, shallow: walk.shallow, unshallow: walk.unshallow };
}
