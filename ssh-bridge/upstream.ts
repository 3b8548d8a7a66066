/**
 * The bridge's HTTP side: the Worker's internal key lookup and its git smart-HTTP endpoints,
 * called with the bridge's own credential (`X-Plue-Bridge-Secret`) for the SSH user whose key it
 * looked up: the lookup answers a session ticket the Worker signed for that user, and every
 * later request carries it (`X-Plue-Ssh-Ticket`); the bridge cannot name a user by itself. Uses node:http(s) so
 * request bodies stream with back-pressure and can be aborted (a truncated push must reach the
 * Worker as a broken request, never as a complete one). Also turns the Worker's git error
 * answers into the stderr lines git users know from other forges. The internal API's bodies and
 * answers are checked with the schemas the Worker uses (common/schemas/internal-ssh.ts).
 */
import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { z } from 'zod';
import { errorAnswer } from '../common/schemas/error-answer';
import {
  sshGrantAnswer,
  sshLookupAnswer,
  type sshGrantRequest,
  type sshLookupRequest,
} from '../common/schemas/internal-ssh';

export const BRIDGE_SECRET_HEADER = 'X-Plue-Bridge-Secret';
/** The Worker's signed session ticket for the user a key lookup found. */
export const SSH_TICKET_HEADER = 'X-Plue-Ssh-Ticket';
/** Carries the Worker's signed authorisation of one git command (see /internal/ssh/grant). */
export const REPO_GRANT_HEADER = 'X-Plue-Repo-Grant';
const USER_AGENT = 'plue-ssh-bridge';

/** The owner of a key, as a lookup without proof answers it. */
export interface KeyOwner {
  id: number;
  login: string;
}

/** An authenticated user: the owner of a key whose signature the Worker checked too. */
export interface SshUser extends KeyOwner {
  /** The Worker's session ticket for this user (from the key lookup with the proof). */
  ticket: string;
}

/** The client's signature over its authentication request (see /internal/ssh/lookup). */
export type KeyProof = NonNullable<z.input<typeof sshLookupRequest>['proof']>;

export interface UpstreamOptions {
  /** The Worker's base URL, e.g. http://127.0.0.1:8787 */
  url: string;
  secret: string;
}

/** An in-flight request: write the body to `req`, then await `response`. */
export interface PendingRequest {
  req: ClientRequest;
  response: Promise<IncomingMessage>;
}

/** A client for one Worker; keeps connections alive between requests. */
export class Upstream {
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly secret: string;

  constructor(opts: UpstreamOptions) {
    this.base = new URL(opts.url);
    this.secret = opts.secret;
    const Agent = this.base.protocol === 'https:' ? https.Agent : http.Agent;
    this.agent = new Agent({ keepAlive: true, maxSockets: 256 });
  }

  /** Starts a request; the caller writes/ends the body. */
  request(method: string, path: string, headers: Record<string, string>): PendingRequest {
    const url = new URL(path, this.base);
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(url, {
      method,
      agent: this.agent,
      headers: { 'User-Agent': USER_AGENT, [BRIDGE_SECRET_HEADER]: this.secret, ...headers },
    });
    const response = new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', reject);
    });
    // The promise may never be awaited when the caller aborts first.
    response.catch(() => undefined);
    return { req, response };
  }

  /** Headers that make the Worker treat a request as coming from `user` over SSH. */
  asUser(user: SshUser): Record<string, string> {
    // The ticket names the user (and their login, which spares the Worker a database read).
    return { [SSH_TICKET_HEADER]: user.ticket };
  }

  /**
   * Authorises one git command of `user` on `owner/repo` once: the grant to send back on each of
   * its git requests, or the Worker's refusal (HTTP status and message) to show the user.
   */
  async grant(
    user: SshUser,
    owner: string,
    repo: string,
    action: 'read' | 'write',
  ): Promise<{ grant: string } | { status: number; message: string }> {
    // A 503 means the Worker could not reach its database in time: try again shortly before
    // telling the user Plue is unavailable.
    for (let attempt = 0; ; attempt++) {
      const answer = await this.grantOnce(user, owner, repo, action);
      const wait = RETRY_503_MS[attempt];
      if (!('status' in answer) || answer.status !== 503 || wait === undefined) return answer;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private async grantOnce(
    user: SshUser,
    owner: string,
    repo: string,
    action: 'read' | 'write',
  ): Promise<{ grant: string } | { status: number; message: string }> {
    const { req, response } = this.request('POST', '/internal/ssh/grant', {
      ...this.asUser(user),
      'Content-Type': 'application/json',
    });
    const ask: z.input<typeof sshGrantRequest> = { owner, repo, action };
    req.end(JSON.stringify(ask));
    const res = await response;
    const body = (await readBody(res, 64 * 1024)).toString('utf8');
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      // The status alone decides the message.
    }
    const granted = sshGrantAnswer.safeParse(parsed);
    if (res.statusCode === 200 && granted.success) return { grant: granted.data.grant };
    const refused = errorAnswer.safeParse(parsed);
    const message = refused.success ? refused.data.error.message : '';
    return { status: res.statusCode === 200 ? 502 : (res.statusCode ?? 502), message };
  }

  /** The user owning `keyLine` (`<type> <base64>`), or undefined when no one has it. */
  async lookupKey(keyLine: string): Promise<KeyOwner | undefined> {
    const found = await this.lookup({ key: keyLine });
    return found?.user;
  }

  /**
   * The user owning `keyLine` with the session ticket the Worker signs once it has checked the
   * client's signature itself; undefined when no one has the key or the proof fails.
   */
  async proveKey(keyLine: string, proof: KeyProof): Promise<SshUser | undefined> {
    const found = await this.lookup({ key: keyLine, proof });
    if (found?.ticket === undefined) return undefined;
    return { ...found.user, ticket: found.ticket };
  }

  private async lookup(
    ask: z.input<typeof sshLookupRequest>,
  ): Promise<z.output<typeof sshLookupAnswer> | undefined> {
    const { req, response } = this.request('POST', '/internal/ssh/lookup', {
      'Content-Type': 'application/json',
    });
    req.end(JSON.stringify(ask));
    const res = await response;
    const body = await readBody(res, 64 * 1024);
    // 404: nobody has the key; 401 with a proof: the signature did not verify.
    if (res.statusCode === 404 || (res.statusCode === 401 && ask.proof)) return undefined;
    if (res.statusCode !== 200) {
      throw new Error(`key lookup: HTTP ${res.statusCode}: ${body.toString('utf8').slice(0, 200)}`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      // Not JSON: reported below as an unexpected answer.
    }
    const found = sshLookupAnswer.safeParse(parsed);
    if (!found.success) throw new Error('key lookup: unexpected answer');
    return found.data;
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Pauses before the retries of a grant the Worker answered with 503. */
const RETRY_503_MS = [250, 1000];

/** Reads a (small) response body, refusing more than `max` bytes. */
export async function readBody(res: IncomingMessage, max: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of res) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > max) {
      res.destroy();
      throw new Error('upstream answer too large');
    }
    parts.push(b);
  }
  return Buffer.concat(parts);
}

/**
 * The stderr text for a failed git request, in the words git users know:
 * 404 → "Repository not found.", 403 → "Permission to owner/repo denied.".
 */
export function describeGitFailure(status: number, body: string, fullName: string): string {
  const text = body.trim().split('\n')[0]?.slice(0, 300) ?? '';
  if (status === 404) return 'ERROR: Repository not found.';
  if (status === 403) {
    if (/^Permission to /.test(text)) return `ERROR: ${text.replace(/\.$/, '')}.`;
    return `ERROR: Permission to ${fullName} denied.${text ? ` ${text}` : ''}`;
  }
  if (status === 401) return 'ERROR: Plue could not verify this SSH session; try again later.';
  if (status === 413) return `ERROR: ${text || 'The push is too large.'}`;
  if (status === 429) return 'ERROR: Too many requests; try again in a minute.';
  return `ERROR: Plue is unavailable right now (HTTP ${status}); try again later.`;
}
