/**
 * A loopback stand-in for the Worker's bridge-facing surface, for the SSH bridge's own tests:
 * `POST /internal/ssh/lookup` against a key table, `POST /internal/ssh/grant` by `access`, and git smart HTTP served by git's real
 * `git http-backend` (CGI) over bare repositories, with the Worker's identity headers (the
 * bridge's credential; a session ticket, here simply `ticket-<user id>`, names the user), its
 * 404/403 plain-text refusals; upload-pack in every protocol version (v0/v1 stateless-rpc as the
 * bridge sends it), with filters and any-object wants allowed. Records every git request and whether
 * its body arrived complete, so tests can see an aborted push.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUser {
  id: number;
  login: string;
}

export type Access = 'none' | 'read' | 'write';

export interface RecordedRequest {
  method: string;
  path: string;
  userId: string | undefined;
  /** False when the connection closed before the body ended. */
  complete: boolean;
}

export interface FakeWorker {
  url: string;
  /** `<type> <base64>` → user. */
  keys: Map<string, FakeUser>;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeWorkerOptions {
  /** Directory holding `<owner>/<repo>.git` bare repositories. */
  root: string;
  secret: string;
  access(userId: number, owner: string, repo: string): Access;
  /** Answers this many grant requests with 503 (database unreachable) first. */
  grantFailures?: { remaining: number };
}

const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`${body}\n`);
}

async function readAll(req: IncomingMessage): Promise<string> {
  let s = '';
  for await (const c of req) s += String(c);
  return s;
}

/** Runs `git http-backend` for one request, streaming the body in and the answer out. */
function cgi(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  pathInfo: string,
  rec: RecordedRequest,
): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: root,
      PATH_INFO: pathInfo,
      REQUEST_METHOD: req.method ?? 'GET',
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_USER: 'bridge',
      REMOTE_ADDR: '127.0.0.1',
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'uploadpack.allowFilter',
      GIT_CONFIG_VALUE_0: 'true',
      GIT_CONFIG_KEY_1: 'uploadpack.allowAnySHA1InWant',
      GIT_CONFIG_VALUE_1: 'true',
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined);
  req.on('close', () => {
    rec.complete = req.complete;
    if (!req.complete) child.kill('SIGKILL');
  });
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (started) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    started = true;
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      const k = line.slice(0, i).trim();
      const v = line.slice(i + 1).trim();
      if (/^status$/i.test(k)) status = parseInt(v, 10);
      else headers[k] = v;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  child.on('close', () => {
    if (!started) text(res, 500, 'http-backend failed');
    else res.end();
  });
}

/** Starts the stand-in on a free loopback port. */
export async function startFakeWorker(opts: FakeWorkerOptions): Promise<FakeWorker> {
  const keys = new Map<string, FakeUser>();
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    void (async () => {
      if (req.headers['x-plue-bridge-secret'] !== opts.secret)
        return text(res, 401, 'Bad bridge secret');
      const ticket = /^ticket-(\d+)$/.exec(String(req.headers['x-plue-ssh-ticket'] ?? ''));
      const ticketUser = ticket?.[1];
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/internal/ssh/lookup') {
        const body = JSON.parse(await readAll(req)) as { key: string; proof?: unknown };
        const { key } = body;
        const user = keys.get(key);
        if (!user) {
          res.writeHead(404, { 'Content-Type': 'application/json' });
          return res.end('{"error":{"code":"ssh_key_unknown","message":"No user has this key"}}');
        }
        // The real Worker checks the proof's signature; the stand-in only wants one for a ticket.
        const proved = typeof body.proof === 'object' && body.proof !== null;
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify(proved ? { user, ticket: `ticket-${user.id}` } : { user }));
      }
      if (req.method === 'POST' && url.pathname === '/internal/ssh/grant') {
        // The Worker's one authorisation per git command; the git routes below check anyway.
        if (opts.grantFailures && opts.grantFailures.remaining > 0) {
          opts.grantFailures.remaining--;
          res.writeHead(503, { 'Content-Type': 'application/json' });
          return res.end('{"error":{"code":"unavailable","message":"database unreachable"}}');
        }
        if (ticketUser === undefined) return text(res, 401, 'No ticket');
        const userId = Number(ticketUser);
        const { owner, repo, action } = JSON.parse(await readAll(req)) as Record<string, string>;
        const access = opts.access(userId, owner ?? '', repo ?? '');
        const refuse = (status: number, message: string): void => {
          res.writeHead(status, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'refused', message } }));
        };
        if (access === 'none') return refuse(404, 'Repository not found');
        if (action === 'write' && access !== 'write')
          return refuse(403, `Permission to ${owner}/${repo} denied`);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        return res.end(JSON.stringify({ grant: `fake.${userId}` }));
      }
      const m = GIT_PATH.exec(url.pathname);
      const userId = ticketUser;
      const rec: RecordedRequest = {
        method: req.method ?? '',
        path: url.pathname,
        userId,
        complete: false,
      };
      requests.push(rec);
      if (!m || !userId) return text(res, 404, 'Not found');
      const [, owner, repo, what] = m as unknown as [string, string, string, string];
      const write =
        what === 'git-receive-pack' || url.searchParams.get('service') === 'git-receive-pack';
      const access = opts.access(Number(userId), owner, repo);
      if (access === 'none') return text(res, 404, 'Repository not found');
      if (write && access !== 'write')
        return text(res, 403, `Permission to ${owner}/${repo} denied`);
      cgi(req, res, opts.root, `/${owner}/${repo}.git/${what}`, rec);
    })().catch((err: unknown) => text(res, 500, String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    keys,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
