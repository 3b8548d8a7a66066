/**
 * Tree objects: "<octal mode> SP <name> NUL <20-byte oid>" entries. Parsing validates every
 * entry; names that are not UTF-8 keep their raw bytes so serialisation stays byte-exact.
 */
import {
  compareBytes,
  concatBytes,
  fromHex,
  fromLatin1,
  fromUtf8Strict,
  toHex,
  utf8,
} from './bytes';
import { ObjectFormatError } from './errors';

/** One tree entry. `mode` is as written ("100644", "40000", ...). */
export interface TreeEntry {
  mode: string;
  name: string;
  oid: string;
  /** Raw name bytes, present only when the name is not valid UTF-8. */
  nameBytes?: Uint8Array;
}

/** What an entry points at, from its mode; undefined for invalid modes. */
export function treeEntryKind(mode: string): 'tree' | 'blob' | 'symlink' | 'submodule' | undefined {
  if (!/^[0-7]{1,6}$/.test(mode)) return undefined;
  switch (parseInt(mode, 8) & 0o170000) {
    case 0o040000:
      return 'tree';
    case 0o100000:
      return 'blob';
    case 0o120000:
      return 'symlink';
    case 0o160000:
      return 'submodule';
    default:
      return undefined;
  }
}

function checkName(name: Uint8Array): void {
  if (name.length === 0) throw new ObjectFormatError('tree entry with empty name');
  if (name.includes(47)) throw new ObjectFormatError('tree entry name contains "/"');
}

/** Parses a tree body. */
export function parseTree(body: Uint8Array): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let pos = 0;
  while (pos < body.length) {
    const sp = body.indexOf(32, pos);
    if (sp < 0 || sp - pos > 7) throw new ObjectFormatError('tree entry without mode');
    const mode = modeAt(body, pos, sp);
    const nul = body.indexOf(0, sp + 1);
    if (nul < 0) throw new ObjectFormatError('tree entry name without NUL');
    const raw = body.subarray(sp + 1, nul);
    checkName(raw);
    if (nul + 21 > body.length) throw new ObjectFormatError('tree entry with short oid');
    const name = asciiOrUtf8(raw);
    const entry: TreeEntry = {
      mode,
      name: name ?? fromLatin1(raw),
      oid: toHex(body.subarray(nul + 1, nul + 21)),
    };
    if (name === undefined) entry.nameBytes = raw.slice();
    entries.push(entry);
    pos = nul + 21;
  }
  return entries;
}

/** The modes git writes, so the common case needs no string building or validation. */
const COMMON_MODES = ['100644', '40000', '100755', '120000', '160000'];

function modeAt(body: Uint8Array, start: number, end: number): string {
  for (const m of COMMON_MODES) {
    if (m.length !== end - start) continue;
    let i = 0;
    while (i < m.length && m.charCodeAt(i) === body[start + i]) i++;
    if (i === m.length) return m;
  }
  const mode = fromLatin1(body.subarray(start, end));
  if (!treeEntryKind(mode)) throw new ObjectFormatError(`bad tree entry mode: ${mode}`);
  return mode;
}

/** Decodes a name: plain ASCII directly, else strict UTF-8 (undefined if invalid). */
function asciiOrUtf8(raw: Uint8Array): string | undefined {
  let s = '';
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i] as number;
    if (b >= 0x80) return fromUtf8Strict(raw);
    s += String.fromCharCode(b);
  }
  return s;
}

function nameOf(e: TreeEntry): Uint8Array {
  return e.nameBytes ?? utf8(e.name);
}

/** Serialises entries in the order given (use `sortTreeEntries` for new trees). */
export function serializeTree(entries: readonly TreeEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    if (!treeEntryKind(e.mode)) throw new ObjectFormatError(`bad tree entry mode: ${e.mode}`);
    const name = nameOf(e);
    checkName(name);
    const oid = fromHex(e.oid);
    if (!oid || oid.length !== 20) throw new ObjectFormatError(`bad tree entry oid: ${e.oid}`);
    const head = utf8(`${e.mode} `);
    const entry = new Uint8Array(head.length + name.length + 21);
    entry.set(head, 0);
    entry.set(name, head.length);
    entry.set(oid, head.length + name.length + 1);
    parts.push(entry);
  }
  return concatBytes(parts);
}

/** Sorts entries in git's tree order (directories compare as if their name ended in "/"). */
export function sortTreeEntries(entries: readonly TreeEntry[]): TreeEntry[] {
  const key = (e: TreeEntry) => {
    const n = nameOf(e);
    if (treeEntryKind(e.mode) !== 'tree') return n;
    const k = new Uint8Array(n.length + 1);
    k.set(n);
    k[n.length] = 47;
    return k;
  };
  return entries
    .map((e) => ({ e, k: key(e) }))
    .sort((a, b) => {
      const n = Math.min(a.k.length, b.k.length);
      return compareBytes(a.k, 0, b.k, 0, n) || a.k.length - b.k.length;
    })
    .map((x) => x.e);
}
