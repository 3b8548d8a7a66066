/**
 * Bodies of the SSH bridge's internal API (workers/routes/internal/ssh.ts), checked by the Worker
 * when they arrive and by the bridge (ssh-bridge/upstream.ts) when the answers come back. Pure.
 */
import { z } from 'zod';

/**
 * POST /internal/ssh/lookup: the presented public key, `<type> <base64>`, and, for the signed
 * attempt, the client's proof: the data it signed and its signature (workers/services/identity/
 * ssh-key-proof.ts), base64, with the RSA hash of `rsa-sha2-256`/`-512`.
 */
export const sshLookupRequest = z.object({
  key: z.string({ error: 'must be a public key line' }).max(16 * 1024),
  proof: z
    .object({
      blob: z.string({ error: 'must be base64' }).max(32 * 1024),
      signature: z.string({ error: 'must be base64' }).max(4 * 1024),
      hash: z
        .enum(['sha1', 'sha256', 'sha512'], { error: 'must be sha1, sha256 or sha512' })
        .optional(),
    })
    .optional(),
});
export const sshLookupAnswer = z.object({
  user: z.object({ id: z.number().int().nonnegative(), login: z.string().min(1) }),
  /** With a valid proof: the session ticket the bridge acts for this user with (X-Plue-Ssh-Ticket). */
  ticket: z.string().min(1).max(4096).optional(),
});

/** POST /internal/ssh/grant: one git command of the SSH user on `owner/repo`. */
export const sshGrantRequest = z.object({
  owner: z.string({ error: 'must be a string' }).max(200),
  repo: z.string({ error: 'must be a string' }).max(200),
  action: z.enum(['read', 'write'], { error: 'must be read or write' }),
});
export const sshGrantAnswer = z.object({ grant: z.string().min(1) });
