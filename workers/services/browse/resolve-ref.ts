/**
 * Turning what a URL names into a commit id: `HEAD`, a branch, a tag (annotated tags peeled), a
 * full ref name, a full commit id, or an abbreviated one (≥ 7 hex, unique). And splitting
 * `{ref}/{path}` when branch names contain slashes (`feature/x/src/a.ts`): the longest ref wins.
 */
import { AppError } from '../../../common/errors';
import type { ObjectType } from '../../../common/git/object';
import { peel, type ObjectReader } from './objects';

export interface RefList {
  /** HEAD's target, e.g. `refs/heads/main`. */
  head: string;
  refs: ReadonlyArray<{ name: string; oid: string }>;
}

export interface ResolvedRef {
  commit: string;
  kind: 'branch' | 'tag' | 'commit' | 'head';
  /** The short name as typed, e.g. `main`, `v1.0` or the commit id. */
  name: string;
}

/** Finds object ids starting with a hex prefix (for abbreviated ids); may return many. */
export type PrefixFinder = (prefix: string) => Promise<string[]>;

const FULL = /^[0-9a-f]{40}$/;
const ABBREV = /^[0-9a-f]{7,39}$/;

const noRef = (ref: string) =>
  AppError.notFound(`No branch, tag or commit named ${ref}`, 'ref_not_found');

async function toCommit(r: ObjectReader, oid: string, ref: string): Promise<string> {
  const p = await peel(r, oid);
  if (!p || p.type !== 'commit') throw noRef(ref);
  return p.oid;
}

/** Whether `name` is a branch or tag of the repository (short form). */
export function refNamed(refs: RefList, name: string): { name: string; oid: string } | undefined {
  for (const full of [`refs/heads/${name}`, `refs/tags/${name}`, name]) {
    const hit = refs.refs.find((x) => x.name === full);
    if (hit && full.startsWith('refs/')) return hit;
  }
  return undefined;
}

/** The objects of `type` whose ids start with `prefix` (an abbreviated id names one when unique). */
export async function objectsWithPrefix(
  r: ObjectReader,
  findPrefix: PrefixFinder,
  prefix: string,
  type: ObjectType,
): Promise<string[]> {
  const hits: string[] = [];
  for (const oid of await findPrefix(prefix)) {
    if ((await r.read(oid))?.type === type) hits.push(oid);
  }
  return hits;
}

/** Resolves `ref` to a commit id; `not_found` when nothing matches, `invalid` when ambiguous. */
export async function resolveRef(
  r: ObjectReader,
  refs: RefList,
  ref: string,
  findPrefix?: PrefixFinder,
): Promise<ResolvedRef> {
  if (ref === 'HEAD' || ref === '@') {
    const target = refs.refs.find((x) => x.name === refs.head);
    if (!target) throw AppError.notFound('This repository is empty', 'repo_empty');
    // Branches hold commits (receive-pack refuses anything else), so no object read is needed.
    return { commit: target.oid, kind: 'head', name: ref };
  }
  const named = refNamed(refs, ref);
  if (named) {
    if (named.name.startsWith('refs/heads/'))
      return { commit: named.oid, kind: 'branch', name: ref };
    const kind = named.name.startsWith('refs/tags/') ? 'tag' : 'branch';
    return { commit: await toCommit(r, named.oid, ref), kind, name: ref };
  }
  const lower = ref.toLowerCase();
  if (FULL.test(lower))
    return { commit: await toCommit(r, lower, ref), kind: 'commit', name: lower };
  if (ABBREV.test(lower) && findPrefix) {
    const hits = await objectsWithPrefix(r, findPrefix, lower, 'commit');
    if (hits.length > 1) {
      throw AppError.invalid(
        `The short id ${ref} is ambiguous; use more characters`,
        'ref_ambiguous',
      );
    }
    if (hits[0] !== undefined) return { commit: hits[0], kind: 'commit', name: hits[0] };
  }
  throw noRef(ref);
}

/**
 * Splits URL segments after `/tree/` or `/blob/` into a ref and a path: the longest run of
 * leading segments that names a branch or tag, else the first segment (a commit id or HEAD).
 */
export function splitRefPath(
  refs: RefList,
  segments: readonly string[],
): { ref: string; path: string } {
  for (let n = segments.length; n > 1; n--) {
    const candidate = segments.slice(0, n).join('/');
    if (refNamed(refs, candidate)) return { ref: candidate, path: segments.slice(n).join('/') };
  }
  return { ref: segments[0] ?? 'HEAD', path: segments.slice(1).join('/') };
}

/** The default branch's short name from HEAD (`refs/heads/main` → `main`). */
export function headBranch(refs: RefList): string {
  return refs.head.replace(/^refs\/heads\//, '');
}
