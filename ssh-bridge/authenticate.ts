/**
 * Public-key authentication of one SSH connection: the signature is verified here, the key's
 * owner is looked up through the Worker's internal API (lookups of one key in flight at the same
 * time are shared between connections), and too many failed attempts end the connection. The
 * signed attempt goes to the Worker with the signature itself, which checks it again and only
 * then answers the session ticket the bridge acts for the user with: the bridge's credential
 * alone names nobody.
 */
// ssh2 is CommonJS: Node's ESM loader exposes only its default export.
import ssh2, { type AuthContext, type Connection } from 'ssh2';
import { fingerprintOf } from './host-key';
import type { KeyOwner, KeyProof, SshUser, Upstream } from './upstream';

/** Who an authenticated connection belongs to. */
export interface Identity {
  user: SshUser;
  fingerprint: string;
}

/** One JSON log line: a message and its fields. */
export type BridgeLog = (msg: string, fields?: Record<string, unknown>) => void;

/** The key type named inside a public key wire blob (e.g. `ssh-ed25519`). */
function keyTypeOf(blob: Buffer): string | undefined {
  if (blob.length < 4) return undefined;
  const len = blob.readUInt32BE(0);
  if (len === 0 || len > 64 || blob.length < 4 + len) return undefined;
  return blob.subarray(4, 4 + len).toString('latin1');
}

/**
 * Key lookups in flight, shared by the connections that present the same key meanwhile (a burst
 * of clones costs the Worker one lookup). Answers are not kept once they arrive: a key deleted
 * before a connection asks is refused unless a lookup begun before the deletion is still on its
 * way (a window of one round trip to the Worker).
 */
export class KeyLookups {
  private readonly inFlight = new Map<string, Promise<KeyOwner | undefined>>();

  constructor(private readonly upstream: Upstream) {}

  /** The owner of a key (`undefined`: no such key), sharing a lookup already on its way. */
  lookup(fingerprint: string, keyLine: string): Promise<KeyOwner | undefined> {
    let p = this.inFlight.get(fingerprint);
    if (!p) {
      p = this.upstream.lookupKey(keyLine);
      this.inFlight.set(fingerprint, p);
      const done = (): void => {
        this.inFlight.delete(fingerprint);
      };
      p.then(done, done);
    }
    return p;
  }

  /** The key's owner with a session ticket, once the Worker has checked the signature too. */
  prove(keyLine: string, proof: KeyProof): Promise<SshUser | undefined> {
    return this.upstream.proveKey(keyLine, proof);
  }
}

export interface AuthOptions {
  peer: string;
  maxAuthAttempts: number;
  loginGraceMs: number;
  keys: KeyLookups;
  log: BridgeLog;
  /** Called once the connection is ready and authenticated by a signature. */
  onAuthenticated: (who: Identity) => void;
}

/**
 * Answers the connection's authentication requests and ends it when authentication takes longer
 * than the login grace, fails too often, or completes without a signed key.
 */
export function authenticateConnection(client: Connection, opts: AuthOptions): void {
  const { peer, log } = opts;
  let identity: Identity | undefined;
  let failures = 0;
  // One lookup per key per connection: the query (no signature) and the signed request share it.
  const lookups = new Map<string, Promise<KeyOwner | undefined>>();
  const grace = setTimeout(() => client.end(), opts.loginGraceMs);

  const refuse = (ctx: AuthContext, why: string, fields: Record<string, unknown> = {}): void => {
    failures++;
    log('auth rejected', { peer, why, ...fields });
    ctx.reject(['publickey']);
    if (failures >= opts.maxAuthAttempts) {
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
      // The Worker checks the signature again before it names the user (a ticket).
      const hash: KeyProof['hash'] =
        ctx.hashAlgo === 'sha256' ? 'sha256' : ctx.hashAlgo === 'sha512' ? 'sha512' : undefined;
      const proof = {
        blob: ctx.blob.toString('base64'),
        signature: ctx.signature.toString('base64'),
        ...(hash === undefined ? {} : { hash }),
      };
      opts.keys.prove(`${type} ${blob.toString('base64')}`, proof).then(
        (user) => {
          if (!user) return refuse(ctx, 'unknown key or proof refused', { fingerprint });
          identity = { user, fingerprint };
          ctx.accept();
        },
        (err: unknown) =>
          refuse(ctx, 'key lookup failed', { fingerprint, error: (err as Error).message }),
      );
      return;
    }
    let lookup = lookups.get(fingerprint);
    if (!lookup) {
      lookup = opts.keys.lookup(fingerprint, `${type} ${blob.toString('base64')}`);
      lookups.set(fingerprint, lookup);
    }
    lookup.then(
      (user) => {
        if (!user) return refuse(ctx, 'unknown key', { fingerprint });
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
    log('authenticated', { peer, user: identity.user.login, fingerprint: identity.fingerprint });
    opts.onAuthenticated(identity);
  });
  client.on('close', () => clearTimeout(grace));
}
