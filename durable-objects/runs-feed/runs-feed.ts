/**
 * RunsFeed: the live feed of one repository's runs (one instance per repository, named by its
 * id; workers/services/runs/runs-feed.ts). The Worker publishes each run change it commits (a
 * run queued by an evaluation report, claimed, completed, requeued or lost) and opens SSE
 * subscribers after it authorised them (GET /api/v1/repos/:owner/:repo/actions/live); the feed
 * only fans out what it is told (feed-subscribers.ts). A viewer hears of a new run without
 * polling the runs list.
 *
 * Limits (env): RUNS_FEED_MAX_SUBSCRIBERS (default 1000; past it a subscriber is refused with
 * 503), RUNS_FEED_HEARTBEAT_MS (default 15000), RUNS_FEED_LIFETIME_MS (default 600000: then the
 * stream ends and the client reconnects, authorised afresh).
 *
 * Survives eviction: nothing. Subscribers' streams end with the instance and clients reconnect;
 * a change published while no instance runs reaches nobody (the runs list has it).
 */
import { DurableObject } from 'cloudflare:workers';
import type { Env } from '../../workers/env';
import { FEED_HEADERS, FeedSubscribers, type FeedRun } from './feed-subscribers';
import {
  parseViewerIdentity,
  RUN_VIEWER_HEADER,
  type ViewerPolicy,
} from '../run-stream/run-access';

const num = (v: string | undefined, d: number): number => {
  const n = Number(v);
  return v !== undefined && v !== '' && Number.isFinite(n) && n > 0 ? n : d;
};

export class RunsFeed extends DurableObject<Env> {
  private readonly subs: FeedSubscribers;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.subs = new FeedSubscribers({
      max: num(env.RUNS_FEED_MAX_SUBSCRIBERS, 1000),
      heartbeatMs: num(env.RUNS_FEED_HEARTBEAT_MS, 15_000),
      lifetimeMs: num(env.RUNS_FEED_LIFETIME_MS, 10 * 60_000),
      maxQueuedBytes: 256 << 10,
    });
  }

  /** Sends run changes to every subscriber; returns how many changes were sent (not stale). */
  publish(runs: FeedRun[]): number {
    return this.subs.publish(runs);
  }

  /** Ends the subscribers `policy` no longer covers; returns how many. */
  revoke(policy: ViewerPolicy): number {
    return this.subs.revoke(policy);
  }

  /** `/sse`: a new subscriber (the Worker authorised it), or 503 when the feed is full. */
  fetch(request: Request): Response {
    if (new URL(request.url).pathname !== '/sse') return new Response('not found', { status: 404 });
    const stream = this.subs.open(parseViewerIdentity(request.headers.get(RUN_VIEWER_HEADER)));
    if (!stream) {
      return new Response('this repository’s live feed is full', {
        status: 503,
        headers: { 'Retry-After': '5' },
      });
    }
    return new Response(stream, { headers: FEED_HEADERS });
  }
}
