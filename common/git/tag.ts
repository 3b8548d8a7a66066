/**
 * Annotated tag objects: object, type, tag, optional tagger, then the message (which carries any
 * PGP/SSH signature at its end, as git writes it).
 */
import { fromUtf8, utf8 } from './bytes';
import { ObjectFormatError } from './errors';
import { formatHeaders, parseHeaders } from './headers';
import { parseSignature, type Signature } from './signature';

/** A parsed tag. */
export interface Tag {
  object: string;
  type: 'commit' | 'tree' | 'blob' | 'tag';
  tag: string;
  tagger?: Signature;
  message: string;
  headers: Array<[string, string]>;
}

/** Parses a tag body; throws ObjectFormatError when object/type/tag are missing or bad. */
export function parseTag(body: Uint8Array): Tag {
  const { headers, message } = parseHeaders(fromUtf8(body));
  const get = (k: string) => headers.find(([key]) => key === k)?.[1];
  const object = get('object');
  const type = get('type');
  const tag = get('tag');
  if (!object || !/^[0-9a-f]{40}$/.test(object))
    throw new ObjectFormatError('tag has no valid object header');
  if (type !== 'commit' && type !== 'tree' && type !== 'blob' && type !== 'tag') {
    throw new ObjectFormatError('tag has no valid type header');
  }
  if (tag === undefined) throw new ObjectFormatError('tag has no tag header');
  const t: Tag = { object, type, tag, message, headers };
  const tagger = get('tagger');
  if (tagger !== undefined) t.tagger = parseSignature(tagger);
  return t;
}

/** Serialises a tag from its headers (as parsed) and message. */
export function serializeTag(t: Tag): Uint8Array {
  return utf8(formatHeaders(t.headers, t.message));
}
