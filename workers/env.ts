/**
 * The Worker's bindings and per-request variables. Everything a handler needs arrives through
 * these (`c.env`, `c.var`); there is no module-level state.
 */
import type { Db } from '../db/client';
import type {
  ClaimBell,
  NonceObject,
  RateLimiter,
  RepoObject,
  RunsFeed,
  RunStream,
} from '../durable-objects';
import type { Logger } from '../common/log';
import type { MemoryTiers } from './services/cache/memory-cache';
import type { Component } from '../common/dev-secret';
import type { JobScope } from './services/runs/job-credentials';

export interface Env {
  /** postgres:// URL of the database (Neon in production). */
  DATABASE_URL: string;
  /** host:port/path of the local WebSocket→Postgres proxy; empty in production. */
  DB_WS_PROXY?: string;
  /** `development` or `production`; production turns on Secure cookies and hides details. */
  PLUE_ENV?: string;
  /**
   * Least level of log line written: `debug`, `info` (default; one line per request), `warn` or
   * `error`. Benchmarks use `warn`: under `wrangler dev` every console line crosses the
   * inspector to the terminal, which costs milliseconds per request.
   */
  LOG_LEVEL?: string;
  /** Largest pack one push may send, in MiB (default 2048). */
  GIT_MAX_PUSH_MB?: string;
  /** Largest single object in a push, in MiB (default 100). */
  GIT_MAX_OBJECT_MB?: string;
  /**
   * How long packs replaced by compaction stay in R2 before RepoObject's alarm deletes them, in
   * ms (default 900000 = 15 min): a fetch that read the catalog before the swap may still be
   * reading them.
   */
  PACK_RETIRE_GRACE_MS?: string;
  /**
   * How long objects that no ref reaches any more (deleted branches, force-pushed commits) stay
   * readable by id in a cruft pack before compaction drops them, in ms (default two weeks; 0
   * drops them at the next compaction). Clones never carry them.
   */
  PLUE_UNREACHABLE_GRACE_MS?: string;
  /** Base of SSH clone URLs, e.g. `ssh://git@127.0.0.1:2222/` (set by `npm start`). */
  PLUE_SSH_URL?: string;
  /** SHA256 fingerprint of the SSH bridge's host key, shown in the SSH help. */
  PLUE_SSH_FINGERPRINT?: string;
  /** This deployment's id (new per deploy and per `wrangler dev` start). */
  CF_VERSION_METADATA?: WorkerVersionMetadata;
  REPO: DurableObjectNamespace<RepoObject>;
  RUN_STREAM: DurableObjectNamespace<RunStream>;
  BLOBS: R2Bucket;
  /** SIWE nonces: one named instance ("global"). */
  NONCES: DurableObjectNamespace<NonceObject>;
  /** Rate-limit windows: one instance per client key. */
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>;
  /** The doorbell held claims wait on: one named instance ("claims"; runs/claim-bell.ts). */
  CLAIM_BELL: DurableObjectNamespace<ClaimBell>;
  /** Live feeds of runs: one instance per repository, named by its id (runs/runs-feed.ts). */
  RUNS_FEED: DurableObjectNamespace<RunsFeed>;
  /** Comma-separated EIP-155 chain ids accepted at sign-in (default "1"). */
  SIWE_CHAIN_IDS?: string;
  /** JSON-RPC URL used to verify contract-wallet (EIP-1271/6492) signatures; unset: EOAs only. */
  ETH_RPC_URL?: string;
  /**
   * The SSH bridge's credential (`X-Plue-Bridge-Secret`): key lookups, grants and git for the
   * user whose key it has just looked up (common/dev-secret.ts, middleware/components.ts).
   */
  PLUE_BRIDGE_SECRET?: string;
  /** The runner controller's credential (`X-Plue-Controller-Secret`): /internal/controller/*. */
  PLUE_CONTROLLER_SECRET?: string;
  /** Operators' and tests' credential (`X-Plue-Operator-Secret`); unset: those endpoints close. */
  PLUE_OPERATOR_SECRET?: string;
  /** Requests per minute per client IP on /api/v1/auth/* (default 60). */
  RATE_LIMIT_AUTH_PER_MIN?: string;
  /** API writes per minute per client (default 600). */
  RATE_LIMIT_WRITE_PER_MIN?: string;
  /** Run logs: bytes of output kept per step (default 8 MiB) and per run (default 32 MiB). */
  RUN_LOG_MAX_STEP_BYTES?: string;
  RUN_LOG_MAX_RUN_BYTES?: string;
  /** Viewers (SSE + WebSocket) one run accepts at once (default 2000). */
  RUN_MAX_VIEWERS?: string;
  /** Unread bytes after which a slow SSE viewer is dropped (default 1 MiB). */
  RUN_VIEWER_MAX_QUEUED_BYTES?: string;
  /** SSE heartbeat interval in ms (default 15000). */
  RUN_HEARTBEAT_MS?: string;
  /** Subscribers one repository's runs feed holds at once (default 1000; then 503). */
  RUNS_FEED_MAX_SUBSCRIBERS?: string;
  /** Keep-alive comment interval of the runs feed, in ms (default 15000). */
  RUNS_FEED_HEARTBEAT_MS?: string;
  /** How long one runs-feed subscription lasts before it ends and the client reconnects, in ms (default 600000). */
  RUNS_FEED_LIFETIME_MS?: string;
  /**
   * How long a run viewer's authorisation lasts, in ms (default 300000): then its SSE stream
   * ends (checked with each heartbeat) or its WebSocket closes with 4001 (checked when records
   * go out), and the client reconnects and is authorised afresh.
   */
  RUN_VIEWER_GRANT_MS?: string;
  /**
   * The Worker's own key (any string), held by no other component: SHA-256 of it is the
   * AES-256-GCM key of repository secrets at rest, and keys derived from it sign SSH tickets,
   * repository grants and event checkout tokens (services/identity/worker-signing.ts).
   */
  PLUE_SECRETS_KEY?: string;
  /** Default lease of a claimed workflow run or event, in seconds (default 30). */
  PLUE_RUN_LEASE_SECONDS?: string;
  /** Runs (and events in evaluation) of one repository at once, across controllers (default 4). */
  PLUE_REPO_CONCURRENCY?: string;
  /** Public origin for links made outside a request (cron sweeps), e.g. https://plue.dev. */
  PLUE_PUBLIC_URL?: string;
  /** Model steps (llm/agent) of one repository running at once (default 2; agent-budget.ts). */
  PLUE_AGENT_CONCURRENCY?: string;
  /** Tokens (in + out) one repository's model steps may use per 24 hours (default 2000000). */
  PLUE_AGENT_TOKENS_PER_DAY?: string;
}

/** The signed-in user of a request. */
export interface CurrentUser {
  id: string;
  login: string;
  wallet_address: string;
  /** Unread notifications (up to 100), for the header of pages; set on signed-in page views. */
  unread?: number;
}

/** How a request authenticated, and what it may do. */
export interface AuthInfo {
  /**
   * `ssh`: the SSH bridge for the user of its ticket; `component`: the controller or an
   * operator (no user); `job`: a run's or a claimed event's token (reads its repository by git).
   */
  kind: 'session' | 'token' | 'ssh' | 'component' | 'job' | 'anonymous';
  /** `repo:read`, `repo:write`, `admin` (sessions and the SSH bridge hold all three). */
  scopes: Set<string>;
  /** The internal component whose credential the request carries. */
  component?: Component;
  /** For `job`: the one repository it may read. */
  job?: JobScope;
  /** The session id (SHA-256 of the cookie token), for logout. */
  sessionId?: string;
}

export interface Vars {
  requestId: string;
  /** The isolate memory tiers, made once at the Worker entry (services/cache/memory-cache.ts). */
  memory: MemoryTiers;
  log: Logger;
  db: Db;
  /** Set by the auth middleware; undefined for anonymous requests. */
  user: CurrentUser | undefined;
  auth: AuthInfo;
}

export interface AppEnv {
  Bindings: Env;
  Variables: Vars;
}
