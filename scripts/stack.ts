/**
 * Starts Plue's local stack: the database endpoint (embedded PGlite or a proxy to DATABASE_URL),
 * migrations, and the Worker under `wrangler dev` behind the front door (front-door.ts: users'
 * connections go straight to the Worker's own socket, not through wrangler's reload proxy).
 * Shared by `npm start` and the tests so both run the same thing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import net from 'node:net';
import ws from 'ws';
import { createDb } from '../db/client';
import { loadMigrations } from '../db/load-migrations';
import { migrate } from '../db/migrate';
import { startLocalDatabase, type LocalDatabase } from '../db/local-server/index';
import { startFrontDoor, type FrontDoor } from './front-door';
import { findWorkerPort } from './worker-socket';
import { nodeForWrangler, ROOT, WRANGLER_JS } from './node22';
import { pipeFiltered, wranglerOutputFilter } from './wrangler-output';

export interface StackOptions {
  /** Directory for all local state (PGlite data, wrangler's DO/R2 state). */
  dataDir: string;
  port: number;
  host?: string;
  /** Real PostgreSQL to use instead of embedded PGlite. */
  databaseUrl?: string | undefined;
  /** Override what the Worker is told (e.g. an unreachable database, for tests). */
  workerDatabase?: { databaseUrl: string; wsProxy: string };
  /** Skip migrations (used when the database is meant to be unreachable). */
  skipMigrations?: boolean;
  /** Where wrangler's output goes; `inherit` shows it, `pipe` keeps it for errors. */
  stdio?: 'inherit' | 'pipe';
  extraVars?: Record<string, string>;
  log?: (line: string) => void;
}

export interface Stack {
  /** Where users reach Plue: the front door. */
  url: string;
  /** wrangler dev's own port (its reload proxy), for comparisons. */
  wranglerUrl: string;
  db: LocalDatabase;
  worker: ChildProcess;
  /** wrangler's inspector (DevTools protocol) for the Worker's isolate. */
  inspectorPort: number;
  migrationsApplied: number[];
  stop(): Promise<void>;
}

/** A free TCP port on the host. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Applies migrations through the production driver path. */
export async function runMigrations(db: LocalDatabase): Promise<number[]> {
  const handle = createDb({
    databaseUrl: db.databaseUrl,
    wsProxy: db.wsProxy,
    webSocketConstructor: ws,
  });
  try {
    return await migrate(handle, loadMigrations());
  } finally {
    await handle.end();
  }
}

async function waitForHealth(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/api/v1/health`, { signal: AbortSignal.timeout(5000) });
      await res.body?.cancel();
      if (res.status === 200 || res.status === 503) return;
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the Worker did not answer within ${timeoutMs / 1000} s (${lastError})`);
}

function killTree(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.pid === undefined) return resolve();
    const timer = setTimeout(() => {
      try {
        process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    try {
      // wrangler runs workerd as a child; the group kill takes both.
      process.kill(-(child.pid as number), 'SIGTERM');
    } catch {
      clearTimeout(timer);
      resolve();
    }
  });
}

export interface WranglerDevOptions {
  host: string;
  port: number;
  /** wrangler's DO/R2 state goes under `<dataDir>/wrangler`. */
  dataDir: string;
  vars: Record<string, string>;
  stdio?: 'inherit' | 'pipe' | undefined;
  /** A wrangler config other than Plue's own (benchmark fixtures). */
  config?: string;
}

export interface WranglerDev {
  url: string;
  child: ChildProcess;
  inspectorPort: number;
  stop(): Promise<void>;
}

/** Runs `wrangler dev` (Plue's Worker unless `config` names another) until it answers. */
export async function startWranglerDev(opts: WranglerDevOptions): Promise<WranglerDev> {
  const { host } = opts;
  const inspector = await freePort(host);
  const args = [
    WRANGLER_JS,
    'dev',
    ...(opts.config ? ['--config', opts.config] : []),
    '--ip',
    host,
    '--port',
    String(opts.port),
    '--inspector-port',
    String(inspector),
    '--persist-to',
    `${opts.dataDir}/wrangler`,
    '--show-interactive-dev-session=false',
    '--log-level',
    opts.stdio === 'inherit' ? 'log' : 'warn',
    ...Object.entries(opts.vars).flatMap(([k, v]) => ['--var', `${k}:${v}`]),
  ];
  const child = spawn(nodeForWrangler(), args, {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: 'false',
      WRANGLER_SEND_ERROR_REPORTS: 'false',
      CLOUDFLARE_CF_FETCH_ENABLED: 'false',
      // wrangler's local observability collector stores a trace of every request and span in a
      // SQLite Durable Object (with an fsync per event): ~1.7 ms of workerd CPU per request and
      // more per streamed write, for a dashboard Plue does not use. The local explorer likewise.
      X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY ?? 'false',
      X_LOCAL_EXPLORER: process.env.X_LOCAL_EXPLORER ?? 'false',
      NO_UPDATE_NOTIFIER: '1',
    },
  });
  if (opts.stdio === 'inherit') {
    // Shown, less what the Worker already logs (wrangler-output.ts).
    if (child.stdout) pipeFiltered(child.stdout, process.stdout, wranglerOutputFilter());
    if (child.stderr) pipeFiltered(child.stderr, process.stderr, wranglerOutputFilter());
  }
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20_000)));
  const url = `http://${urlHost(host)}:${opts.port}`;
  const stop = (): Promise<void> => killTree(child);
  try {
    await waitForHealth(url, child, 90_000);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${output}`, { cause: err });
  }
  return { url, child, inspectorPort: inspector, stop };
}

/** Starts the database endpoint, migrates, and starts the Worker; resolves once it answers. */
export async function startStack(opts: StackOptions): Promise<Stack> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => undefined);
  mkdirSync(opts.dataDir, { recursive: true });
  const db = await startLocalDatabase({
    databaseUrl: opts.databaseUrl,
    dataDir: opts.databaseUrl ? undefined : `${opts.dataDir}/pglite`,
  });
  let migrationsApplied: number[] = [];
  try {
    if (!opts.skipMigrations) migrationsApplied = await runMigrations(db);
  } catch (err) {
    await db.close();
    const where = opts.databaseUrl ? redact(opts.databaseUrl) : 'embedded PGlite';
    throw new Error(`cannot migrate the database (${where}): ${(err as Error).message}`, {
      cause: err,
    });
  }
  log(`database: ${db.kind}; migrations applied now: ${migrationsApplied.join(', ') || 'none'}`);

  const target = opts.workerDatabase ?? { databaseUrl: db.databaseUrl, wsProxy: db.wsProxy };
  const vars: Record<string, string> = {
    DATABASE_URL: target.databaseUrl,
    DB_WS_PROXY: target.wsProxy,
    // Where users reach this Worker: the SIWE domain and every absolute URL come from it.
    PLUE_PUBLIC_URL: `http://${urlHost(host)}:${opts.port}`,
    ...opts.extraVars,
  };
  let dev: WranglerDev;
  let door: FrontDoor;
  const wranglerPort = await freePort();
  try {
    dev = await startWranglerDev({
      host: '127.0.0.1',
      port: wranglerPort,
      dataDir: opts.dataDir,
      vars,
      stdio: opts.stdio,
    });
  } catch (err) {
    await db.close();
    throw err;
  }
  try {
    door = await startFrontDoor({
      host,
      port: opts.port,
      wranglerPort,
      find: () => findWorkerPort(dev.child.pid as number, wranglerPort),
    });
  } catch (err) {
    await dev.stop();
    await db.close();
    throw new Error(`cannot listen on ${host}:${opts.port}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const stop = async (): Promise<void> => {
    await door.close();
    await dev.stop();
    await db.close();
  };
  const url = `http://${urlHost(host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host)}:${opts.port}`;
  const { child: worker, inspectorPort: inspector } = dev;
  return {
    url,
    wranglerUrl: dev.url,
    db,
    worker,
    inspectorPort: inspector,
    migrationsApplied,
    stop,
  };
}

/** A listen address as it appears in a URL (IPv6 in brackets). */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Hides the password of a connection string for logs. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
