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
  return utf8(`${type} ${size}\0`);
}

/** Hex SHA-1 object id of an object with this type and body. */
export function hashObject(type: ObjectType, body: Uint8Array): string {
  return sha1Hex(objectHeader(type, body.length), body);
}
