/**
 * NonceObject: the single point of truth for SIWE nonces (one named instance, "global").
 * `issue()` makes a random 128-bit nonce valid for five minutes; `consume()` marks it used and
 * answers how it went. A Durable Object runs one call at a time and the SQLite calls below are
 * synchronous, so check-and-mark is atomic: two concurrent verifies of one nonce cannot both
 * get 'ok'. An alarm purges rows some time after they expire.
 *
 * Survives eviction: every nonce (SQLite storage). Nothing is kept only in memory.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../workers/env';

export type ConsumeResult = 'ok' | 'unknown' | 'used' | 'expired';

/** How long an issued nonce may be used. */
export const NONCE_TTL_MS = 5 * 60_000;
/** How long used/expired rows are kept (so a replay says 'used') before the alarm purges them. */
const RETAIN_MS = 60 * 60_000;

function randomHex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class NonceObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS nonces (
      nonce TEXT PRIMARY KEY, expires_at INTEGER NOT NULL, used_at INTEGER)`);
  }

  /** Issues a fresh nonce (32 hex chars: 128 random bits, alphanumeric as EIP-4361 requires). */
  async issue(): Promise<string> {
    const now = Date.now();
    const nonce = randomHex(16);
    this.ctx.storage.sql.exec(
      'INSERT INTO nonces (nonce, expires_at) VALUES (?, ?)',
      nonce,
      now + NONCE_TTL_MS,
    );
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(now + NONCE_TTL_MS + RETAIN_MS);
    }
    return nonce;
  }

  /** Marks a nonce used if it was issued here, is unused and unexpired. */
  async consume(nonce: string): Promise<ConsumeResult> {
    const now = Date.now();
    const row = this.ctx.storage.sql
      .exec<{
        expires_at: number;
        used_at: number | null;
      }>('SELECT expires_at, used_at FROM nonces WHERE nonce = ?', nonce)
      .toArray()[0];
    if (!row) return 'unknown';
    if (row.used_at !== null) return 'used';
    if (row.expires_at <= now) return 'expired';
    this.ctx.storage.sql.exec('UPDATE nonces SET used_at = ? WHERE nonce = ?', now, nonce);
    return 'ok';
  }

  /** Purges rows well past expiry; re-arms while rows remain. */
  async alarm(): Promise<void> {
    const now = Date.now();
    this.ctx.storage.sql.exec('DELETE FROM nonces WHERE expires_at < ?', now - RETAIN_MS);
    const next = this.ctx.storage.sql
      .exec<{ t: number | null }>('SELECT min(expires_at) AS t FROM nonces')
      .toArray()[0]?.t;
    if (next !== null && next !== undefined) await this.ctx.storage.setAlarm(next + RETAIN_MS);
  }
}
