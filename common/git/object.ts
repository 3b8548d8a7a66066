/**
 * Git object basics: the four types, their pack type codes, object ids (SHA-1 of
 * "<type> <size>\0<body>"), and re-exports of the commit, tree and tag codecs.
 */
import { utf8 } from './bytes';
import { sha1Hex } from './native';
import { ObjectFormatError } from './errors';

export { ObjectFormatError };
export { parseCommit, serializeCommit, changeIdToHex, type Commit } from './commit';
export { parseSignature, formatSignature, type Signature } from './signature';
export { parseTree, serializeTree, sortTreeEntries, treeEntryKind, type TreeEntry } from './tree';
export { parseTag, serializeTag, type Tag } from './tag';

/** The four object types. */
export type ObjectType = 'commit' | 'tree' | 'blob' | 'tag';

const CODES: Record<ObjectType, number> = { commit: 1, tree: 2, blob: 3, tag: 4 };
const TYPES: Array<ObjectType | undefined> = [undefined, 'commit', 'tree', 'blob', 'tag'];

/** Pack type number (1–4) of an object type. */
export function objectTypeCode(type: ObjectType): number {
  return CODES[type];
}

/** Object type of a pack type number; undefined for delta (6, 7) and invalid codes. */
export function objectTypeFromCode(code: number): ObjectType | undefined {
  return TYPES[code];
}

/** Whether `s` names an object type. */
export function isObjectType(s: string): s is ObjectType {
  return s === 'commit' || s === 'tree' || s === 'blob' || s === 'tag';
}

/** The loose-object header "<type> <size>\0". */
export function objectHeader(type: ObjectType, size: number): Uint8Array {
  // Written byte by byte: every object of a push is hashed with one, and a string built and
  // encoded per object showed up in push profiles.
  const name = TYPE_NAMES[type];
  if (!Number.isSafeInteger(size) || size < 0) return utf8(`${type} ${size}\0`);
  let digits = 1;
  for (let v = size; v >= 10; v = Math.floor(v / 10)) digits++;
  const out = new Uint8Array(name.length + digits + 2);
  out.set(name);
  out[name.length] = 0x20;
  for (let i = name.length + digits, v = size; i > name.length; i--, v = Math.floor(v / 10)) {
    out[i] = 0x30 + (v % 10);
  }
  return out; // ends in the NUL the array starts with
}

const TYPE_NAMES: Record<ObjectType, Uint8Array> = {
  commit: utf8('commit'),
  tree: utf8('tree'),
  blob: utf8('blob'),
  tag: utf8('tag'),
};

/** Hex SHA-1 object id of an object with this type and body. */
export function hashObject(type: ObjectType, body: Uint8Array): string {
  return sha1Hex(objectHeader(type, body.length), body);
}
