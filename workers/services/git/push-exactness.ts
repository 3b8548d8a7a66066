/**
 * Whether a push keeps the live packs exact (RepoState.exact): after it, they must still hold
 * each object reachable from the refs once and nothing else, so clones can stream them as they
 * are. Judged conservatively from what the connectivity check already has; a wrong "no" only
 * costs clones the slower path until compaction, a wrong "yes" would ship duplicates or objects
 * a user deleted, so every doubt answers no.
 */
import { fromHex } from '../../../common/git/bytes';
import type { PackIndex } from '../../../common/git/idx';
import { OidSet } from '../../../common/git/oid-set';
import { ZERO_OID } from '../../../common/git/refs';
import type { ReceiveCommand } from './receive-commands';

export interface ExactnessInput {
  /** Whether the packs were exact before this push. */
  wasExact: boolean;
  commands: ReceiveCommand[];
  /** The refs before the push. */
  refs: Array<{ name: string; oid: string }>;
  /** Index of the pushed pack, if any. */
  pack?: PackIndex;
  /** Every id the pushed objects point at. */
  links: OidSet;
  /** Some pushed object points at a stored object that only a cruft pack holds. */
  referencesCruft: boolean;
  /** Whether a live stored pack holds the raw id at `bytes[at..at+20)`. */
  storedLive(bytes: Uint8Array, at: number): boolean;
}

/** True when applying every command leaves the live packs exact. */
export function pushKeepsExact(x: ExactnessInput): boolean {
  if (!x.wasExact || x.referencesCruft) return false;
  const tips = new OidSet(16);
  for (const c of x.commands) {
    const id = c.newOid === ZERO_OID ? undefined : fromHex(c.newOid);
    if (id?.length === 20) tips.add(id);
  }
  let clean = true;
  x.pack?.forEachId((bytes, at) => {
    if (!clean) return;
    // Sent again: the object would be in two live packs.
    if (x.storedLive(bytes, at)) clean = false;
    // Neither a new tip nor pointed at by another pushed object: nothing reaches it (the pushed
    // objects form a DAG whose sources must all be tips).
    else if (!x.links.has(bytes, at) && !tips.has(bytes, at)) clean = false;
  });
  if (!clean) return false;
  const untouched = new Set(x.refs.map((r) => r.oid));
  const changed = new Set(x.commands.map((c) => c.ref));
  for (const r of x.refs) if (changed.has(r.name)) untouched.delete(r.oid);
  for (const r of x.refs) if (!changed.has(r.name)) untouched.add(r.oid);
  const newValues = new Set(x.commands.map((c) => c.newOid));
  for (const c of x.commands) {
    // A new value outside the pushed pack must be a live stored object.
    if (c.newOid !== ZERO_OID && !(x.pack?.has(c.newOid) ?? false)) {
      const id = fromHex(c.newOid);
      if (!id || !x.storedLive(id, 0)) return false;
    }
    // The old value must stay reachable, or what only it reached becomes garbage: it is still a
    // ref's value, or a pushed object points at it (a fast-forward's first new commit does).
    if (c.oldOid === ZERO_OID || untouched.has(c.oldOid) || newValues.has(c.oldOid)) continue;
    const old = fromHex(c.oldOid);
    if (!old || !x.links.has(old, 0)) return false;
  }
  return true;
}
