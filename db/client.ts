/**
 * Database access for every runtime, through the production driver (`@neondatabase/serverless`).
 *
 * One `Db` is made per request (Workers may not keep sockets between requests) and ended with
 * `ctx.waitUntil(db.end())`. Locally the driver's WebSocket goes to the proxy in `db/local-server/`
 * (`DB_WS_PROXY`), which forwards to PostgreSQL or serves embedded PGlite; in production it goes
 * to Neon's own proxy. Settings are applied per client, never to the driver's global config.
 */
import { Client, type QueryResultRow } from '@neondatabase/serverless';
import { AppError } from '../common/errors';

/** What the query layer needs from a connection. */
export interface Db {
  query<R extends QueryResultRow = QueryResultRow>(text: string, params?: unknown[]): Promise<R[]>;
  /** Runs `fn` inside BEGIN/COMMIT, rolling back when it throws. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * `transaction` holding the advisory lock `key` (`pg_advisory_xact_lock(hashtext(key))`), taken
   * by the BEGIN's own round trip. Optional for wrappers: use `lockedTransaction`.
   */
  transactionLocked?<T>(key: string, fn: (tx: Db) => Promise<T>): Promise<T>;
  end(): Promise<void>;
  /**
   * Starts connecting now without sending a statement, so a query that is certain to follow
   * does not wait for the handshake (a failure surfaces on that query). Optional for wrappers.
   */
  warm?(): void;
}

export interface DbConfig {
  /** postgres://user:password@host:port/database */
  databaseUrl: string;
  /** host:port/path of a local WebSocket→Postgres proxy; unset in production (Neon's proxy). */
  wsProxy?: string | undefined;
  /** WebSocket implementation where the runtime has no global one (Node 20). */
  webSocketConstructor?: unknown;
  /** Milliseconds before a connection attempt is given up. */
  connectTimeoutMs?: number;
}

/** Opens a lazily connected database handle. Nothing touches the network until the first query. */
export function createDb(config: DbConfig): Db {
  let connecting: Promise<Client> | undefined;
  let ended = false;
  let chain: Promise<unknown> = Promise.resolve();

  const connect = (): Promise<Client> => {
    connecting ??= (async () => {
      const client = new Client({
        connectionString: config.databaseUrl,
        connectionTimeoutMillis: config.connectTimeoutMs ?? 10_000,
      });
      const local = config.wsProxy !== undefined && config.wsProxy !== '';
      if (local) {
        const proxy = config.wsProxy as string;
        client.neonConfig.wsProxy = () => proxy;
        client.neonConfig.useSecureWebSocket = false;
        client.neonConfig.pipelineConnect = false;
        client.neonConfig.forceDisablePgSSL = true;
      }
      if (config.webSocketConstructor !== undefined) {
        // The driver's type for this is a structural WebSocket constructor; `ws` satisfies it.
        client.neonConfig.webSocketConstructor = config.webSocketConstructor as typeof WebSocket;
      }
      client.on('error', () => {
        // A dropped connection surfaces on the next query; an unhandled 'error' would crash Node.
      });
      try {
        await client.connect();
      } catch (err) {
        throw AppError.unavailable('database unreachable', err);
      }
      return client;
    })();
    return connecting;
  };

  const run = async <R extends QueryResultRow>(text: string, params?: unknown[]): Promise<R[]> => {
    if (ended) throw new Error('database handle used after end()');
    const client = await connect();
    const result = await client.query<R>(text, params);
    return result.rows;
  };

  // Queries on one handle are serialised so a transaction never interleaves with another query.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => undefined);
    return next;
  };

  const inTx: Db = {
    query: run,
    transaction: (fn) => fn(inTx),
    end: () => Promise.resolve(),
  };

  const inTransaction = <T>(begin: string, fn: (tx: Db) => Promise<T>): Promise<T> =>
    serial(async () => {
      try {
        await run(begin);
        const value = await fn(inTx);
        await run('COMMIT');
        return value;
      } catch (err) {
        await run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });

  return {
    query: (text, params) => serial(() => run(text, params)),
    // Two statements in one simple-protocol query (no parameters): one round trip.
    transactionLocked: (key, fn) => inTransaction(`BEGIN; ${lockSql(key)}`, fn),
    transaction: (fn) => inTransaction('BEGIN', fn),
    warm: () => {
      if (!ended) void connect().catch(() => undefined);
    },
    end: async () => {
      ended = true;
      if (!connecting) return;
      const client = await connecting.catch(() => undefined);
      await client?.end().catch(() => undefined);
    },
  };
}

/** The statement that takes transaction-level advisory lock `key` (a fixed name, never input). */
function lockSql(key: string): string {
  if (!/^[a-z0-9:_-]{1,100}$/.test(key)) throw new Error(`not a lock name: ${key}`);
  return `SELECT pg_advisory_xact_lock(hashtext('${key}'))::text AS locked`;
}

/** `fn` in a transaction holding advisory lock `key`: one round trip for both where the handle can. */
export function lockedTransaction<T>(db: Db, key: string, fn: (tx: Db) => Promise<T>): Promise<T> {
  if (db.transactionLocked) return db.transactionLocked(key, fn);
  return db.transaction(async (tx) => {
    await tx.query(lockSql(key));
    return fn(tx);
  });
}
