/**
 * Ref name and object id validation. `isValidRefName` implements the rules of
 * `git check-ref-format` (git-check-ref-format(1)) so pushes cannot create refs git would refuse;
 * `pushedRefNameProblem` adds what a forge needs on top (a `refs/` prefix and a length limit).
 */

/** The all-zero object id: "no object" in ref updates (create / delete). */
export const ZERO_OID = '0000000000000000000000000000000000000000';

/**
 * Longest ref name accepted in a push, in UTF-8 bytes (GitHub's limit). Clients store refs as
 * files, one path component per name component, and most file systems stop at 255 bytes.
 */
export const MAX_REF_NAME_BYTES = 255;

/** Whether `s` is a full 40-digit lower-case hex SHA-1 object id. */
export function isValidOid(s: string): boolean {
  return /^[0-9a-f]{40}$/.test(s);
}

/**
 * Why `name` is not a valid ref name by git's rules, or undefined when it is. Like
 * `git check-ref-format` it requires at least one slash unless `allowOneLevel`.
 */
export function refNameProblem(
  name: string,
  opts: { allowOneLevel?: boolean } = {},
): string | undefined {
  if (name.length === 0) return 'is empty';
  if (name === '@') return 'is "@"';
  if (name.startsWith('/')) return 'starts with "/"';
  if (name.endsWith('/')) return 'ends with "/"';
  if (name.endsWith('.')) return 'ends with "."';
  if (name.includes('..')) return 'contains ".."';
  if (name.includes('@{')) return 'contains "@{"';
  if (name.includes('//')) return 'contains "//"';
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return 'contains a control character';
    if (c === 0x20) return 'contains a space';
    // ~ ^ : ? * [ \ are forbidden anywhere.
    if ('~^:?*[\\'.includes(name[i] as string)) return `contains "${name[i] as string}"`;
  }
  const parts = name.split('/');
  if (parts.length < 2 && !opts.allowOneLevel) return 'has only one level';
  for (const part of parts) {
    if (part.length === 0) return 'has an empty component';
    if (part.startsWith('.')) return 'has a component starting with "."';
    if (part.endsWith('.lock')) return 'has a component ending in ".lock"';
  }
  return undefined;
}

/**
 * Whether `name` is a valid ref name by git's rules. Like `git check-ref-format` it requires at
 * least one slash unless `allowOneLevel` (then "HEAD", "FETCH_HEAD"... pass).
 */
export function isValidRefName(name: string, opts: { allowOneLevel?: boolean } = {}): boolean {
  return refNameProblem(name, opts) === undefined;
}

/** UTF-8 length of `s` without allocating. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * Why a push may not create or update a ref named `name` (a short, readable reason for the
 * client's `ng` line), or undefined when it may: git's rules, a `refs/` prefix, at most
 * MAX_REF_NAME_BYTES bytes, and no U+FFFD (the name was not valid UTF-8 on the wire).
 */
export function pushedRefNameProblem(name: string): string | undefined {
  const bytes = utf8Length(name);
  if (bytes > MAX_REF_NAME_BYTES)
    return `invalid ref name: ${bytes} bytes long, the limit is ${MAX_REF_NAME_BYTES}`;
  if (!name.startsWith('refs/')) return 'invalid ref name: must start with "refs/"';
  if (name.includes('\ufffd')) return 'invalid ref name: not valid UTF-8';
  const problem = refNameProblem(name);
  return problem ? `invalid ref name: ${problem}` : undefined;
}

/**
 * Whether a stored ref may be advertised to fetching clients. Refs stored before names were
 * checked on push may break clients (a 300-byte name cannot become a file); they stay hidden
 * from fetches, and only receive-pack lists them, so their owner can delete them.
 */
export function isServableRefName(name: string): boolean {
  return pushedRefNameProblem(name) === undefined;
}
