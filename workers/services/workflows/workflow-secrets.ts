/**
 * Repository secrets for workflows: set and deleted by repository admins, listed by name,
 * stored as AES-256-GCM ciphertext (WebCrypto) under a key derived from the Worker secret
 * `PLUE_SECRETS_KEY` (SHA-256 of it), with `repo_id/name` as additional data so a ciphertext
 * cannot be moved to another secret. Values are decrypted only for a claimed run, and only the
 * ones its plan's steps declare.
 */
import type { Db } from '../../../db/client';
import { deleteSecret, listSecrets, upsertSecret } from '../../../db/queries/repo-secrets';
import type { Env } from '../../env';
import { AppError } from '../../../common/errors';

export const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,99}$/;
const MAX_VALUE_BYTES = 48 * 1024;
const DEV_KEY = 'dev-secrets-key-change-me';

const enc = new TextEncoder();

function b64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function unb64(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

async function keyOf(env: Env): Promise<CryptoKey> {
  const secret = env.PLUE_SECRETS_KEY;
  if (!secret || (env.PLUE_ENV === 'production' && secret === DEV_KEY)) {
    throw AppError.unavailable('Secrets are not configured (set PLUE_SECRETS_KEY)');
  }
  const raw = await crypto.subtle.digest('SHA-256', enc.encode(secret));
  return crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** base64(iv ‖ ciphertext) of `value`, bound to `repoId/name`. */
export async function encryptSecret(
  env: Env,
  repoId: string,
  name: string,
  value: string,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: enc.encode(`${repoId}/${name}`) },
    await keyOf(env),
    enc.encode(value),
  );
  const out = new Uint8Array(12 + ct.byteLength);
  out.set(iv);
  out.set(new Uint8Array(ct), 12);
  return b64(out);
}

export async function decryptSecret(
  env: Env,
  repoId: string,
  name: string,
  stored: string,
): Promise<string> {
  const bytes = unb64(stored);
  const pt = await crypto.subtle.decrypt(
    { name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: enc.encode(`${repoId}/${name}`) },
    await keyOf(env),
    bytes.slice(12),
  );
  return new TextDecoder().decode(pt);
}

export function checkSecretName(name: string): void {
  if (!SECRET_NAME.test(name)) {
    throw AppError.invalid(
      'Secret names are letters, digits and underscores, not starting with a digit',
      'secret_name_invalid',
    );
  }
}

/** Creates or replaces a secret; true when created. */
export async function putSecret(
  db: Db,
  env: Env,
  repoId: string,
  name: string,
  value: unknown,
): Promise<boolean> {
  checkSecretName(name);
  if (typeof value !== 'string' || value === '') {
    throw AppError.invalid('value must be a non-empty string', 'secret_value_invalid');
  }
  if (enc.encode(value).length > MAX_VALUE_BYTES) {
    throw AppError.tooLarge(`Secret values are at most ${MAX_VALUE_BYTES} bytes`);
  }
  const stored = await encryptSecret(env, repoId, name, value);
  return upsertSecret(db, repoId, name, stored, new Date());
}

export async function removeSecret(db: Db, repoId: string, name: string): Promise<void> {
  checkSecretName(name);
  if (!(await deleteSecret(db, repoId, name))) {
    throw AppError.notFound('Secret not found', 'secret_not_found');
  }
}

/** The repository's secrets by name, with when each was set: never their values. */
export async function listedSecrets(
  db: Db,
  repoId: string,
): Promise<Array<{ name: string; created_at: Date; updated_at: Date }>> {
  return (await listSecrets(db, repoId)).map(({ name, created_at, updated_at }) => ({
    name,
    created_at,
    updated_at,
  }));
}

export async function secretNames(db: Db, repoId: string): Promise<string[]> {
  return (await listSecrets(db, repoId)).map((s) => s.name);
}

/** The secret names a plan's steps declare (`secrets` and the values of `secret_env`). */
export function secretsOfPlan(plan: unknown): Set<string> {
  const names = new Set<string>();
  const steps = (plan as { steps?: unknown } | null)?.steps;
  if (!Array.isArray(steps)) return names;
  for (const s of steps as Array<Record<string, unknown>>) {
    if (Array.isArray(s.secrets))
      for (const n of s.secrets) if (typeof n === 'string') names.add(n);
    if (s.secret_env && typeof s.secret_env === 'object') {
      for (const n of Object.values(s.secret_env as Record<string, unknown>)) {
        if (typeof n === 'string') names.add(n);
      }
    }
  }
  return names;
}

/** Decrypted values of the repository secrets the plan declares. */
export async function secretsForPlan(
  db: Db,
  env: Env,
  repoId: string,
  plan: unknown,
): Promise<Record<string, string>> {
  const wanted = secretsOfPlan(plan);
  const out: Record<string, string> = {};
  if (wanted.size === 0) return out;
  for (const row of await listSecrets(db, repoId)) {
    if (wanted.has(row.name))
      out[row.name] = await decryptSecret(env, repoId, row.name, row.value_enc);
  }
  return out;
}
