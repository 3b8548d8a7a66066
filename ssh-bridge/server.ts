/**
 * The SSH server: accepts TCP connections, authenticates public keys (signature verified here,
 * owner looked up through the Worker's internal API), enforces the limits (auth attempts, login
 * grace, idle timeout, concurrent sessions per key and in total), and hands each `exec` of a git
 * command to git-session.ts. A `shell` request gets the "no shell access" greeting. Stateless:
 * nothing but the host key lives on disk.
 */
import { createServer, type Server as NetServer, type Socket } from 'node:net';
// ssh2 is CommonJS: Node's ESM loader exposes only its default export.
import ssh2, {
  type AuthContext,
  type CipherAlgorithm,
  type ClientInfo,
  type Connection,
  type ServerChannel,
  type Session,
} from 'ssh2';
import { ChannelInput, ChannelOutput } from './channel-io';
import { parseGitCommand } from './command';
import { protocolVersionOf, runGitSession } from './git-session';
import { fingerprintOf, hostKeyPath, loadOrCreateHostKey } from './host-key';
import { acceptsAesGcm, AES_GCM, otherCiphers, readClientHello, takeOverWrites } from './transport';
import { Upstream, type SshUser } from './upstream';

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
  /** Shared secret for the Worker's internal API. */
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

interface Identity {
  user: SshUser;
  fingerprint: string;
}

const IDENT = 'Plue';
/** What ssh2 sends first for `ident: IDENT`; transport.ts sends it earlier in its place. */
const IDENT_LINE = Buffer.from(`SSH-2.0-${IDENT}\r\n`, 'latin1');
/** How long to wait for the client's KEXINIT before serving it the full cipher list. */
const HELLO_WAIT_MS = 2000;
/** The key type named inside a public key wire blob (e.g. `ssh-ed25519`). */
function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** Starts the SSH bridge and resolves once it listens. */
export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const limits: Limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const hostKey = loadOrCreateHostKey(hostKeyPath(opts.dataDir));
  const upstream = new Upstream({ url: opts.upstreamUrl, secret: opts.secret });
  const write = opts.log ?? ((l: string) => console.log(l));
  const log = (msg: string, fields: Record<string, unknown> = {}): void =>
    write(
      JSON.stringify({ time: new Date().toISOString(), component: 'ssh-bridge', msg, ...fields }),
    );

  let sessions = 0;
  const perKey = new Map<string, number>();
  // Key lookups in flight, shared by the connections that present the same key meanwhile (a
  // burst of clones costs the Worker one lookup). Answers are not kept once they arrive: a key
  // deleted before a connection asks is refused unless a lookup begun before the deletion is
  // still on its way (a window of one round trip to the Worker).
  const inFlight = new Map<string, Promise<SshUser | undefined>>();
  const lookupShared = (fingerprint: string, keyLine: string): Promise<SshUser | undefined> => {
    let p = inFlight.get(fingerprint);
    if (!p) {
      p = upstream.lookupKey(keyLine);
      inFlight.set(fingerprint, p);
      const done = (): void => {
        inFlight.delete(fingerprint);
      };
      p.then(done, done);
    }
    return p;
  };
  const sockets = new Set<Socket>();

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

  function onConnection(client: Connection, info: ClientInfo): void {
    const peer = `${info.ip}:${info.port}`;
    let identity: Identity | undefined;
    let failures = 0;
    const lookups = new Map<string, Promise<SshUser | undefined>>();
    const grace = setTimeout(() => client.end(), limits.loginGraceMs);

    const refuse = (ctx: AuthContext, why: string, fields: Record<string, unknown> = {}): void => {
      failures++;
      log('auth rejected', { peer, why, ...fields });
      ctx.reject(['publickey']);
      if (failures >= limits.maxAuthAttempts) {
        log('too many auth attempts', { peer });
        client.end();
      }
    };

    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') {
        ctx.reject(['publickey']);
        return;
      }
      const blob = ctx.key.data;
      const type = keyTypeOf(blob);
      const fingerprint = fingerprintOf(blob);
      if (!type) return refuse(ctx, 'malformed key');
      if (ctx.signature) {
        const key = ssh2.utils.parseKey(blob);
        // Only a valid signature over this session's data proves the client holds the key.
        if (
          key instanceof Error ||
          !ctx.blob ||
          key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true
        ) {
          return refuse(ctx, 'bad signature', { fingerprint });
        }
      }
      let lookup = lookups.get(fingerprint);
      if (!lookup) {
        lookup = lookupShared(fingerprint, `${type} ${blob.toString('base64')}`);
        lookups.set(fingerprint, lookup);
      }
      lookup.then(
        (user) => {
          if (!user) return refuse(ctx, 'unknown key', { fingerprint });
          if (ctx.signature) identity = { user, fingerprint };
          ctx.accept();
        },
        (err: unknown) => {
          lookups.delete(fingerprint);
          refuse(ctx, 'key lookup failed', { fingerprint, error: (err as Error).message });
        },
      );
    });

    client.on('ready', () => {
      clearTimeout(grace);
      if (!identity) return client.end();
      const who = identity;
      log('authenticated', { peer, user: who.user.login, fingerprint: who.fingerprint });
      client.on('session', (accept) => handleSession(accept(), who, peer));
    });
    client.on('error', (err) => log('connection error', { peer, error: err.message }));
    client.on('close', () => clearTimeout(grace));
  }

  function acquire(who: Identity): string | undefined {
    if (sessions >= limits.maxSessions) {
      return `ERROR: Plue's SSH service is busy (${limits.maxSessions} sessions running); try again in a moment.`;
    }
    const mine = perKey.get(who.fingerprint) ?? 0;
    if (mine >= limits.maxSessionsPerKey) {
      return `ERROR: Too many concurrent SSH sessions for this key (limit ${limits.maxSessionsPerKey}); wait for some to finish.`;
    }
    sessions++;
    perKey.set(who.fingerprint, mine + 1);
    return undefined;
  }

  function release(who: Identity): void {
    sessions--;
    const left = (perKey.get(who.fingerprint) ?? 1) - 1;
    if (left <= 0) perKey.delete(who.fingerprint);
    else perKey.set(who.fingerprint, left);
  }

  function handleSession(session: Session, who: Identity, peer: string): void {
    let gitProtocol = '';
    session.on('env', (accept, _reject, info) => {
      if (info.key === 'GIT_PROTOCOL') gitProtocol = String(info.val).slice(0, 200);
      accept?.();
    });
    session.on('pty', (accept) => accept?.());
    session.on('window-change', (accept) => accept?.());
    session.on('subsystem', (_accept, reject) => reject?.());
    session.on('shell', (accept) => {
      const channel = accept();
      const out = new ChannelOutput(channel);
      void out
        .error(
          `Hi ${who.user.login}! You've authenticated, but Plue does not provide shell access.`,
        )
        .then(() => out.finish(1));
    });
    session.on('exec', (accept, _reject, info) => {
      const channel = accept();
      void runExec(channel, info.command, gitProtocol, who, peer);
    });
  }

  async function runExec(
    channel: ServerChannel,
    line: string,
    gitProtocol: string,
    who: Identity,
    peer: string,
  ): Promise<void> {
    const out = new ChannelOutput(channel);
    const parsed = parseGitCommand(line);
    if (!parsed.ok) {
      log('command refused', { peer, user: who.user.login, command: line.slice(0, 200) });
      await out.error(`ERROR: ${parsed.message}`);
      return out.finish(1);
    }
    const busy = acquire(who);
    if (busy) {
      log('session limit', { peer, user: who.user.login });
      await out.error(busy);
      return out.finish(1);
    }
    const started = Date.now();
    const protocol = protocolVersionOf(gitProtocol);
    const command = parsed.command;
    let code = 1;
    try {
      code = await runGitSession({
        upstream,
        user: who.user,
        command,
        protocol,
        input: new ChannelInput(channel),
        out,
        log: (msg, fields) => log(msg, { peer, user: who.user.login, ...fields }),
      });
    } catch (err) {
      log('session failed', { peer, error: (err as Error).message });
      await out.error('ERROR: Plue hit an internal error; try again later.');
    } finally {
      release(who);
    }
    log('session done', {
      peer,
      user: who.user.login,
      service: command.service,
      repo: `${command.owner}/${command.repo}`,
      protocol,
      code,
      ms: Date.now() - started,
    });
    await out.finish(code);
  }

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
    activeSessions: () => sessions,
    close: async () => {
      await new Promise<void>((resolve) => {
        tcp.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      upstream.close();
    },
  };
}
