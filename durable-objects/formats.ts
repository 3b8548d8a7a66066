/**
 * The formats the Worker shares with the Durable Objects: the types and pure codecs of what
 * crosses a stub (repository state, push requests, run log chunks, viewer policies, archive
 * keys, the claims doorbell's marks). Importing this never loads a Durable Object class (nor
 * `cloudflare:workers`), so Node unit tests of services can use it.
 */

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

// ClaimBell: where a held claim's wait starts from, and the bell's answer.
export type { BellAnswer, BellMark, BellSince } from './claim-bell/bell';

// RunsFeed: one run change as the feed sends it.
export type { FeedRun } from './runs-feed/feed-subscribers';
