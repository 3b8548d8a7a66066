/**
 * The SSH server: accepts TCP connections (at most `maxConnections`, closed when idle), picks the
 * cipher offer from the client's hello (transport.ts), and hands each connection to
 * authenticate.ts (public keys, auth attempts, login grace) and its sessions to session.ts
 * (concurrent sessions per key and in total, `exec` of a git command, the `shell` greeting).
 * Stateless: nothing but the host key lives on disk.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
// ssh2 is CommonJS: Node's ESM loader exposes only its default export.
import ssh2, { type CipherAlgorithm, type ClientInfo, type Connection } from 'ssh2';
import { authenticateConnection, KeyLookups, type BridgeLog } from './authenticate';
import { hostKeyPath, loadOrCreateHostKey } from './host-key';
import { handleSession, SessionSlots, type SessionContext } from './session';
import { acceptsAesGcm, AES_GCM, otherCiphers, readClientHello, takeOverWrites } from './transport';
import { Upstream } from './upstream';

export interface Limits {
  /** Failed public-key attempts before the connection is dropped. */
  maxAuthAttempts: number;
  /** Time allowed from TCP accept to successful authentication. */
  loginGraceMs: number;
  /** No bytes in either direction for this long closes the connection. */
  idleTimeoutMs: number;
  /** Concurrent sessions (running commands) over all users. */
  maxSessions: number;
  /** Concurrent sessions authenticated by one key. */
  maxSessionsPerKey: number;
  /** Open TCP connections (authenticated or not); more are refused at accept. */
  maxConnections: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxAuthAttempts: 6,
  loginGraceMs: 30_000,
  idleTimeoutMs: 10 * 60_000,
  maxSessions: 256,
  maxSessionsPerKey: 64,
  maxConnections: 1024,
};

export interface BridgeOptions {
  /** The Worker's base URL. */
  upstreamUrl: string;
  /** The bridge's credential for the Worker's internal API (PLUE_BRIDGE_SECRET). */
  secret: string;
  /** Where the host key lives (`ssh_host_ed25519_key`). */
  dataDir: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  limits?: Partial<Limits>;
  /** One JSON log line per event; defaults to stdout. */
  log?: (line: string) => void;
}

export interface Bridge {
  port: number;
  fingerprint: string;
  publicKey: string;
  /** Sessions running right now. */
  activeSessions(): number;
  close(): Promise<void>;
}

const IDENT = 'Plue';
/** What ssh2 sends first for `ident: IDENT`; transport.ts sends it earlier in its place. */
const IDENT_LINE = Buffer.from(`SSH-2.0-${IDENT}\r\n`, 'latin1');
/** How long to wait for the client's KEXINIT before serving it the full cipher list. */
const HELLO_WAIT_MS = 2000;

/** One JSON log line per event, written by `write`. */
function jsonLog(write: (line: string) => void): BridgeLog {
  return (msg, fields = {}) =>
    write(
      JSON.stringify({ time: new Date().toISOString(), component: 'ssh-bridge', msg, ...fields }),
    );
}

/** Starts the SSH bridge and resolves once it listens. */
export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const hostKey = loadOrCreateHostKey(hostKeyPath(opts.dataDir));
  const upstream = new Upstream({ url: opts.upstreamUrl, secret: opts.secret });
  const log = jsonLog(opts.log ?? ((l: string) => console.log(l)));
  const keys = new KeyLookups(upstream);
  const sessionContext: SessionContext = {
    upstream,
    log,
    slots: new SessionSlots(limits.maxSessions, limits.maxSessionsPerKey),
  };

  const onConnection = (client: Connection, info: ClientInfo): void => {
    const peer = `${info.ip}:${info.port}`;
    authenticateConnection(client, {
      peer,
      maxAuthAttempts: limits.maxAuthAttempts,
      loginGraceMs: limits.loginGraceMs,
      keys,
      log,
      onAuthenticated: (who) =>
        client.on('session', (accept) => handleSession(sessionContext, accept(), who, peer)),
    });
    client.on('error', (err) => log('connection error', { peer, error: err.message }));
  };

  // Clients take the first cipher of their own list that the server offers. OpenSSH lists
  // chacha20-poly1305, then aes-ctr, then aes-gcm: chacha20 runs natively only with ssh2's
  // optional add-on (JavaScript otherwise, far slower than Node's AES-NI), and aes-ctr needs an
  // HMAC-SHA-256 beside it. So every client that accepts AES-GCM gets a server offering only
  // that (transport.ts reads the client's KEXINIT to know); the others get AES, plus chacha20
  // when the add-on is there.
  const makeServer = (cipher?: string[]): InstanceType<typeof ssh2.Server> =>
    new ssh2.Server({
      hostKeys: [hostKey.privateKey],
      ident: IDENT,
      ...(cipher ? { algorithms: { cipher: cipher as CipherAlgorithm[] } } : {}),
    }).on('connection', onConnection);
  const gcmServer = makeServer(AES_GCM);
  const generalServer = makeServer(otherCiphers());

  const sockets = new Set<Socket>();
  const tcp: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.setNoDelay(true);
    // Inactivity in both directions; a stalled or vanished client frees its session.
    socket.setTimeout(limits.idleTimeoutMs, () => socket.destroy());
    readClientHello(socket, IDENT_LINE, HELLO_WAIT_MS, (hello) => {
      takeOverWrites(socket, IDENT_LINE);
      (acceptsAesGcm(hello) ? gcmServer : generalServer).injectSocket(socket);
    });
  });
  tcp.maxConnections = limits.maxConnections;
  await new Promise<void>((resolve, reject) => {
    tcp.once('error', reject);
    tcp.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const address = tcp.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  log('listening', { host: opts.host ?? '127.0.0.1', port, fingerprint: hostKey.fingerprint });

  return {
    port,
    fingerprint: hostKey.fingerprint,
    publicKey: hostKey.publicKey,
    activeSessions: () => sessionContext.slots.active,
    close: async () => {
      await new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      upstream.close();
    },
  };
}
