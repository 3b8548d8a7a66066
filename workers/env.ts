/**
 * The Worker's bindings and per-request variables. Everything a handler needs arrives through
 * these (`c.env`, `c.var`); there is no module-level state.
 */
import type { Db } from '../db/client';
import type { RepoObject } from '../durable-objects/repo-object';
import type { RunStream } from '../durable-objects/run-stream';
import type { Logger } from './middleware/logger';

export interface Env {
  /** postgres:// URL of the database (Neon in production). */
  DATABASE_URL: string;
  /** host:port/path of the local WebSocket→Postgres proxy; empty in production. */
  DB_WS_PROXY?: string;
  /** `development` or `production`; production turns on Secure cookies and hides details. */
  PLUE_ENV?: string;
  REPO: DurableObjectNamespace<RepoObject>;
  RUN_STREAM: DurableObjectNamespace<RunStream>;
  BLOBS: R2Bucket;
}

export interface Vars {
  requestId: string;
  log: Logger;
  db: Db;
}

export interface AppEnv {
  Bindings: Env;
  Variables: Vars;
}
