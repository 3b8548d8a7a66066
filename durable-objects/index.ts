/**
 * The Durable Object classes the Worker binds (workers/index.ts exports them; workers/env.ts
 * types their stubs). The Worker imports Durable Object code only from here and from
 * `formats.ts` (what crosses a stub), both lint-enforced.
 */
export { ClaimBell } from './claim-bell/claim-bell';
export { NonceObject } from './nonce/nonce-object';
export { RateLimiter } from './rate-limiter/rate-limiter';
export { RepoObject } from './repo/repo-object';
export { RunStream } from './run-stream/run-stream';
export { RunsFeed } from './runs-feed/runs-feed';
