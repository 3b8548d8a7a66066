/**
 * The object ids an object points at (a commit's tree and parents, a tree's entries but
 * submodules, a tag's object), added as raw bytes to an OidSet: what the push connectivity check
 * needs. Trees are walked in place with the same checks as `parseTree` but without building entry
 * objects or hex strings, since a large push holds millions of tree entries.
 */
import { fromHex, fromLatin1 } from './bytes';
import { ObjectFormatError } from './errors';
import { parseCommit, parseTag, treeEntryKind } from './object';
import type { OidSet } from './oid-set';

/** Adds the links of an object of pack type `code` (1 commit, 2 tree, 3 blob, 4 tag) to `out`. */
export function addLinks(code: number, body: Uint8Array, out: OidSet): void {
  if (code === 2) addTreeLinks(body, out);
  else if (code === 1) {
    const c = parseCommit(body);
    addHex(c.tree, out);
    for (const p of c.parents) addHex(p, out);
  } else if (code === 4) addHex(parseTag(body).object, out);
}

function addHex(hex: string, out: OidSet): void {
  const b = fromHex(hex);
  if (!b || b.length !== 20) throw new ObjectFormatError(`bad object id ${hex.slice(0, 60)}`);
  out.add(b);
}

const SP = 32;
const NUL = 0;
const SLASH = 47;

/** Tree entries: "<mode> SP <name> NUL <20-byte oid>". */
function addTreeLinks(body: Uint8Array, out: OidSet): void {
  let pos = 0;
  const n = body.length;
  while (pos < n) {
    const sp = body.indexOf(SP, pos);
    if (sp < 0 || sp - pos > 7) throw new ObjectFormatError('tree entry without mode');
    const submodule = checkMode(body, pos, sp);
    const nul = body.indexOf(NUL, sp + 1);
    if (nul < 0) throw new ObjectFormatError('tree entry name without NUL');
    if (nul === sp + 1) throw new ObjectFormatError('tree entry with empty name');
    for (let i = sp + 1; i < nul; i++) {
      if (body[i] === SLASH) throw new ObjectFormatError('tree entry name contains "/"');
    }
    if (nul + 21 > n) throw new ObjectFormatError('tree entry with short oid');
    if (!submodule) out.add(body, nul + 1);
    pos = nul + 21;
  }
}

/** The modes git writes, as bytes, with whether each is a submodule. */
const COMMON_MODES: Array<[Uint8Array, boolean]> = [
  ['100644', false],
  ['40000', false],
  ['100755', false],
  ['120000', false],
  ['160000', true],
].map(([m, sub]) => [Uint8Array.from(m as string, (c) => c.charCodeAt(0)), sub as boolean]);

/** Checks the mode at `body[start..end)`; returns whether it is a submodule. */
function checkMode(body: Uint8Array, start: number, end: number): boolean {
  const len = end - start;
  for (const [m, sub] of COMMON_MODES) {
    if (m.length !== len) continue;
    let i = 0;
    while (i < len && m[i] === body[start + i]) i++;
    if (i === len) return sub;
  }
  const mode = fromLatin1(body.subarray(start, end));
  const kind = treeEntryKind(mode);
  if (!kind) throw new ObjectFormatError(`bad tree entry mode: ${mode}`);
  return kind === 'submodule';
}
