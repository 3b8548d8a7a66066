/**
 * The local database endpoint for development and tests: a WebSocket server speaking the Neon
 * proxy's protocol (raw PostgreSQL bytes in binary frames at /v1), so the Worker reaches the
 * database through the same driver as in production. Behind it sits either a real PostgreSQL
 * server (DATABASE_URL) or embedded PGlite (data kept in `dataDir`), which is also served over
 * plain TCP so `psql` can connect. Both PGlite endpoints ask for a password (password.ts), and
 * the connection strings returned carry it; with a real server, the server's own
 * authentication applies (the pool passes it through).
 *
 * With a real server, driver connections go through a session pool (pg-pool.ts), as through
 * Neon's pooler in production: the Worker opens one connection per request, and a new server
 * connection per request would cost a backend process each and fail a burst at the server's
 * `max_connections`.
 */
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { PGlite } from '@electric-sql/pglite';
import { PgSessionPool } from './pg-pool';
import { dataDirPassword, newPassword, PASSWORD_FILE } from './password';
import { PgliteSessions, type SessionTransport } from './pglite-sessions';

export interface LocalDatabaseOptions {
  /** A real server to forward to; embedded PGlite when unset. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; in memory when unset. */
  dataDir?: string | undefined;
  /** WebSocket port (0 picks a free one). */
  wsPort?: number;
  /** TCP port for psql against PGlite (0 picks a free one; only with PGlite). */
  tcpPort?: number;
  host?: string;
  /**
   * Password of the embedded database (default: made once per data directory, or per start
   * for an in-memory one).
   */
  password?: string;
  /**
   * Server connections open at once, with a real server (default 20, or PLUE_DB_MAX_CONNECTIONS;
   * keep it below the server's max_connections minus what others use).
   */
  maxServerConnections?: number;
}

export interface LocalDatabase {
  /** Connection string to give the driver (with the embedded database's password). */
  databaseUrl: string;
  /** Value for the driver's wsProxy setting (`DB_WS_PROXY`). */
  wsProxy: string;
  /** `embedded` (PGlite) or `postgres`. */
  kind: 'embedded' | 'postgres';
  /** psql-able URL of the embedded database (password included), when embedded. */
  tcpUrl?: string;
  /** The file holding the embedded database's password, when it has a data directory. */
  passwordFile?: string;
  /** The session pool's state, with a real server. */
  serverConnections(): { open: number; idle: number; waiting: number; opened: number };
  close(): Promise<void>;
}

function listen(server: net.Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const addr = server.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function envLimit(): number | undefined {
  const n = Number(process.env.PLUE_DB_MAX_CONNECTIONS);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** Starts the endpoint. */
export async function startLocalDatabase(opts: LocalDatabaseOptions = {}): Promise<LocalDatabase> {
  const host = opts.host ?? '127.0.0.1';
  const wss = new WebSocketServer({ noServer: true });
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  };

  let pglite: PGlite | undefined;
  let tcpServer: net.Server | undefined;
  let connectBackend: (ws: WebSocket) => void;

  let pool: PgSessionPool | undefined;
  let password: string | undefined;
  if (opts.databaseUrl) {
    const target = new URL(opts.databaseUrl);
    const sessions = new PgSessionPool({
      host: target.hostname || '127.0.0.1',
      port: Number(target.port || 5432),
      max: opts.maxServerConnections ?? envLimit() ?? 20,
    });
    pool = sessions;
    connectBackend = (ws) => {
      const s = sessions.connect({ send: (b) => ws.send(b), close: () => ws.close() });
      ws.on('message', (d) => s.receive(toBytes(d)));
      ws.on('close', () => s.closed());
      ws.on('error', () => s.closed());
    };
  } else {
    pglite = await PGlite.create(opts.dataDir ? { dataDir: opts.dataDir } : {});
    try {
      password = opts.password ?? (opts.dataDir ? dataDirPassword(opts.dataDir) : newPassword());
    } catch (err) {
      await pglite.close();
      throw err;
    }
    const sessions = new PgliteSessions(pglite, { password });
    connectBackend = (ws) => {
      const t: SessionTransport = { send: (b) => ws.send(b), close: () => ws.close() };
      const s = sessions.open(t);
      ws.on('message', (d) => s.receive(toBytes(d)));
      ws.on('close', () => s.closed());
      ws.on('error', () => s.closed());
    };
    tcpServer = net.createServer((sock) => {
      track(sock);
      const s = sessions.open({ send: (b) => sock.write(b), close: () => sock.end() });
      sock.on('data', (d) => s.receive(new Uint8Array(d)));
      sock.on('close', () => s.closed());
      sock.on('error', () => s.closed());
    });
  }

  // Plain HTTP answers 426; upgrades at /v1 become database connections.
  const server = http.createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('WebSocket only\n');
  });
  server.on('connection', track);
  server.on('upgrade', (req, socket, head) => {
    if (!req.url?.startsWith('/v1')) {
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => connectBackend(ws));
  });
  const wsPort = await listen(server, opts.wsPort ?? 0, host);
  let tcpUrl: string | undefined;
  if (tcpServer) {
    const p = await listen(tcpServer, opts.tcpPort ?? 0, host);
    tcpUrl = `postgres://postgres:${encodeURIComponent(password ?? '')}@${host}:${p}/postgres`;
  }

  return {
    databaseUrl:
      opts.databaseUrl ??
      `postgres://postgres:${encodeURIComponent(password ?? '')}@${host}:5432/postgres`,
    wsProxy: `${host}:${wsPort}/v1`,
    kind: pglite ? 'embedded' : 'postgres',
    ...(tcpUrl ? { tcpUrl } : {}),
    ...(pglite && opts.dataDir && opts.password === undefined
      ? { passwordFile: path.join(opts.dataDir, PASSWORD_FILE) }
      : {}),
    serverConnections: () => pool?.stats() ?? { open: 0, idle: 0, waiting: 0, opened: 0 },
    close: async () => {
      for (const c of wss.clients) c.terminate();
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      if (tcpServer) await new Promise<void>((r) => tcpServer.close(() => r()));
      pool?.close();
      if (pglite) await pglite.close();
    },
  };
}
