/**
 * RunStream: one per run. Appends numbered log chunks, replays from a sequence number and fans
 * out live to Server-Sent Events and WebSocket viewers.
 *
 * Survives eviction: the chunks (SQLite storage). Live viewer connections do not; they reconnect
 * with Last-Event-ID.
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../workers/env';

export class RunStream extends DurableObject<Env> {
  async ping(): Promise<string> {
    return 'pong';
  }
}
