/**
 * Carries one git command from an SSH channel to the Worker's smart-HTTP endpoints.
 * - upload-pack (fetch), protocol v2: the capability advertisement from `GET info/refs`, then
 *   each flush-terminated command request from the client becomes one POST whose answer is
 *   streamed back unchanged. Protocol v0/v1 (clients that did not send `GIT_PROTOCOL=version=2`):
 *   the ref advertisement, then upload-pack-v0.ts turns the stateful session into stateless
 *   requests.
 * - receive-pack (push), v0: the advertisement without its `# service=` preamble, then the whole
 *   client input streamed into ONE POST (ended after the commands for delete-only pushes); a
 *   client that disconnects mid-push aborts that POST so the Worker never sees a complete pack.
 * - upload-archive: refused with a clean NACK.
 * Every path returns the exit status; the caller sends it after the data.
 */
import type { IncomingMessage } from 'node:http';
import { DELIM_PKT, encodePktLine, FLUSH_PKT, PktLineReader } from '../common/git/pkt-line';
import { pipeToChannel, type ChannelInput, type ChannelOutput } from './channel-io';
import type { GitCommand } from './command';
import { PushHeadParser } from './push-head';
import { serveUploadPackV0 } from './upload-pack-v0';
import {
  describeGitFailure,
  readBody,
  REPO_GRANT_HEADER,
  type SshUser,
  type Upstream,
} from './upstream';

export interface GitSession {
  upstream: Upstream;
  user: SshUser;
  command: GitCommand;
  /** The protocol version the client asked for in `GIT_PROTOCOL` (0 when it asked for none). */
  protocol: 0 | 1 | 2;
  input: ChannelInput;
  out: ChannelOutput;
  log: (msg: string, fields?: Record<string, unknown>) => void;
}

const MAX_ADVERTISEMENT = 64 * 1024 * 1024;
const MAX_V2_REQUEST = 16 * 1024 * 1024;

/** The `GIT_PROTOCOL` environment value's version (gitprotocol-v2: colon-separated keys). */
export function protocolVersionOf(gitProtocol: string): 0 | 1 | 2 {
  const keys = gitProtocol.split(':');
  if (keys.includes('version=2')) return 2;
  return keys.includes('version=1') ? 1 : 0;
}

/** Runs the command; resolves with the exit status to report. */
export async function runGitSession(s: GitSession): Promise<number> {
  switch (s.command.service) {
    case 'git-upload-pack':
      return uploadPack(s);
    case 'git-receive-pack':
      return receivePack(s);
    case 'git-upload-archive':
      await s.out.write(encodePktLine('NACK git-upload-archive is not supported by Plue yet\n'));
      return 1;
  }
}

function repoPath(c: GitCommand): string {
  return `/${encodeURIComponent(c.owner)}/${encodeURIComponent(c.repo)}.git`;
}

async function fail(s: GitSession, res: IncomingMessage): Promise<number> {
  let body = '';
  try {
    body = (await readBody(res, 64 * 1024)).toString('utf8');
  } catch {
    // The status alone decides the message.
  }
  const status = res.statusCode ?? 502;
  s.log('git request refused', { status, repo: `${s.command.owner}/${s.command.repo}` });
  await s.out.error(describeGitFailure(status, body, `${s.command.owner}/${s.command.repo}`));
  return 1;
}

async function unavailable(s: GitSession, err: unknown): Promise<number> {
  s.log('upstream failed', { error: (err as Error).message });
  await s.out.error('ERROR: Plue is unavailable right now; try again later.');
  return 1;
}

/** Drops the `# service=…` pkt-line and its flush that smart HTTP puts before a v0 advertisement. */
export function stripServicePreamble(body: Uint8Array): Uint8Array {
  const head = new TextDecoder().decode(body.subarray(4, 14));
  if (head !== '# service=') return body;
  const len = parseInt(new TextDecoder().decode(body.subarray(0, 4)), 16);
  if (!(len > 4) || body.length < len + 4) return body;
  const flush = new TextDecoder().decode(body.subarray(len, len + 4));
  return body.subarray(flush === '0000' ? len + 4 : len);
}

/** GETs an advertisement; a Response-like result or the exit status of a failure. */
async function advertisement(
  s: GitSession,
  service: string,
  headers: Record<string, string>,
): Promise<Uint8Array | number> {
  try {
    const { req, response } = s.upstream.request(
      'GET',
      `${repoPath(s.command)}/info/refs?service=${service}`,
      headers,
    );
    req.end();
    const res = await response;
    if (res.statusCode !== 200) return fail(s, res);
    return stripServicePreamble(await readBody(res, MAX_ADVERTISEMENT));
  } catch (err) {
    return unavailable(s, err);
  }
}

/** One v2 command request (up to its flush), or undefined at a bare flush / EOF (done). */
export async function readV2Request(
  input: ChannelInput,
  reader: PktLineReader,
): Promise<Uint8Array | undefined> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const p = reader.next();
    if (!p) {
      const chunk = await input.next();
      if (!chunk) {
        if (parts.length === 0 && reader.buffered === 0) return undefined;
        throw new Error('the request ended in the middle');
      }
      reader.push(chunk);
      continue;
    }
    if (p.type === 'flush') {
      if (parts.length === 0) return undefined;
      parts.push(FLUSH_PKT);
      return Buffer.concat(parts);
    }
    if (p.type === 'response-end') throw new Error('unexpected response-end packet');
    const enc = p.type === 'delim' ? DELIM_PKT : encodePktLine(p.data);
    size += enc.length;
    if (size > MAX_V2_REQUEST) throw new Error('request too large');
    parts.push(enc);
  }
}

/**
 * The headers of the command's git requests: the user, and the Worker's one authorisation of
 * the command, so its requests need no database read; or the exit status of a refusal.
 */
async function authorised(
  s: GitSession,
  action: 'read' | 'write',
): Promise<Record<string, string> | number> {
  const { owner, repo } = s.command;
  let answer;
  try {
    answer = await s.upstream.grant(s.user, owner, repo, action);
  } catch (err) {
    return unavailable(s, err);
  }
  if ('status' in answer) {
    s.log('git request refused', { status: answer.status, repo: `${owner}/${repo}` });
    await s.out.error(describeGitFailure(answer.status, answer.message, `${owner}/${repo}`));
    return 1;
  }
  return { ...s.upstream.asUser(s.user), [REPO_GRANT_HEADER]: answer.grant };
}

async function uploadPack(s: GitSession): Promise<number> {
  const auth = await authorised(s, 'read');
  if (typeof auth === 'number') return auth;
  if (s.protocol !== 2) return uploadPackV0(s, auth);
  const headers = { ...auth, 'Git-Protocol': 'version=2' };
  const adv = await advertisement(s, 'git-upload-pack', headers);
  if (typeof adv === 'number') return adv;
  await s.out.write(adv);
  const reader = new PktLineReader();
  for (;;) {
    let request: Uint8Array | undefined;
    try {
      request = await readV2Request(s.input, reader);
    } catch (err) {
      if (s.input.aborted) return 1;
      await s.out.error(`ERROR: bad request from the git client: ${(err as Error).message}`);
      return 1;
    }
    if (!request) return 0;
    try {
      const { req, response } = s.upstream.request(
        'POST',
        `${repoPath(s.command)}/git-upload-pack`,
        {
          ...headers,
          'Content-Type': 'application/x-git-upload-pack-request',
          Accept: 'application/x-git-upload-pack-result',
        },
      );
      req.end(request);
      const res = await response;
      if (res.statusCode !== 200) return fail(s, res);
      if (!(await pipeToChannel(res, s.out))) return 1;
    } catch (err) {
      return unavailable(s, err);
    }
  }
}

async function uploadPackV0(s: GitSession, auth: Record<string, string>): Promise<number> {
  const adv = await advertisement(
    s,
    'git-upload-pack',
    s.protocol === 1 ? { ...auth, 'Git-Protocol': 'version=1' } : auth,
  );
  if (typeof adv === 'number') return adv;
  await s.out.write(adv);
  const post = async (body: Uint8Array): Promise<IncomingMessage | number> => {
    try {
      const { req, response } = s.upstream.request(
        'POST',
        `${repoPath(s.command)}/git-upload-pack`,
        {
          ...auth,
          'Content-Type': 'application/x-git-upload-pack-request',
          Accept: 'application/x-git-upload-pack-result',
        },
      );
      req.end(body);
      const res = await response;
      return res.statusCode === 200 ? res : fail(s, res);
    } catch (err) {
      return unavailable(s, err);
    }
  };
  try {
    return await serveUploadPackV0(s.input, s.out, post);
  } catch (err) {
    if (s.input.aborted || s.out.isClosed) return 1;
    return unavailable(s, err);
  }
}

async function receivePack(s: GitSession): Promise<number> {
  const headers = await authorised(s, 'write');
  if (typeof headers === 'number') return headers;
  const adv = await advertisement(s, 'git-receive-pack', headers);
  if (typeof adv === 'number') return adv;
  await s.out.write(adv);

  // Hold the first chunks until the commands are complete: they decide whether a POST is needed
  // and where a delete-only body ends.
  const parser = new PushHeadParser();
  const held: Buffer[] = [];
  let head;
  for (;;) {
    const chunk = await s.input.next();
    if (!chunk) return held.length === 0 && !s.input.aborted ? 0 : 1;
    held.push(chunk);
    head = parser.push(chunk);
    if (head.kind === 'more') continue;
    if (head.kind === 'empty') return 0;
    if (head.kind === 'invalid') {
      await s.out.error(`ERROR: bad push request: ${head.message}`);
      return 1;
    }
    break;
  }

  const { req, response } = s.upstream.request('POST', `${repoPath(s.command)}/git-receive-pack`, {
    ...headers,
    'Content-Type': 'application/x-git-receive-pack-request',
    Accept: 'application/x-git-receive-pack-result',
  });
  const first = Buffer.concat(held);
  const upload = (async (): Promise<void> => {
    if (head.allDeletes) {
      req.end(first.subarray(0, head.headLength));
      return;
    }
    if (!req.write(first)) await drained(req);
    s.log('push forwarding', { repo: `${s.command.owner}/${s.command.repo}` });
    for (;;) {
      const chunk = await s.input.next();
      if (!chunk) break;
      if (req.destroyed) return;
      if (!req.write(chunk)) await drained(req);
    }
    if (s.input.aborted) {
      // The client is gone mid-push: break the request so the Worker sees a truncated body.
      s.log('client disconnected during push; aborting upstream');
      req.destroy(new Error('client disconnected'));
      return;
    }
    req.end();
  })();
  upload.catch(() => undefined);

  try {
    const res = await response;
    if (res.statusCode !== 200) {
      req.destroy();
      return fail(s, res);
    }
    if (!(await pipeToChannel(res, s.out))) {
      req.destroy();
      return 1;
    }
    await upload;
    return 0;
  } catch (err) {
    if (s.input.aborted || s.out.isClosed) {
      s.log('push ended early', { error: (err as Error).message, aborted: s.input.aborted });
      return 1;
    }
    return unavailable(s, err);
  }
}

function drained(req: NodeJS.WritableStream & { destroyed: boolean }): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      req.off('drain', done);
      req.off('close', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
  });
}
