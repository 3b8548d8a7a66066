/**
 * Finds the commit a landing opened "from a change id" starts at: the commits above the target's
 * merge base on every branch (then, when no branch has it, on each landing's latest revision ref
 * `refs/landings/<n>/<rev>`) whose change id starts with the given prefix, as jj accepts the
 * shortest unique prefix. One change matched: its newest commit on the first ref carrying it;
 * none or several: a clear `invalid` error naming the candidates.
 */
import { changeIdentityOf } from '../../../common/git/change-id';
import { ZERO_OID } from '../../../common/git/refs';
import { AppError } from '../../../common/errors';
import type { RepoState } from '../../../durable-objects/formats';
import type { ObjectReader } from '../browse/objects';
import { readStack, type StackCommit } from './stack-walk';

/** A jj change id or a prefix of one (k–z), or a Gerrit `I…` id or a prefix of one. */
export const CHANGE_PREFIX = /^([k-z]{1,32}|I[0-9a-f]{1,40})$/;

export interface ChangeSource {
  /** The full change id the prefix named. */
  changeId: string;
  sc: StackCommit;
  /** The revision's base: the commit's first parent (the merge base for the bottom of a stack). */
  base: string;
  /** The change id of the commit below it in the stack, if it has one. */
  parentChange: string | null;
}

/** Each landing's latest revision ref (`refs/landings/<n>/<highest rev>`). */
function latestRevisionRefs(state: RepoState): { name: string; oid: string }[] {
  const best = new Map<string, { rev: number; name: string; oid: string }>();
  for (const r of state.refs) {
    const m = /^refs\/landings\/(\d+)\/(\d+)$/.exec(r.name);
    if (!m) continue;
    const [, n = '', rev = '0'] = m;
    const prev = best.get(n);
    if (!prev || Number(rev) > prev.rev)
      best.set(n, { rev: Number(rev), name: r.name, oid: r.oid });
  }
  return [...best.values()];
}

/** The changes matching `prefix` on `refs`, above their merge base with `tip`, first found kept. */
async function matchesOn(
  objects: ObjectReader,
  tip: string,
  refs: { name: string; oid: string }[],
  prefix: string,
): Promise<Map<string, ChangeSource>> {
  const found = new Map<string, ChangeSource>();
  for (const r of refs) {
    const stack = await readStack(objects, tip, r.oid, { linear: false });
    if (!stack.ok) continue;
    stack.commits.forEach((sc, at) => {
      const id = changeIdentityOf(sc.commit.headers, sc.commit.message)?.changeId;
      if (id === undefined || !id.startsWith(prefix) || found.has(id)) return;
      const below = stack.commits[at - 1];
      const parentChange = below
        ? (changeIdentityOf(below.commit.headers, below.commit.message)?.changeId ?? null)
        : null;
      found.set(id, {
        changeId: id,
        sc,
        base: sc.commit.parents[0] ?? stack.base,
        parentChange,
      });
    });
  }
  return found;
}

/**
 * The change `prefix` names above `target` (a branch of `state`), or an `invalid` error: no
 * such change, or a prefix shared by several changes (they are listed; give more letters).
 */
export async function resolveChangeSource(
  objects: ObjectReader,
  state: RepoState,
  target: string,
  prefix: string,
  field: 'change_id' | 'head',
): Promise<ChangeSource> {
  const tip = state.refs.find((r) => r.name === `refs/heads/${target}`)?.oid ?? ZERO_OID;
  const branches = state.refs.filter(
    (r) => r.name.startsWith('refs/heads/') && r.name !== `refs/heads/${target}`,
  );
  let found = await matchesOn(objects, tip, branches, prefix);
  if (found.size === 0) found = await matchesOn(objects, tip, latestRevisionRefs(state), prefix);
  const all = [...found.values()];
  if (all.length === 1) return all[0] as ChangeSource; // length checked
  if (all.length === 0) {
    const full = /^([k-z]{32}|I[0-9a-f]{40})$/.test(prefix);
    const what = `a change ${full ? '' : 'starting with '}${prefix} above ${target}`;
    throw AppError.invalid(
      field === 'head'
        ? `head: there is no branch ${prefix}, and no branch or landing revision carries ${what}`
        : `change_id: no branch or landing revision carries ${what}`,
      'change_id_invalid',
    );
  }
  const ids = all
    .map((s) => s.changeId)
    .sort()
    .slice(0, 5);
  throw AppError.invalid(
    `${field}: change id prefix ${prefix} is ambiguous: it matches ${ids.join(', ')}${all.length > ids.length ? ', …' : ''}; give more of the id`,
    'change_id_ambiguous',
  );
}
