/**
 * Bodies of the SSH bridge's internal API (workers/routes/internal/ssh.ts), checked by the Worker
 * when they arrive and by the bridge (ssh-bridge/upstream.ts) when the answers come back. Pure.
 */
import { z } from 'zod';

/** POST /internal/ssh/lookup: the presented public key, `<type> <base64>`. */
export const sshLookupRequest = z.object({
  key: z.string({ error: 'must be a public key line' }).max(16 * 1024),
});
export const sshLookupAnswer = z.object({
  user: z.object({ id: z.number().int().nonnegative(), login: z.string().min(1) }),
  /** The session ticket the bridge acts for this user with (X-Plue-Ssh-Ticket). */
  ticket: z.string().min(1).max(4096),
});

/** POST /internal/ssh/grant: one git command of the SSH user on `owner/repo`. */
export const sshGrantRequest = z.object({
  owner: z.string({ error: 'must be a string' }).max(200),
  repo: z.string({ error: 'must be a string' }).max(200),
  action: z.enum(['read', 'write'], { error: 'must be read or write' }),
});
export const sshGrantAnswer = z.object({ grant: z.string().min(1) });
