/**
 * Network fixtures for sandbox tests on a machine without internet.
 *
 * - `startOutsideServer` (root only): a stand-in for "the internet", a TCP server on a public,
 *   non-private address (a random /30 from 203.0.113.0/24, TEST-NET-3) in a network namespace
 *   of its own, joined to the host by a veth pair, so the host routes to it like to any
 *   outside address. Everything is removed by `close()`.
 * - `startPrivateServer` (root only): a TCP server on a private address (10.x) that the host
 *   itself owns (a /32 on the host's loopback), i.e. what a service on a LAN or a host address
 *   looks like.
 * - `startHostServer`: a TCP server on all of the host's addresses ('::', dual stack).
 *
 * Each server answers every connection with `greeting` and closes it, and counts connections.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:net';

export interface TestServer {
  host: string;
  port: number;
  greeting: string;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export const isRoot = process.getuid?.() === 0;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

async function listen(host: string, greeting: string): Promise<{ server: Server; port: number }> {
  const server = createServer((sock) => {
    sock.on('error', () => undefined);
    sock.end(`${greeting}\n`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const addr = server.address();
  return { server, port: typeof addr === 'object' && addr ? addr.port : 0 };
}

/** A TCP server on every host address ('::' also takes IPv4). */
export async function startHostServer(greeting = 'hello from the host'): Promise<TestServer> {
  let count = 0;
  const { server, port } = await listen('::', greeting);
  server.on('connection', () => count++);
  return {
    host: '::',
    port,
    greeting,
    connections: () => count,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A TCP server on a private 10.x address owned by this host (root only). */
export async function startPrivateServer(
  greeting = 'hello from a private address',
): Promise<TestServer> {
  const host = `10.${randomInt(200, 250)}.${randomInt(0, 255)}.${randomInt(1, 254)}`;
  ip('addr', 'add', `${host}/32`, 'dev', 'lo');
  let count = 0;
  try {
    const { server, port } = await listen(host, greeting);
    server.on('connection', () => count++);
    return {
      host,
      port,
      greeting,
      connections: () => count,
      close: async () => {
        await new Promise<void>((r) => server.close(() => r()));
        ip('addr', 'del', `${host}/32`, 'dev', 'lo');
      },
    };
  } catch (err) {
    ip('addr', 'del', `${host}/32`, 'dev', 'lo');
    throw err;
  }
}

/** A TCP server on a public test address behind a veth pair (root only). */
export async function startOutsideServer(greeting = 'hello from outside'): Promise<TestServer> {
  const tag = `${process.pid % 100000}${randomInt(0, 1000)}`.slice(-7);
  const ns = `plue-out-${tag}`;
  const hostIf = `plueh${tag}`;
  const peerIf = `pluep${tag}`;
  const base = randomInt(0, 64) * 4;
  const hostAddr = `203.0.113.${base + 1}`;
  const addr = `203.0.113.${base + 2}`;
  const cleanup = (): void => {
    for (const args of [
      ['link', 'del', hostIf],
      ['netns', 'del', ns],
    ]) {
      try {
        ip(...args);
      } catch {
        // Already gone.
      }
    }
  };
  let child: ChildProcess | undefined;
  try {
    ip('netns', 'add', ns);
    ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', peerIf);
    ip('link', 'set', peerIf, 'netns', ns);
    ip('addr', 'add', `${hostAddr}/30`, 'dev', hostIf);
    ip('link', 'set', hostIf, 'up');
    ip('-n', ns, 'addr', 'add', `${addr}/30`, 'dev', peerIf);
    ip('-n', ns, 'link', 'set', peerIf, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'route', 'add', 'default', 'via', hostAddr);
    // The server prints its port, then one line per connection.
    const script = [
      'import socket, sys',
      `s = socket.socket(); s.bind((${JSON.stringify(addr)}, 0)); s.listen(16)`,
      'print(s.getsockname()[1], flush=True)',
      'while True:',
      '    c, _ = s.accept()',
      `    c.sendall(${JSON.stringify(`${greeting}\n`)}.encode()); c.close()`,
      "    print('conn', flush=True)",
    ].join('\n');
    const proc = spawn('ip', ['netns', 'exec', ns, 'python3', '-c', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = proc;
    let count = 0;
    const port = await new Promise<number>((resolve, reject) => {
      let buf = '';
      proc.stdout.on('data', (d: Buffer) => {
        buf += d.toString();
        const lines = buf.split('\n');
        buf = lines.pop() ?? '';
        for (const line of lines) {
          if (line === 'conn') count++;
          else if (/^\d+$/.test(line)) resolve(Number(line));
        }
      });
      proc.once('exit', (code) => reject(new Error(`outside server exited (${code})`)));
    });
    return {
      host: addr,
      port,
      greeting,
      connections: () => count,
      close: async () => {
        const exited = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGKILL');
        await exited;
        cleanup();
      },
    };
  } catch (err) {
    child?.kill('SIGKILL');
    cleanup();
    throw err;
  }
}

/**
 * A python3 one-liner for a sandboxed step: connects to each `host port` target and prints
 * `<host> <port> OK <greeting, if the server sends one>` or `<host> <port> FAIL <error>`.
 */
export function probeScript(targets: Array<{ host: string; port: number }>, timeoutS = 3): string {
  const list = JSON.stringify(targets.map((t) => [t.host, t.port]));
  const code = [
    'import socket',
    `for h, p in ${list}:`,
    '    try:',
    `        s = socket.create_connection((h, p), timeout=${timeoutS})`,
    '    except Exception as e:',
    "        print(h, p, 'FAIL', repr(e), flush=True)",
    '        continue',
    // Connected is enough: HTTP and PostgreSQL servers wait for the client to speak first.
    '    try:',
    '        s.settimeout(1); greeting = s.recv(200).decode().strip()',
    '    except Exception:',
    "        greeting = ''",
    "    print(h, p, 'OK', greeting, flush=True)",
  ].join('\n');
  return `python3 -c '${code.replaceAll("'", `'"'"'`)}'`;
}

/** Parses probeScript's output into host:port → result line. */
export function probeResults(out: string): Map<string, string> {
  const results = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^(\S+) (\d+) (OK|FAIL) ?(.*)$/.exec(line.trim());
    if (m) results.set(`${m[1]}:${m[2]}`, `${m[3]} ${m[4]}`);
  }
  return results;
}
