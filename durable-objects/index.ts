/**
 * The Durable Objects, one folder each, and the formats the Worker shares with them. The Worker
 * imports Durable Object code only from here: the classes it binds and the types and codecs of
 * what crosses the stub boundary (repository state, run log chunks, viewer policies).
 */
export { NonceObject } from './nonce/nonce-object';
export { RateLimiter } from './rate-limiter/rate-limiter';
export { RepoObject } from './repo/repo-object';
export { RunStream } from './run-stream/run-stream';

// RepoObject: the repository state the git services read, and a push's request and outcome.
export type { PackRecord, PushOutcome, PushRequest, RepoState } from './repo/repo-refs';

// RunStream: appending producer chunks, the log line format, viewer policies and the archive.
export type { AppendResult } from './run-stream/run-stream';
export { TOKEN_GRACE_MS } from './run-stream/run-token';
export {
  ChunkError,
  lineHead,
  parseChunks,
  STEP_ID,
  type Chunk,
} from './run-stream/run-log-format';
export {
  RUN_VIEWER_HEADER,
  writeViewerIdentity,
  type ViewerIdentity,
  type ViewerPolicy,
} from './run-stream/run-access';
export { archiveKeys } from './run-stream/run-archive';
