/** Users' SSH keys: add (unique by fingerprint across users), list, delete, and lookup for the bridge. */
import { z } from 'zod';
import type { Db } from '../../../db/client';
import {
  deleteSshKey,
  insertSshKey,
  listSshKeys,
  useSshKey,
  type SshKeyRow,
} from '../../../db/queries/ssh-keys';
import { AppError } from '../../../common/errors';
import { parseInput } from '../../../common/schemas/parse';
import { parseSshPublicKey } from './ssh-key-parse';

export interface SshKeyView {
  id: number;
  title: string;
  key: string;
  key_type: string;
  fingerprint: string;
  created_at: string;
  last_used_at: string | null;
}

export function sshKeyView(k: SshKeyRow): SshKeyView {
  return {
    id: Number(k.id),
    title: k.title,
    key: `${k.key_type} ${k.public_key}`,
    key_type: k.key_type,
    fingerprint: k.fingerprint,
    created_at: k.created_at.toISOString(),
    last_used_at: k.last_used_at?.toISOString() ?? null,
  };
}

/** The body of an SSH key request; the key line itself is read by ssh-key-parse.ts. */
export const sshKeyRequest = z.object({
  title: z.string('must be text').max(1000, 'must be at most 1000 characters').optional(),
  key: z.unknown(),
});

export async function addSshKey(db: Db, userId: string, body: unknown): Promise<SshKeyView> {
  const input = parseInput(sshKeyRequest, body);
  const parsed = parseSshPublicKey(input.key);
  const rawTitle = input.title?.trim() ?? '';
  const title = (rawTitle || parsed.comment || parsed.type).slice(0, 100);
  const row = await insertSshKey(db, {
    userId,
    title,
    keyType: parsed.type,
    publicKey: parsed.blob,
    fingerprint: parsed.fingerprint,
  });
  if (!row) throw AppError.conflict('This key is already in use', 'ssh_key_in_use');
  return sshKeyView(row);
}

export async function listUserSshKeys(db: Db, userId: string): Promise<SshKeyView[]> {
  return (await listSshKeys(db, userId)).map(sshKeyView);
}

export async function removeSshKey(db: Db, userId: string, id: string): Promise<void> {
  if (!/^\d{1,18}$/.test(id) || !(await deleteSshKey(db, userId, id))) {
    throw AppError.notFound('Key not found');
  }
}

/** The user owning a public key line (for the SSH bridge), or a 404. */
export async function lookupSshKey(
  db: Db,
  key: unknown,
  now: Date,
): Promise<{ id: number; login: string; fingerprint: string; blob: Uint8Array }> {
  const parsed = parseSshPublicKey(key);
  const user = await useSshKey(db, parsed.fingerprint, now);
  if (!user) throw AppError.notFound('No user has this key', 'ssh_key_unknown');
  return {
    id: Number(user.id),
    login: user.username,
    fingerprint: parsed.fingerprint,
    blob: Uint8Array.from(atob(parsed.blob), (ch) => ch.charCodeAt(0)),
  };
}
