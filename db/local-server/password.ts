/**
 * Password authentication for the embedded database's endpoints (PGlite has none of its own:
 * it is one backend in this process and answers every startup message with AuthenticationOk).
 * The password is random, made once per data directory and kept beside PGlite's files with
 * mode 0600, or made per process for an in-memory database; it reaches the Worker, migrations
 * and tests inside the connection string that startLocalDatabase returns.
 *
 * The method is PostgreSQL's `password` (AuthenticationCleartextPassword): every client speaks
 * it (psql, node-postgres, the Neon driver, which uses it against Neon's proxy too), and the
 * endpoints listen on loopback only, where nobody else sees the bytes.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** File in the PGlite data directory that holds its password. */
export const PASSWORD_FILE = 'plue-local-password';

/** A new random password (URL-safe, so it goes into a connection string as it is). */
export function newPassword(): string {
  return randomBytes(24).toString('hex');
}

/** The data directory's password, made on first use. */
export function dataDirPassword(dataDir: string): string {
  const file = join(dataDir, PASSWORD_FILE);
  if (existsSync(file)) {
    const pw = readFileSync(file, 'utf8').trim();
    if (/^[0-9a-f]{32,128}$/.test(pw)) return pw;
    throw new Error(`${file} does not hold a password made by Plue; delete it to make a new one`);
  }
  const pw = newPassword();
  writeFileSync(file, `${pw}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return pw;
}

/** Compares a presented password with the expected one in constant time. */
export function passwordMatches(presented: Uint8Array, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/** AuthenticationCleartextPassword. */
export const AUTH_CLEARTEXT = Uint8Array.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]);

/**
 * The password of a PasswordMessage ('p', length, NUL-terminated string), or undefined when the
 * bytes are not one.
 */
export function parsePasswordMessage(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length < 6 || bytes[0] !== 0x70) return undefined;
  const len = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(1);
  if (len !== bytes.length - 1) return undefined;
  const end = bytes.indexOf(0, 5);
  if (end !== bytes.length - 1) return undefined;
  return bytes.subarray(5, end);
}

/** An ErrorResponse with severity FATAL. */
export function fatalError(code: string, message: string): Uint8Array {
  const field = (t: string, v: string): Buffer => Buffer.from(`${t}${v}\0`, 'utf8');
  const body = Buffer.concat([
    field('S', 'FATAL'),
    field('V', 'FATAL'),
    field('C', code),
    field('M', message),
    Buffer.from([0]),
  ]);
  const out = Buffer.alloc(5 + body.length);
  out[0] = 0x45; // 'E'
  out.writeInt32BE(4 + body.length, 1);
  body.copy(out, 5);
  return new Uint8Array(out);
}
