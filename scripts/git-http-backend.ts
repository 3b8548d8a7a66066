/**
 * git's own `git http-backend` (CGI) behind a small Node HTTP server, serving the bare
 * repositories under one directory with push enabled, as a self-hosted git server would: the
 * baseline of the benchmarks and the reference server of the differential test (which turns on
 * `receive.fsckObjects`, as Plue behaves). A request whose body is cut short has its CGI's stdin
 * closed, so receive-pack sees a truncated pack (as behind any web server) instead of waiting
 * forever.
 */
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitServer {
  url: string;
  close(): Promise<void>;
}

export interface GitServerOptions {
  /** Check pushed objects as `receive.fsckObjects` does (off by default, as in git). */
  fsckObjects?: boolean;
  /** The REMOTE_USER git's hooks and logs see. */
  user?: string;
}

/** Serves every bare repository under `root` (anonymously, read and write) on a loopback port. */
export async function startGitHttpBackend(
  root: string,
  opts: GitServerOptions = {},
): Promise<GitServer> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        HOME: root,
        GIT_CONFIG_NOSYSTEM: '1',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        HTTP_GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
        REMOTE_USER: opts.user ?? 'plue',
        REMOTE_ADDR: '127.0.0.1',
        GIT_CONFIG_COUNT: '2',
        GIT_CONFIG_KEY_0: 'http.receivepack',
        GIT_CONFIG_VALUE_0: 'true',
        GIT_CONFIG_KEY_1: 'receive.fsckObjects',
        GIT_CONFIG_VALUE_1: opts.fsckObjects ? 'true' : 'false',
      },
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    req.pipe(cgi.stdin);
    cgi.stdin.on('error', () => undefined);
    req.on('close', () => {
      if (!req.complete) cgi.stdin.end();
    });
    let head = Buffer.alloc(0);
    let started = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (started) {
        if (!res.write(chunk)) {
          cgi.stdout.pause();
          res.once('drain', () => cgi.stdout.resume());
        }
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      started = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
        const i = line.indexOf(':');
        const k = line.slice(0, i).trim();
        const v = line.slice(i + 1).trim();
        if (k.toLowerCase() === 'status') status = Number(v.split(' ')[0]);
        else res.setHeader(k, v);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    cgi.on('close', () => {
      if (!started && !res.headersSent) res.writeHead(500).end('http-backend failed\n');
      else res.end();
    });
    cgi.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
