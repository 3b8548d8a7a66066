/** Entry point of the Worker "plue": the HTTP app and the Durable Object classes it binds. */
import { createApp } from './app';
import type { Env } from './env';
import { onScheduled } from './services/workflow-cron';

export { RepoObject } from '../durable-objects/repo-object';
export { RunStream } from '../durable-objects/run-stream';
export { NonceObject } from '../durable-objects/nonce-object';
export { RateLimiter } from '../durable-objects/rate-limiter';

const app = createApp();

export default {
  fetch: (req, env, ctx) => app.fetch(req, env, ctx),
  scheduled: (controller, env, ctx) => ctx.waitUntil(onScheduled(env, controller.scheduledTime)),
} satisfies ExportedHandler<Env>;
