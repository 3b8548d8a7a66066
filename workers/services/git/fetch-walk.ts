/**
 * Which objects a fetch sends: walks commits from the wants newest-first, stopping where the
 * client's haves (and everything behind them) begin, honours depth/since/not cuts, then walks
 * the trees of the new commits minus what the boundary commits already give the client, and
 * applies blob filters (partial clone).
 */
import { parseCommit, parseTag, parseTree, type ObjectType } from '../../../common/git/object';
import type { RepoObjects } from '../../git/storage/repo-objects';
import { AppError } from '../../../common/errors';

export type BlobFilter = { kind: 'blob:none' } | { kind: 'blob:limit'; limit: number };

export interface WalkRequest {
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
  filter?: BlobFilter;
  /** Annotated tags by target, for include-tag. */
  tagsByTarget?: Map<string, string[]>;
}

export interface WalkResult {
  objects: Array<{ oid: string; type: ObjectType }>;
  shallow: string[];
  unshallow: string[];
}

interface CommitInfo {
  parents: string[];
  tree: string;
  time: number;
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

export async function enumerateObjects(
  objects: RepoObjects,
  req: WalkRequest,
  onProgress?: (counted: number) => Promise<void>,
): Promise<WalkResult> {
  const commits = new Map<string, CommitInfo>();
  const readCommit = async (oid: string): Promise<CommitInfo> => {
    const hit = commits.get(oid);
    if (hit) return hit;
    const obj = await objects.mustRead(oid);
    if (obj.type !== 'commit') throw AppError.invalid(`${oid} is not a commit`);
    const c = parseCommit(obj.body);
    const info = { parents: c.parents, tree: c.tree, time: c.committer.timestamp };
    commits.set(oid, info);
    return info;
  };

  // Resolve wants: tags peel to their targets (the tag objects themselves are sent too).
  const extra: Array<{ oid: string; type: ObjectType }> = [];
  /** Objects the wants resolved to, each once (tags and what they peel to). */
  const extraSeen = new Set<string>();
  const wantCommits: string[] = [];
  const wantTrees: string[] = [];
  const wantBlobs: string[] = [];
  // A client names a tip once per ref that points at it (HEAD and its branch): once is enough.
  for (const w of new Set(req.wants)) {
    let oid = w;
    for (let depth = 0; depth < 10; depth++) {
      const obj = await objects.read(oid);
      if (!obj) throw AppError.notFound(`upload-pack: not our ref ${oid}`);
      if (obj.type === 'tag') {
        if (!extraSeen.has(oid)) extra.push({ oid, type: 'tag' });
        extraSeen.add(oid);
        oid = parseTag(obj.body).object;
        continue;
      }
      if (extraSeen.has(oid)) break;
      extraSeen.add(oid);
      if (obj.type === 'commit') wantCommits.push(oid);
      else if (obj.type === 'tree') wantTrees.push(oid);
      else wantBlobs.push(oid);
      break;
    }
  }

  // Uninteresting: ancestors of common haves and of deepen-not tips.
  const uninteresting = new Set<string>();
  const markUninteresting = async (start: string[], limit: number): Promise<void> => {
    const stack = [...start];
    while (stack.length && uninteresting.size < limit) {
      const oid = stack.pop() as string;
      if (uninteresting.has(oid) || !objects.has(oid)) continue;
      uninteresting.add(oid);
      if (req.clientShallow.has(oid)) continue;
      const c = await readCommit(oid);
      stack.push(...c.parents);
    }
  };

  const result: string[] = [];
  const shallow: string[] = [];
  const unshallow: string[] = [];

  if (req.depth !== undefined || req.deepenSince !== undefined || req.deepenNot.length > 0) {
    await markUninteresting(req.deepenNot, Number.MAX_SAFE_INTEGER);
    // Breadth-first by depth from the wants.
    const depthOf = new Map<string, number>();
    const relative = req.relative === true;
    let frontier = wantCommits.filter((w) => !uninteresting.has(w));
    for (const w of frontier) depthOf.set(w, relative ? 0 : 1);
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
  } else {
    // Newest-first walk of wants and haves together (git's revision walk): haves spread
    // "uninteresting" to their ancestors; the walk stops once nothing interesting is queued, so
    // a fetch of one new commit reads a handful of commits, not the whole history.
    const flag = new Map<string, 'int' | 'unint'>();
    const queue: Array<{ oid: string; time: number }> = [];
    const enqueue = async (oid: string): Promise<void> => {
      if (!objects.has(oid)) return;
      const time = (await readCommit(oid)).time;
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
      const c = await readCommit(oid);
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

  // Trees: each sent commit's tree is compared with its first parent's, descending only into
  // subtrees that changed — the client has (or is being sent) everything in the parent's tree.
  // Commits whose parent the client will not have (roots, shallow cuts) send their whole tree.
  const sent = new Set<string>();
  const out: Array<{ oid: string; type: ObjectType }> = [...extra];
  for (const e of extra) sent.add(e.oid);
  const inResult = new Set(result);
  for (const oid of result) {
    out.push({ oid, type: 'commit' });
    sent.add(oid);
  }
  const blobs: string[] = [];
  const readTree = async (oid: string) => parseTree((await objects.mustRead(oid)).body);
  const take = (oid: string, type: ObjectType): boolean => {
    if (sent.has(oid)) return false;
    sent.add(oid);
    if (type === 'tree') out.push({ oid, type });
    else blobs.push(oid);
    return true;
  };
  const addTree = async (root: string, base?: string): Promise<void> => {
    const stack: Array<[string, string | undefined]> = [[root, base]];
    while (stack.length) {
      const [t, old] = stack.pop() as [string, string | undefined];
      if (t === old || !take(t, 'tree')) continue;
      const oldEntries = old ? new Map((await readTree(old)).map((e) => [e.name, e])) : undefined;
      for (const e of await readTree(t)) {
        if (e.mode === '160000') continue;
        const prev = oldEntries?.get(e.name);
        if (prev?.oid === e.oid) continue;
        if (e.mode === '40000') stack.push([e.oid, prev?.mode === '40000' ? prev.oid : undefined]);
        else take(e.oid, 'blob');
      }
    }
  };
  const shallowSet = new Set(shallow);
  // Parents before children: a tree is diffed only against a parent tree that is already sent
  // whole (or that the client has). Newest first, a reverted change made two trees each skip
  // what the other holds, and objects both shared were sent by neither.
  const order = parentsFirst(result, (oid) => commits.get(oid)?.parents ?? [], inResult);
  for (const oid of order) {
    const c = await readCommit(oid);
    const parent = c.parents[0];
    const clientHasParent =
      parent !== undefined &&
      !shallowSet.has(oid) &&
      (inResult.has(parent) || uninteresting.has(parent));
    await addTree(c.tree, clientHasParent ? (await readCommit(parent)).tree : undefined);
  }
  for (const t of wantTrees) await addTree(t);
  for (const oid of blobs) {
    if (req.filter?.kind === 'blob:none') continue;
    if (req.filter?.kind === 'blob:limit') {
      const obj = await objects.mustRead(oid);
      if (obj.body.length >= req.filter.limit) continue;
    }
    out.push({ oid, type: 'blob' });
  }
  for (const b of wantBlobs) if (!sent.has(b)) out.push({ oid: b, type: 'blob' });

  if (req.tagsByTarget) {
    const sentSet = new Set(out.map((o) => o.oid));
    for (const [target, tags] of req.tagsByTarget) {
      if (!sentSet.has(target)) continue;
      for (const t of tags) if (!sentSet.has(t)) out.unshift({ oid: t, type: 'tag' });
    }
  }
  return { objects: out, shallow, unshallow };
}
