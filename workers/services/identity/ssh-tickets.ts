/**
 * SSH session tickets: what the SSH bridge gets back when it looks up the key a connection
 * presented together with the client's signature (checked by the Worker, ssh-key-proof.ts), and
 * the only way it can then act for that key's owner. A ticket names the user
 * (id, login) and the key's fingerprint, expires after `SSH_TICKET_TTL_MS`, and is signed with
 * the Worker's own key (worker-signing.ts), so the bridge's secret alone names nobody: there is
 * no user-id header to fill in. The bridge sends the ticket (`X-Plue-Ssh-Ticket`) when it asks
 * for a repository grant and on each git request of the session.
 */
import type { Env } from '../../env';
import { signBody, verifiedBody } from './worker-signing';

export const SSH_TICKET_HEADER = 'X-Plue-Ssh-Ticket';
/** Long enough for one SSH session's git command (a large push), short enough to die soon. */
export const SSH_TICKET_TTL_MS = 30 * 60_000;

export interface SshTicketUser {
  id: string;
  login: string;
}

interface TicketBody {
  /** user id */
  u: string;
  /** login */
  l: string;
  /** key fingerprint */
  k: string;
  /** expiry, ms since the epoch */
  e: number;
}

/** A ticket for `user`, who owns the key with `fingerprint`. */
export function issueSshTicket(
  env: Env,
  user: { id: number; login: string },
  fingerprint: string,
  now: Date,
): Promise<string> {
  const body: TicketBody = {
    u: String(user.id),
    l: user.login,
    k: fingerprint,
    e: now.getTime() + SSH_TICKET_TTL_MS,
  };
  return signBody(env, 'ssh-ticket', body);
}

/** The user of a genuine, unexpired ticket, or undefined. */
export async function userOfSshTicket(
  env: Env,
  ticket: string | undefined,
  now: Date,
): Promise<SshTicketUser | undefined> {
  const body = (await verifiedBody(env, 'ssh-ticket', ticket)) as TicketBody | undefined;
  if (typeof body !== 'object' || body === null) return undefined;
  if (typeof body.u !== 'string' || !/^\d{1,18}$/.test(body.u)) return undefined;
  if (typeof body.l !== 'string' || !(body.e > now.getTime())) return undefined;
  return { id: body.u, login: body.l };
}
