/**
 * ClaimBell: the doorbell held claims wait on (one named instance, "claims";
 * workers/services/runs/claim-bell.ts). `wait()` resolves when `ring()` is called anywhere work
 * became claimable, or at its timeout; the waiter then looks at the queue itself. The bell knows
 * nothing of the work: it only says "look now" (bell.ts).
 *
 * Survives eviction: nothing. Rings and waiters live in memory; a new incarnation has a new id,
 * so a waiter that carries an older mark is woken at once (it may have missed a ring), and a
 * waiter that loses its call to an eviction falls back to the Worker's slow look at the queue.
 * Held waits keep the instance in memory while controllers are waiting.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../workers/env';
import { Bell, type BellAnswer, type BellSince } from './bell';

export class ClaimBell extends DurableObject<Env> {
  private readonly bell = new Bell(crypto.randomUUID(), () => Date.now());

  /** Resolves at the next ring (at once if `since` missed one), or unrung after `timeoutMs`. */
  wait(since: BellSince, timeoutMs: number): Promise<BellAnswer> {
    return this.bell.wait(since, timeoutMs);
  }

  /** Wakes every waiting claim; returns how many were waiting. */
  ring(): number {
    return this.bell.ring();
  }
}
