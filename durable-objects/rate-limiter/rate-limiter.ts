/**
 * RateLimiter: one instance per client key (e.g. `auth:<ip>`), counting hits in a fixed window
 * (see rate-window.ts). An alarm deletes the state once the window has passed, so idle clients
 * leave nothing behind.
 *
 * Survives eviction: the current window (SQLite-backed storage).
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../workers/env';
import { hitWindow, type WindowState } from './rate-window';

export interface RateLimitVerdict {
  allowed: boolean;
  remaining: number;
  retryAfter: number;
}

export class RateLimiter extends DurableObject<Env> {
  /** Counts one hit; `limit` hits per `windowSeconds` are allowed. */
  async hit(limit: number, windowSeconds: number): Promise<RateLimitVerdict> {
    const now = Date.now();
    const windowMs = windowSeconds * 1000;
    const state = await this.ctx.storage.get<WindowState>('window');
    const r = hitWindow(state, now, limit, windowMs);
    if (r.state !== state) {
      await this.ctx.storage.put('window', r.state);
      if (state === undefined || r.state.start !== state.start) {
        await this.ctx.storage.setAlarm(r.state.start + windowMs);
      }
    }
    return { allowed: r.allowed, remaining: r.remaining, retryAfter: r.retryAfter };
  }

  async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
