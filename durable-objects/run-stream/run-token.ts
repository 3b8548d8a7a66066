/**
 * The run token as the RunStream knows it, so a producer's append is checked inside the Durable
 * Object (Worker → DO → fan-out) instead of by a database lookup before it.
 *
 * The DO keeps the SHA-256 (hex) of the run's current token and the lease epoch it belongs to
 * (0 when the run is created, +1 at every claim, which rotates the token). A newer epoch always
 * replaces an older one, so a slow writer carrying an old epoch never brings back a rotated-out
 * token. A token is accepted here only when it matches and the run completed less than the
 * grace period ago (by the DO's own record of `run_completed`); anything else is "unverified"
 * and the Worker decides from the database, which stays the source of truth.
 *
 * Survives eviction: the hash, its epoch and the completion time (meta rows in SQLite).
 */

/** The part of the run's state this needs (RunLogStore's meta rows). */
export interface TokenMeta {
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  readonly completed: boolean;
}

/** A token stays valid this long after its run completed (the database rule, too). */
export const TOKEN_GRACE_MS = 60 * 60 * 1000;

/** What the Worker tells the DO about the producer of an append. */
export type ProducerAuth =
  | { kind: 'trusted' }
  | {
      kind: 'token';
      /** SHA-256 hex of the presented token. */
      tokenHash: string;
      /** The database's current hash and epoch, after the Worker verified the token there. */
      adopt?: { hash: string; epoch: number };
    };

/** Compares two strings in time independent of where they differ. */
function sameString(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/** Stores `hash` as the run's token unless a newer epoch is already known. Call in a transaction. */
export function adoptToken(store: TokenMeta, hash: string, epoch: number): boolean {
  const known = Number(store.getMeta('token_epoch') ?? -1);
  if (!/^[0-9a-f]{64}$/.test(hash) || !Number.isSafeInteger(epoch) || epoch < known) return false;
  if (epoch === known && store.getMeta('token_hash') === hash) return true;
  store.setMeta('token_hash', hash);
  store.setMeta('token_epoch', String(epoch));
  return true;
}

/** True when `tokenHash` is the run's current token and still within its grace period. */
export function tokenAccepted(store: TokenMeta, tokenHash: string, now: number): boolean {
  const current = store.getMeta('token_hash');
  if (current === undefined || !sameString(current, tokenHash)) return false;
  if (!store.completed) return true;
  const completedAt = Number(store.getMeta('completed_at'));
  return Number.isFinite(completedAt) && completedAt > 0 && now - completedAt < TOKEN_GRACE_MS;
}
