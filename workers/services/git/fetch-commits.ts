/**
 * The commit phases of a fetch walk: resolving the wants (tags peel to their targets), then
 * choosing the commits to send. A deepening fetch (depth, since, not) walks breadth-first from
 * the wants and records the shallow boundary; any other fetch walks wants and haves together
 * newest-first, the way git's revision walk does, and stops where the client's history begins.
 */
import { parseCommit, parseTag, type ObjectType } from '../../../common/git/object';
import type { RepoObjects } from '../../git/storage/repo-objects';
import { AppError } from '../../../common/errors';

/** What the commit walk reads from a fetch request. */
export interface CommitWalkRequest {
  wants: string[];
  /** Haves the server has (common commits). */
  common: string[];
  clientShallow: Set<string>;
  depth?: number;
  /** `deepen-relative`: depth counts from the client's current shallow boundary. */
  relative?: boolean;
  deepenSince?: number;
  /** Oids whose history the client does not want (deepen-not). */
  deepenNot: string[];
}

export interface CommitInfo {
  parents: string[];
  tree: string;
  time: number;
}

/** Commits read during one walk, parsed once each. */
export class CommitCache {
  private readonly commits = new Map<string, CommitInfo>();

  constructor(private readonly objects: RepoObjects) {}

  /** The commit `oid` (refused when the object is not a commit). */
  async read(oid: string): Promise<CommitInfo> {
    const hit = this.commits.get(oid);
    if (hit) return hit;
    const obj = await this.objects.mustRead(oid);
    if (obj.type !== 'commit') throw AppError.invalid(`${oid} is not a commit`);
    const c = parseCommit(obj.body);
    const info = { parents: c.parents, tree: c.tree, time: c.committer.timestamp };
    this.commits.set(oid, info);
    return info;
  }

  /** Parents of a commit already read (none when it was not). */
  parentsOf(oid: string): string[] {
    return this.commits.get(oid)?.parents ?? [];
  }
}

/** The wants sorted by what they resolve to. */
export interface ResolvedWants {
  /** Tag objects on the way to the wanted objects, sent as they are. */
  tags: Array<{ oid: string; type: ObjectType }>;
  commits: string[];
  trees: string[];
  blobs: string[];
}

/** Resolves wants: tags peel to their targets (the tag objects themselves are sent too). */
export async function resolveWants(objects: RepoObjects, wants: string[]): Promise<ResolvedWants> {
  const out: ResolvedWants = { tags: [], commits: [], trees: [], blobs: [] };
  /** Objects the wants resolved to, each once (tags and what they peel to). */
  const seen = new Set<string>();
  // A client names a tip once per ref that points at it (HEAD and its branch): once is enough.
  for (const w of new Set(wants)) {
    let oid = w;
    for (let depth = 0; depth < 10; depth++) {
      const obj = await objects.read(oid);
      if (!obj) throw AppError.notFound(`upload-pack: not our ref ${oid}`);
      if (obj.type === 'tag') {
        if (!seen.has(oid)) out.tags.push({ oid, type: 'tag' });
        seen.add(oid);
        oid = parseTag(obj.body).object;
        continue;
      }
      if (seen.has(oid)) break;
      seen.add(oid);
      if (obj.type === 'commit') out.commits.push(oid);
      else if (obj.type === 'tree') out.trees.push(oid);
      else out.blobs.push(oid);
      break;
    }
  }
  return out;
}

/** The commits a fetch sends, and how the client's shallow boundary moves. */
export interface CommitWalk {
  commits: string[];
  /** Commits the client has, or that lie behind what it has (their trees need not be sent). */
  uninteresting: Set<string>;
  shallow: string[];
  unshallow: string[];
}

/** Chooses the commits to send from the wanted commits. */
export async function walkCommits(
  objects: RepoObjects,
  cache: CommitCache,
  req: CommitWalkRequest,
  wantCommits: string[],
  onProgress?: (counted: number) => Promise<void>,
): Promise<CommitWalk> {
  const walk: CommitWalk = { commits: [], uninteresting: new Set(), shallow: [], unshallow: [] };
  const deepening =
    req.depth !== undefined || req.deepenSince !== undefined || req.deepenNot.length > 0;
  if (deepening) await walkDeepening(objects, cache, req, wantCommits, walk, onProgress);
  else await walkNegotiated(objects, cache, req, wantCommits, walk, onProgress);
  return walk;
}

/** Marks `start` and its ancestors (down to the client's shallow commits) uninteresting. */
async function markUninteresting(
  objects: RepoObjects,
  cache: CommitCache,
  req: CommitWalkRequest,
  uninteresting: Set<string>,
  start: string[],
): Promise<void> {
  const stack = [...start];
  while (stack.length) {
    const oid = stack.pop() as string;
    if (uninteresting.has(oid) || !objects.has(oid)) continue;
    uninteresting.add(oid);
    if (req.clientShallow.has(oid)) continue;
    const c = await cache.read(oid);
    stack.push(...c.parents);
  }
}

/** Breadth-first by depth from the wants, cut by depth, date and deepen-not. */
async function walkDeepening(
  objects: RepoObjects,
  cache: CommitCache,
  req: CommitWalkRequest,
  wantCommits: string[],
  walk: CommitWalk,
  onProgress?: (counted: number) => Promise<void>,
): Promise<void> {
  const { commits: result, uninteresting, shallow, unshallow } = walk;
  await markUninteresting(objects, cache, req, uninteresting, req.deepenNot);
  const depthOf = new Map<string, number>();
  const relative = req.relative === true;
  let frontier = wantCommits.filter((w) => !uninteresting.has(w));
  for (const w of frontier) depthOf.set(w, relative ? 0 : 1);
  const readCommit = (oid: string): Promise<CommitInfo> => cache.read(oid);
  while (frontier.length) {
    const next: string[] = [];
    for (const oid of frontier) {
      const c = await readCommit(oid);
      if (req.deepenSince !== undefined && c.time < req.deepenSince && !req.wants.includes(oid))
        continue;
      result.push(oid);
      const d = depthOf.get(oid) ?? 1;
      const parents = c.parents.filter((p) => !uninteresting.has(p));
      const cut =
        (req.depth !== undefined && d >= req.depth) ||
        (req.deepenSince !== undefined &&
          (await Promise.all(parents.map(readCommit))).every(
            (p) => p.time < (req.deepenSince as number),
          ));
      // A commit whose every parent is excluded (deepen-not) is a shallow boundary too.
      if ((cut || parents.length === 0) && c.parents.length > 0) {
        shallow.push(oid);
        continue;
      }
      if (req.clientShallow.has(oid) && parents.length > 0) unshallow.push(oid);
      // Relative deepening counts only beyond the client's shallow commits.
      const pd = relative && d === 0 && !req.clientShallow.has(oid) ? 0 : d + 1;
      for (const p of parents) {
        if (!depthOf.has(p)) {
          depthOf.set(p, pd);
          next.push(p);
        }
      }
    }
    frontier = next;
    await onProgress?.(result.length);
  }
}

/**
 * Newest-first walk of wants and haves together (git's revision walk): haves spread
 * "uninteresting" to their ancestors; the walk stops once nothing interesting is queued, so a
 * fetch of one new commit reads a handful of commits, not the whole history.
 */
async function walkNegotiated(
  objects: RepoObjects,
  cache: CommitCache,
  req: CommitWalkRequest,
  wantCommits: string[],
  walk: CommitWalk,
  onProgress?: (counted: number) => Promise<void>,
): Promise<void> {
  const { commits: result, uninteresting } = walk;
  const flag = new Map<string, 'int' | 'unint'>();
  const queue: Array<{ oid: string; time: number }> = [];
  const enqueue = async (oid: string): Promise<void> => {
    if (!objects.has(oid)) return;
    const time = (await cache.read(oid)).time;
    let i = queue.length;
    while (i > 0 && (queue[i - 1] as { time: number }).time < time) i--;
    queue.splice(i, 0, { oid, time });
  };
  for (const c of req.common) {
    if (!objects.has(c)) continue;
    flag.set(c, 'unint');
    uninteresting.add(c);
    await enqueue(c);
  }
  for (const w of wantCommits) {
    if (flag.has(w)) continue;
    flag.set(w, 'int');
    await enqueue(w);
  }
  const seen = new Set<string>();
  while (queue.some((e) => flag.get(e.oid) === 'int')) {
    const { oid } = queue.shift() as { oid: string };
    const c = await cache.read(oid);
    if (flag.get(oid) === 'unint') {
      if (req.clientShallow.has(oid)) continue;
      for (const p of c.parents) {
        if (flag.get(p) === 'unint') continue;
        flag.set(p, 'unint');
        uninteresting.add(p);
        await enqueue(p);
      }
      continue;
    }
    if (seen.has(oid)) continue;
    seen.add(oid);
    result.push(oid);
    if (req.clientShallow.has(oid)) continue;
    for (const p of c.parents) {
      if (flag.has(p)) continue;
      flag.set(p, 'int');
      await enqueue(p);
    }
    if (result.length % 500 === 0) await onProgress?.(result.length);
  }
  const kept = result.filter((oid) => flag.get(oid) !== 'unint');
  result.length = 0;
  result.push(...kept);
}
