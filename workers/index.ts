/**
 * Entry point of the Worker "plue": the HTTP app and the Durable Object classes it binds. The
 * isolate memory tiers are made here, once per isolate, and handed down to the app.
 */
import { createApp } from './app';
import type { Env } from './env';
import { createMemoryTiers } from './services/cache/memory-cache';
import { onScheduled } from './services/workflows/workflow-cron';

export {
  ClaimBell,
  NonceObject,
  RateLimiter,
  RepoObject,
  RunsFeed,
  RunStream,
} from '../durable-objects';

const app = createApp(createMemoryTiers());

export default {
  fetch: (req, env, ctx) => app.fetch(req, env, ctx),
  scheduled: (controller, env, ctx) => ctx.waitUntil(onScheduled(env, controller.scheduledTime)),
} satisfies ExportedHandler<Env>;
