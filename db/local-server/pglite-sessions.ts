/**
 * Serves one embedded PGlite database to many client connections.
 *
 * PGlite is a single PostgreSQL backend, so connections take turns: a connection holds the
 * database from its first message until PGlite answers ReadyForQuery with status idle (outside a
 * transaction), like a transaction-mode pooler. Others queue meanwhile, so concurrent requests
 * wait rather than fail. A connection that dies or idles inside a transaction is rolled back and
 * its turn released. With a password (password.ts), a connection must present it before its
 * startup message reaches PGlite. Hand-written because @electric-sql/pglite-socket pins an
 * older PGlite and speaks only TCP; this also serves the WebSocket transport the Neon driver uses.
 */
import type { PGlite } from '@electric-sql/pglite';
import { FrontendFramer, lastReadyStatus } from './pg-frames';
import { AUTH_CLEARTEXT, fatalError, parsePasswordMessage, passwordMatches } from './password';

/** A FIFO lock. */
class Gate {
  private tail: Promise<void> = Promise.resolve();
  acquire(): Promise<() => void> {
    let release!: () => void;
    const next = new Promise<void>((r) => (release = r));
    const ready = this.tail.then(() => release);
    this.tail = this.tail.then(() => next);
    return ready;
  }
}

export interface SessionTransport {
  send(bytes: Uint8Array): void;
  close(): void;
}

export interface PgliteSessionsOptions {
  /** How long a connection may hold the database without sending anything. */
  idleHoldMs?: number;
  /** The password every connection must present; none asked when unset. */
  password?: string | undefined;
}

export class PgliteSessions {
  private readonly gate = new Gate();
  private readonly idleHoldMs: number;
  private readonly password: string | undefined;

  constructor(
    private readonly db: PGlite,
    opts: PgliteSessionsOptions = {},
  ) {
    this.idleHoldMs = opts.idleHoldMs ?? 30_000;
    this.password = opts.password;
  }

  /** Opens a session for one client connection; feed it the client's bytes. */
  open(transport: SessionTransport): { receive(chunk: Uint8Array): void; closed(): void } {
    const framer = new FrontendFramer();
    let release: (() => void) | undefined;
    let inTx = false;
    let closed = false;
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    let work: Promise<void> = Promise.resolve();
    /** The startup message, held until the password is checked. */
    let pendingStartup: Uint8Array | undefined;
    let authenticated = this.password === undefined;

    const finish = async (): Promise<void> => {
      if (idleTimer) clearTimeout(idleTimer);
      if (release) {
        if (inTx) await this.db.exec('ROLLBACK').catch(() => undefined);
        inTx = false;
        release();
        release = undefined;
      }
    };

    const shutdown = (): void => {
      if (closed) return;
      closed = true;
      work = work.then(finish);
      transport.close();
    };

    const armIdle = (): void => {
      if (idleTimer) clearTimeout(idleTimer);
      if (release) idleTimer = setTimeout(shutdown, this.idleHoldMs);
    };

    const handle = async (chunk: Uint8Array): Promise<void> => {
      if (closed) return;
      let messages;
      try {
        messages = framer.push(chunk);
      } catch {
        shutdown();
        return;
      }
      for (const m of messages) {
        if (closed) return;
        if (m.kind === 'ssl-request') {
          transport.send(new Uint8Array([0x4e])); // 'N': no TLS on the loopback proxy
          continue;
        }
        if (m.kind === 'cancel' || m.kind === 'terminate') {
          shutdown();
          return;
        }
        let bytes = m.bytes;
        if (!authenticated) {
          if (m.kind === 'startup') {
            pendingStartup = m.bytes;
            transport.send(AUTH_CLEARTEXT);
            continue;
          }
          const presented = parsePasswordMessage(m.bytes);
          if (!pendingStartup || !presented || !passwordMatches(presented, this.password ?? '')) {
            transport.send(
              presented
                ? fatalError('28P01', 'password authentication failed')
                : fatalError('08P01', 'expected a password message'),
            );
            shutdown();
            return;
          }
          authenticated = true;
          bytes = pendingStartup;
          pendingStartup = undefined;
        }
        if (!release) release = await this.gate.acquire();
        if (closed) return;
        const reply = await this.db.execProtocolRaw(bytes);
        if (reply.length > 0) transport.send(reply);
        const status = lastReadyStatus(reply);
        if (status !== undefined) inTx = status !== 'I';
        if (status === 'I' && release) {
          release();
          release = undefined;
        }
      }
      armIdle();
    };

    return {
      receive: (chunk) => {
        work = work
          .then(() => handle(chunk))
          .catch((err: unknown) => {
            // A local dev aid: say why a connection was dropped (the client only sees it close).
            console.error(`pglite session closed after an error: ${(err as Error).message}`);
            shutdown();
          });
      },
      closed: () => {
        closed = true;
        work = work.then(finish);
      },
    };
  }
}
