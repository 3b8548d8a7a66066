/** Small formatting helpers for differential-run logs. */

/** The first 7 hex digits of an object id. */
export function short(oid: string): string {
  return oid.slice(0, 7);
}
