/**
 * The bridge's ed25519 host key: loaded from `<dataDir>/ssh_host_ed25519_key`, or generated on
 * first start (with `ssh-keygen` when present, otherwise with Node's crypto written out in the
 * OpenSSH private key format, which ssh2 and OpenSSH both read). Also the SHA256 fingerprint as
 * `ssh-keygen -lf` prints it, so users can check it against their known_hosts prompt.
 */
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
// ssh2 is CommonJS: Node's ESM loader exposes only its default export.
import ssh2 from 'ssh2';

export const HOST_KEY_FILE = 'ssh_host_ed25519_key';

export interface HostKey {
  /** The private key file's bytes (OpenSSH format), as ssh2's `hostKeys` takes it. */
  privateKey: Buffer;
  /** `ssh-ed25519 AAAA…` */
  publicKey: string;
  /** `SHA256:…` */
  fingerprint: string;
}

/** SHA256 fingerprint of a public key wire blob, unpadded base64 as OpenSSH prints it. */
export function fingerprintOf(blob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

function sshString(data: Buffer | string): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/** An ed25519 key pair in the OpenSSH private key format (unencrypted), made with Node's crypto. */
export function generateOpenSshEd25519(comment = 'plue-ssh-bridge'): string {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  // The last 32 bytes of the SPKI/PKCS8 DER encodings are the raw public key and seed.
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(-32);
  const pubBlob = Buffer.concat([sshString('ssh-ed25519'), sshString(pub)]);
  const check = randomBytes(4);
  let priv = Buffer.concat([
    check,
    check,
    sshString('ssh-ed25519'),
    sshString(pub),
    sshString(Buffer.concat([seed, pub])),
    sshString(comment),
  ]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const whole = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString('none'),
    sshString('none'),
    sshString(''),
    Buffer.from([0, 0, 0, 1]),
    sshString(pubBlob),
    sshString(priv),
  ]);
  const b64 = whole.toString('base64').replace(/.{1,70}/g, '$&\n');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${b64}-----END OPENSSH PRIVATE KEY-----\n`;
}

function hasSshKeygen(): boolean {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // `ssh-keygen -?` exits 1 after printing usage; only a missing binary is ENOENT.
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/** Reads the host key at `path`, or creates it (mode 0600) when it does not exist yet. */
export function loadOrCreateHostKey(path: string, opts: { useSshKeygen?: boolean } = {}): HostKey {
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    if (opts.useSshKeygen ?? hasSshKeygen()) {
      execFileSync(
        'ssh-keygen',
        ['-q', '-t', 'ed25519', '-N', '', '-C', 'plue-ssh-bridge', '-f', path],
        {
          stdio: 'ignore',
        },
      );
    } else {
      writeFileSync(path, generateOpenSshEd25519(), { mode: 0o600 });
    }
    chmodSync(path, 0o600);
  }
  const privateKey = readFileSync(path);
  const parsed = ssh2.utils.parseKey(privateKey);
  if (parsed instanceof Error)
    throw new Error(`Cannot read the SSH host key ${path}: ${parsed.message}`);
  const blob = parsed.getPublicSSH();
  const publicKey = `${parsed.type} ${blob.toString('base64')}`;
  // The .pub beside it (ssh-keygen writes one too) is what operators publish for known_hosts.
  if (!existsSync(`${path}.pub`)) {
    try {
      writeFileSync(`${path}.pub`, `${publicKey} plue-ssh-bridge\n`, { mode: 0o644 });
    } catch {
      // A read-only mount (Kubernetes secret) holds only the private key; that is fine.
    }
  }
  return {
    privateKey,
    publicKey,
    fingerprint: fingerprintOf(blob),
  };
}

/** The host key path inside a data directory. */
export function hostKeyPath(dataDir: string): string {
  return join(dataDir, HOST_KEY_FILE);
}
