/**
 * SSH authentication proofs for tests, without the bridge: a key pair made by the real
 * ssh-keygen, and what a client signs to authenticate with it (RFC 4252 §7) together with the
 * signature, as the SSH bridge forwards it to the Worker's key lookup (ECDSA as DER, like ssh2).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
// ssh2 is CommonJS: Node's ESM loader exposes only its default export.
import ssh2 from 'ssh2';

/** A key pair on disk: the private key's path and the public key line. */
export interface KeyFiles {
  path: string;
  publicLine: string;
}

/** A new key pair without passphrase under `dir` (ssh-keygen). */
export function keygenSync(dir: string, name: string, type = 'ed25519', bits?: number): KeyFiles {
  const path = join(dir, `key-${name}`);
  execFileSync(
    'ssh-keygen',
    [
      '-q',
      '-t',
      type,
      ...(bits === undefined ? [] : ['-b', String(bits)]),
      '-N',
      '',
      '-C',
      name,
      '-f',
      path,
    ],
    { stdio: 'ignore', timeout: 30_000 },
  );
  return { path, publicLine: readFileSync(`${path}.pub`, 'utf8').trim() };
}

/** An SSH string: uint32 length, then the bytes. */
function sshString(b: Buffer | string): Buffer {
  const body = typeof b === 'string' ? Buffer.from(b) : b;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(body.length);
  return Buffer.concat([len, body]);
}

/**
 * What an SSH client signs to authenticate with `key` (RFC 4252 §7), and its signature made with
 * the private key: the proof the bridge forwards to the Worker's key lookup. `signWith` signs
 * with another key instead (a forgery).
 */
export function keyProof(
  key: KeyFiles,
  signWith: KeyFiles = key,
): { blob: string; signature: string } {
  const [type, b64] = key.publicLine.split(' ') as [string, string];
  const blob = Buffer.concat([
    sshString(randomBytes(32)),
    Buffer.from([50]),
    sshString('git'),
    sshString('ssh-connection'),
    sshString('publickey'),
    Buffer.from([1]),
    sshString(type),
    sshString(Buffer.from(b64, 'base64')),
  ]);
  const priv = ssh2.utils.parseKey(readFileSync(signWith.path));
  if (priv instanceof Error || Array.isArray(priv)) throw new Error('cannot read the test key');
  const sig = priv.sign(blob);
  if (sig instanceof Error) throw sig;
  return { blob: blob.toString('base64'), signature: Buffer.from(sig).toString('base64') };
}
