/**
 * Ref name and object id validation. `isValidRefName` implements the rules of
 * `git check-ref-format` (git-check-ref-format(1)) so pushes cannot create refs git would refuse.
 */

/** The all-zero object id: "no object" in ref updates (create / delete). */
export const ZERO_OID = '0000000000000000000000000000000000000000';

/** Whether `s` is a full 40-digit lower-case hex SHA-1 object id. */
export function isValidOid(s: string): boolean {
  return /^[0-9a-f]{40}$/.test(s);
}

/**
 * Whether `name` is a valid ref name by git's rules. Like `git check-ref-format` it requires at
 * least one slash unless `allowOneLevel` (then "HEAD", "FETCH_HEAD"... pass).
 */
export function isValidRefName(name: string, opts: { allowOneLevel?: boolean } = {}): boolean {
  if (name.length === 0 || name === '@') return false;
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    // Control characters, DEL, space and ~ ^ : ? * [ \ are forbidden anywhere.
    if (c < 0x20 || c === 0x7f || ' ~^:?*[\\'.includes(name[i] as string)) return false;
  }
  const parts = name.split('/');
  if (parts.length < 2 && !opts.allowOneLevel) return false;
  for (const part of parts) {
    if (part.length === 0 || part.startsWith('.') || part.endsWith('.lock')) return false;
  }
  return true;
}
