/**
 * Session pooling in front of a real PostgreSQL server, for the local endpoint (index.ts).
 *
 * The Worker opens one database connection per request, as it would through Neon's proxy. A new
 * PostgreSQL connection costs a backend process (~30 ms on the CI machine), and a burst of
 * requests would pass the server's `max_connections` ("too many clients"). Production avoids
 * both with Neon's pooler or Hyperdrive; locally this module does the same job, in session mode:
 *
 * - A client's connection is bound to one server connection for its whole life, so everything a
 *   session can do (transactions, prepared statements, SET) works as on a direct connection.
 * - When the client leaves with the server connection idle (ReadyForQuery 'I', nothing sent
 *   since), the server connection is reset with `DISCARD ALL` and kept for the next client with
 *   the same startup parameters (user, database, options). That client gets the handshake
 *   replayed (AuthenticationOk, the server's ParameterStatus and BackendKeyData, ReadyForQuery)
 *   without a new backend. A client that leaves mid-transaction or mid-query takes its server
 *   connection with it (closed, so the server rolls back).
 * - Only connections the server accepted without a password are kept: replaying a handshake
 *   must never let a client skip authentication. With password authentication every client
 *   gets its own server connection, passed through, as before.
 * - At most `max` server connections exist at once; later clients wait in line (FIFO) until one
 *   is free. Idle server connections close after `idleMs`.
 * - Cancel requests go straight to the server on a connection of their own; the BackendKeyData a
 *   client saw is its server connection's real one, so cancelling works.
 *
 * Hand-written because PgBouncer is a system service this project must not assume, and the
 * pooling needs only message boundaries and ReadyForQuery statuses (pg-frames.ts).
 */
import net from 'node:net';
import { BackendFramer, BackendTracker, FrontendFramer } from './pg-frames';
import { concatBytes } from '../../common/git/bytes';

/** One client connection's transport (a WebSocket in index.ts). */
export interface ClientTransport {
  send(bytes: Uint8Array): void;
  close(): void;
}

export interface PgPoolOptions {
  host: string;
  port: number;
  /** Server connections open at once (in use, idle or being reset). */
  max: number;
  /** How long an idle server connection is kept. */
  idleMs?: number;
}

interface ServerConn {
  key: string;
  socket: net.Socket;
  tracker: BackendTracker;
  /** The handshake to replay to later clients (ParameterStatus, BackendKeyData, 'Z' 'I'). */
  greeting: Uint8Array | undefined;
  /** Who gets the server's bytes now. */
  onData: (bytes: Uint8Array) => void;
  onGone: () => void;
  idleTimer?: ReturnType<typeof setTimeout> | undefined;
}

const AUTH_OK = Uint8Array.from([0x52, 0, 0, 0, 8, 0, 0, 0, 0]);
const DISCARD_ALL = queryMessage('DISCARD ALL');

function queryMessage(sql: string): Uint8Array {
  const body = Buffer.from(`${sql}\0`, 'utf8');
  const out = Buffer.alloc(5 + body.length);
  out[0] = 0x51; // 'Q'
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return out;
}

/** The pool key of a startup message: its parameters, in order. */
function startupKey(bytes: Uint8Array): string {
  return Buffer.from(bytes.subarray(8)).toString('latin1');
}

export class PgSessionPool {
  private open = 0;
  private readonly idle = new Map<string, ServerConn[]>();
  /** Clients waiting for a server connection, first come first served. */
  private readonly line: Array<() => boolean> = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly idleMs: number;
  private closed = false;
  /** Server connections opened since start (tests read it). */
  opened = 0;

  constructor(private readonly opts: PgPoolOptions) {
    this.idleMs = opts.idleMs ?? 30_000;
  }

  stats(): { open: number; idle: number; waiting: number; opened: number } {
    let idle = 0;
    for (const list of this.idle.values()) idle += list.length;
    return { open: this.open, idle, waiting: this.line.length, opened: this.opened };
  }

  /** Serves one client connection; feed it the client's bytes. */
  connect(client: ClientTransport): { receive(chunk: Uint8Array): void; closed(): void } {
    const framer = new FrontendFramer();
    let conn: ServerConn | undefined;
    let reusable = false;
    let waiting = false;
    let gone = false;
    /** Client messages that arrived before the server connection was ready. */
    const held: Uint8Array[] = [];
    /** ReadyForQuery messages the client still waits for (one per Query or Sync sent). */
    let outstanding = 0;
    /** Extended-protocol messages sent since the last Sync. */
    let unsynced = false;

    const end = (): void => {
      if (gone) return;
      gone = true;
      client.close();
      if (conn) {
        const c = conn;
        conn = undefined;
        const quiet = outstanding === 0 && !unsynced && c.tracker.atBoundary();
        if (reusable && quiet && c.tracker.status === 'I') {
          this.reset(c);
        } else this.destroy(c);
      }
    };

    const toServer = (bytes: Uint8Array): void => {
      if (!conn || waiting) {
        held.push(bytes);
        return;
      }
      const type = bytes[0];
      if (type === 0x51 /* Q */ || type === 0x53 /* S */) {
        outstanding++;
        unsynced = false;
      } else if (type !== 0x70 /* p: password */) unsynced = true;
      conn.socket.write(bytes);
    };

    const bind = (c: ServerConn, startup: Uint8Array | undefined): void => {
      conn = c;
      c.onData = (bytes) => {
        outstanding = Math.max(0, outstanding - c.tracker.push(bytes));
        if (!gone) client.send(bytes);
      };
      c.onGone = end;
      waiting = false;
      // A new server connection: the client sees the server's own handshake; else the replay.
      if (startup) c.socket.write(startup);
      else client.send(c.greeting as Uint8Array);
      for (const b of held.splice(0)) toServer(b);
    };

    const start = (startup: Uint8Array): void => {
      const key = startupKey(startup);
      waiting = true;
      /** True once this client is served (or gone); false while it must wait. */
      const attempt = (): boolean => {
        if (gone) return true;
        const list = this.idle.get(key);
        const c = list?.pop();
        if (c) {
          if (c.idleTimer) clearTimeout(c.idleTimer);
          reusable = true;
          bind(c, undefined);
          return true;
        }
        if (this.open >= this.opts.max && !this.evictIdle()) return false;
        const fresh = this.newServerConn(key, (ok) => {
          reusable = ok;
        });
        bind(fresh, startup);
        return true;
      };
      if (!attempt()) this.line.push(attempt);
    };

    return {
      receive: (chunk) => {
        if (gone) return;
        let messages;
        try {
          messages = framer.push(chunk);
        } catch {
          end();
          return;
        }
        for (const m of messages) {
          if (gone) return;
          if (m.kind === 'ssl-request')
            client.send(Uint8Array.from([0x4e])); // 'N': no TLS here
          else if (m.kind === 'cancel') {
            this.forwardCancel(m.bytes);
            end();
          } else if (m.kind === 'terminate') end();
          else if (m.kind === 'startup') start(m.bytes);
          else toServer(m.bytes);
        }
      },
      closed: end,
    };
  }

  close(): void {
    this.closed = true;
    this.line.length = 0;
    for (const list of this.idle.values()) for (const c of list) clearTimeout(c.idleTimer);
    this.idle.clear();
    for (const s of this.sockets) s.destroy();
  }

  /** Opens a server connection; `accepted(reusable)` fires once the handshake is through. */
  private newServerConn(key: string, accepted: (reusable: boolean) => void): ServerConn {
    const socket = net.connect({ host: this.opts.host, port: this.opts.port, noDelay: true });
    this.sockets.add(socket);
    this.open++;
    this.opened++;
    const tracker = new BackendTracker();
    const handshake = new BackendFramer();
    const greeting: Uint8Array[] = [];
    let handshaking = true;
    let passwordless = true;
    const c: ServerConn = {
      key,
      socket,
      tracker,
      greeting: undefined,
      onData: () => undefined,
      onGone: () => undefined,
    };
    socket.on('data', (d: Buffer) => {
      const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
      if (handshaking) {
        for (const m of handshake.push(bytes)) {
          if (m.type === 0x52 /* R */ && !isAuthOk(m.bytes)) passwordless = false;
          if (m.type === 0x53 /* S */ || m.type === 0x4b /* K */) greeting.push(m.bytes);
          if (m.type === 0x5a /* Z */) {
            handshaking = false;
            if (passwordless) c.greeting = concatBytes([AUTH_OK, ...greeting, m.bytes]);
            accepted(passwordless);
          }
        }
      }
      c.onData(bytes);
    });
    const gone = (): void => {
      if (!this.sockets.delete(socket)) return;
      this.open--;
      this.dropIdle(c);
      c.onGone();
      this.wake();
    };
    socket.on('close', gone);
    socket.on('error', () => socket.destroy());
    return c;
  }

  /** Resets a server connection for the next client, or closes it if that fails. */
  private reset(c: ServerConn): void {
    c.onGone = () => undefined;
    c.onData = (bytes) => {
      if (c.tracker.push(bytes) === 0) return;
      if (!c.tracker.atBoundary() || c.tracker.status !== 'I' || this.closed) {
        return this.destroy(c);
      }
      c.onData = () => this.destroy(c); // nothing may arrive while idle
      const list = this.idle.get(c.key) ?? [];
      list.push(c);
      this.idle.set(c.key, list);
      // An idle connection never keeps the process alive.
      c.idleTimer = setTimeout(() => this.destroy(c), this.idleMs).unref();
      this.wake();
    };
    c.socket.write(DISCARD_ALL);
  }

  private destroy(c: ServerConn): void {
    if (c.idleTimer) clearTimeout(c.idleTimer);
    c.socket.destroy();
  }

  /** Closes one idle connection (of any key) to make room; false when there is none. */
  private evictIdle(): boolean {
    for (const [key, list] of this.idle) {
      const c = list.shift();
      if (list.length === 0) this.idle.delete(key);
      if (c) {
        this.destroy(c);
        // Its slot frees when the socket closes; count it free now so the caller can go on.
        this.sockets.delete(c.socket);
        this.open--;
        return true;
      }
    }
    return false;
  }

  private dropIdle(c: ServerConn): void {
    const list = this.idle.get(c.key);
    const i = list?.indexOf(c) ?? -1;
    if (list && i >= 0) list.splice(i, 1);
    if (list && list.length === 0) this.idle.delete(c.key);
  }

  /** Serves waiting clients, in order, while there is room. */
  private wake(): void {
    while (this.line.length > 0 && (this.line[0] as () => boolean)()) this.line.shift();
  }

  private forwardCancel(bytes: Uint8Array): void {
    const s = net.connect({ host: this.opts.host, port: this.opts.port }, () => s.end(bytes));
    s.on('error', () => s.destroy());
  }
}

function isAuthOk(message: Uint8Array): boolean {
  return message.length === 9 && message[8] === 0 && message[7] === 0 && message[6] === 0;
}
