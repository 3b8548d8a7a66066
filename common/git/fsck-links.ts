/**
 * fsck and link collection of an incoming object in one reading: a push's trees are walked once
 * for git's fsck checks (fsck.ts) and for the ids they point at (what object-links.ts's addLinks
 * collects for the connectivity check), instead of once for each. The outcome is the two passes':
 * fsck's problems; and, when none of them refuses the object, the links in `links` or the
 * message of addLinks' ObjectFormatError.
 */
import { ObjectFormatError } from './errors';
import {
  firstError,
  fsckObject,
  type FsckProblem,
  type SpecialBlobs,
  type TreeLinks,
} from './fsck';
import { addLinks } from './object-links';
import type { OidSet } from './oid-set';

const CODES = { commit: 1, tree: 2, blob: 3, tag: 4 } as const;

/** fsck's problems, and addLinks' refusal when fsck refused nothing. */
export interface CheckedLinks {
  problems: FsckProblem[];
  /** The message of the ObjectFormatError addLinks throws for this object. */
  linkError?: string;
}

/**
 * Checks `body` as fsckObject does and, unless a problem refuses it, adds its links to `links`
 * as addLinks does (when one does, `links` may hold some of the object's links).
 */
export function fsckAndLink(
  type: 'commit' | 'tree' | 'blob' | 'tag',
  body: Uint8Array,
  found: SpecialBlobs | undefined,
  links: OidSet,
): CheckedLinks {
  if (type === 'tree') {
    const tree: TreeLinks = { out: links };
    const problems = fsckObject('tree', body, found, tree);
    if (tree.error === undefined || firstError(problems)) return { problems };
    return { problems, linkError: tree.error };
  }
  const problems = fsckObject(type, body, found);
  if (firstError(problems)) return { problems };
  try {
    addLinks(CODES[type], body, links);
  } catch (e) {
    if (e instanceof ObjectFormatError) return { problems, linkError: e.message };
    throw e;
  }
  return { problems };
}
