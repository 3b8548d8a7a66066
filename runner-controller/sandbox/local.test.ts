// Escape attempts against the local bubblewrap backend, each of which must be denied: the
// controller's environment and files, the Plue checkout and its .plue/ state, $HOME, host
// processes, the host's services (loopback, its own addresses) with or without network, private
// and link-local addresses from a networked step, the time limit and the memory limit.
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { homedir, networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isRoot,
  probeResults,
  probeScript,
  startHostServer,
  startOutsideServer,
  startPrivateServer,
  type TestServer,
} from '../../test/helpers/outside-network';
import { probeLimits } from './cgroup';
import { LocalBackend } from './local';
import { DEFAULT_NETWORK_TOOLS, hostIPv4Addresses, SLIRP_DNS } from './step-network';
import type { RunResult, RunSpec } from './types';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const backend = new LocalBackend({ killGraceMs: 300 });
const workspaces: string[] = [];

function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plue-ws-test-'));
  workspaces.push(dir);
  return dir;
}

async function run(
  cmd: string,
  extra: Partial<RunSpec> = {},
): Promise<RunResult & { out: string; err: string }> {
  let out = '';
  let err = '';
  const res = await backend.run({
    cmd,
    cwd: workspace(),
    env: {},
    timeoutMs: 10_000,
    network: false,
    onOutput: (stream, chunk) => {
      if (stream === 'stdout') out += Buffer.from(chunk).toString();
      else err += Buffer.from(chunk).toString();
    },
    ...extra,
  });
  return { ...res, out, err };
}

/** Host processes whose command line contains `needle`. */
function hostProcessesWith(needle: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(needle)) found.push(Number(entry));
    } catch {
      // Exited meanwhile.
    }
  }
  return found;
}

afterAll(() => {
  backend.close();
  for (const dir of workspaces) rmSync(dir, { recursive: true, force: true });
});

describe('local sandbox backend', () => {
  beforeAll(async () => {
    const check = await backend.check();
    expect(check.ok, check.detail).toBe(true);
  });

  it('runs a step in its workspace, writable, as an unprivileged user', async () => {
    const res = await run('echo hello > f.txt && cat f.txt && id -u && pwd && echo "$HOME"');
    expect(res.exitCode).toBe(0);
    const [hello, uid, pwd, home] = res.out.trim().split('\n');
    expect(hello).toBe('hello');
    expect(Number(uid)).not.toBe(0);
    expect(pwd).toBe('/workspace');
    expect(home).toBe('/workspace');
    const denied = await run('touch /usr/evil 2>&1; touch /etc/evil 2>&1; echo done');
    expect(denied.out).toMatch(/Read-only file system|Permission denied/);
    expect(denied.out).not.toMatch(/^done\n$/);
  });

  it("cannot see the controller's environment, via env or /proc/1/environ", async () => {
    const secret = `plue-test-secret-${Math.random().toString(36).slice(2)}`;
    process.env.PLUE_SANDBOX_TEST_SECRET = secret;
    try {
      const res = await run(
        'env; for f in /proc/[0-9]*/environ; do tr "\\0" "\\n" < "$f"; done; echo END',
        { env: { STEP_VAR: 'visible' } },
      );
      expect(res.out).toContain('STEP_VAR=visible');
      expect(res.out).toContain('END');
      expect(res.out).not.toContain(secret);
      expect(res.out).not.toContain('PLUE_SANDBOX_TEST_SECRET');
      const names = res.out
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => l.split('=')[0]);
      expect(new Set(names)).toEqual(new Set(['STEP_VAR', 'PATH', 'HOME', 'PWD']));
    } finally {
      delete process.env.PLUE_SANDBOX_TEST_SECRET;
    }
  });

  it('does not put step secrets in any host command line', async () => {
    const secret = `argv-secret-${Math.random().toString(36).slice(2)}`;
    const abort = new AbortController();
    let seen: number[] | undefined;
    const res = await backend.run({
      cmd: 'echo ready; sleep 5',
      cwd: workspace(),
      env: { TOKEN: secret },
      timeoutMs: 10_000,
      network: false,
      signal: abort.signal,
      onOutput: () => {
        seen = hostProcessesWith(secret);
        abort.abort();
      },
    });
    expect(res.cancelled).toBe(true);
    expect(seen).toEqual([]);
  });

  it("gives the step's environment to the sandbox only, never to the wrappers outside it", async () => {
    // The wrappers (cgroup shell, unshare, setpriv, bwrap) run as root: an LD_PRELOAD from the
    // step's env would run a workspace file as root on the host.
    const secret = `env-secret-${Math.random().toString(36).slice(2)}`;
    const ownPidNs = readlinkSync('/proc/self/ns/pid');
    for (const network of [false, true]) {
      const abort = new AbortController();
      let outside: string[] | undefined;
      let inside = 0;
      const res = await backend.run({
        cmd: 'echo ready; sleep 5',
        cwd: workspace(),
        env: { TOKEN: secret, LD_PRELOAD: '/nonexistent/preload.so' },
        timeoutMs: 10_000,
        network,
        signal: abort.signal,
        onOutput: () => {
          outside = [];
          for (const pid of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
            try {
              if (!readFileSync(`/proc/${pid}/environ`, 'utf8').includes(secret)) continue;
              if (readlinkSync(`/proc/${pid}/ns/pid`) === ownPidNs) outside.push(pid);
              else inside++;
            } catch {
              // Exited meanwhile, or not ours to read.
            }
          }
          abort.abort();
        },
      });
      expect(res.cancelled).toBe(true);
      expect(outside, `network ${network}`).toEqual([]);
      expect(inside, `network ${network}`).toBeGreaterThan(0);
    }
  });

  it('cannot reach files outside the workspace: the Plue checkout, .plue/ state, $HOME', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'plue-outside-'));
    workspaces.push(outside);
    writeFileSync(join(outside, 'secret.txt'), 'outside-secret');
    const paths = [
      join(repoRoot, 'package.json'),
      join(repoRoot, '.plue'),
      repoRoot,
      homedir(),
      join(outside, 'secret.txt'),
      '/etc/shadow',
      '/root',
      '/home',
      '/var',
      '/work',
    ];
    const script = paths.map((p) => `[ -e '${p}' ] && echo "VISIBLE ${p}"`).join('; ');
    const res = await run(`${script}; cat '${join(outside, 'secret.txt')}' 2>/dev/null; echo END`);
    expect(res.out).toBe('END\n');
    // Positive control: the same probe sees a path that does exist.
    const control = await run(`[ -e /usr/bin/env ] && echo "VISIBLE /usr/bin/env"`);
    expect(control.out).toContain('VISIBLE');
  });

  it('has its own PID namespace: no host processes', async () => {
    const res = await run(
      'echo $$; ls /proc | grep -c "^[0-9]"; cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " "',
    );
    const [pid, count, cmdlines] = res.out.split('\n');
    expect(Number(pid)).toBeLessThan(10);
    expect(Number(count)).toBeLessThan(10);
    expect(cmdlines).not.toMatch(/node|vitest|postgres|workerd/);
  });

  describe('network', () => {
    let host: TestServer;
    let privateServer: TestServer | undefined;
    let outside: TestServer | undefined;
    beforeAll(async () => {
      host = await startHostServer();
      if (isRoot) {
        privateServer = await startPrivateServer();
        outside = await startOutsideServer();
      }
    });
    afterAll(async () => {
      await host?.close();
      await privateServer?.close();
      await outside?.close();
    });

    /** Every way to the host's own services: loopback, slirp's gateway, each host address. */
    const hostTargets = () => [
      { host: '127.0.0.1', port: host.port },
      { host: '10.0.2.2', port: host.port },
      ...hostIPv4Addresses().map((a) => ({ host: a, port: host.port })),
      ...Object.values(networkInterfaces())
        .flat()
        .filter((a) => a?.family === 'IPv6')
        .map((a) => ({ host: (a as { address: string }).address, port: host.port })),
    ];

    it("cannot reach a TCP server on the host's loopback without network", async () => {
      const res = await run(probeScript([{ host: '127.0.0.1', port: host.port }]));
      expect(res.out).toMatch(/FAIL/);
      expect(res.out).not.toContain(host.greeting);
      expect(host.connections()).toBe(0);
    });

    it("a networked step cannot reach the host's own services on any address", async () => {
      const targets = hostTargets();
      const res = await run(probeScript(targets), { network: true });
      const results = probeResults(res.out);
      for (const t of targets) {
        expect(results.get(`${t.host}:${t.port}`), `${t.host} in ${res.out}`).toMatch(/^FAIL/);
      }
      expect(res.out).not.toContain(host.greeting);
      expect(host.connections()).toBe(0);
    });

    it('a networked step cannot reach private, link-local or metadata addresses', async (ctx) => {
      if (!privateServer) ctx.skip(); // needs root to add a private address to this host
      const p = privateServer as TestServer;
      const targets = [
        { host: p.host, port: p.port },
        { host: '169.254.169.254', port: 80 },
        { host: '10.0.2.3', port: 80 },
        { host: '100.64.0.1', port: 80 },
        { host: '172.16.0.1', port: 80 },
        { host: '192.168.0.1', port: 80 },
      ];
      const res = await run(probeScript(targets), { network: true });
      const results = probeResults(res.out);
      for (const t of targets) {
        // Refused by the step's filter at once (EHOSTUNREACH), not a timeout that could pass
        // only because nothing listens there.
        expect(results.get(`${t.host}:${t.port}`), res.out).toMatch(/FAIL .*(113|No route)/);
      }
      expect(p.connections()).toBe(0);
    });

    it('a networked step reaches a server on a public address, and cannot lift its filter', async (ctx) => {
      // Needs root: the "outside" server sits behind a veth pair this test creates.
      if (!outside || !privateServer) ctx.skip();
      const o = outside as TestServer;
      const p = privateServer as TestServer;
      const script = [
        probeScript([{ host: o.host, port: o.port }]),
        'nft flush ruleset 2>&1; ip route add 10.0.0.0/8 dev tap0 2>&1; echo tried',
        probeScript([
          { host: p.host, port: p.port },
          { host: '10.0.2.2', port: host.port },
        ]),
      ].join('; ');
      const res = await run(script, { network: true });
      const results = probeResults(res.out);
      expect(results.get(`${o.host}:${o.port}`), res.out).toBe(`OK ${o.greeting}`);
      expect(o.connections()).toBe(1);
      expect(res.out).toMatch(/Operation not permitted/);
      expect(results.get(`${p.host}:${p.port}`), res.out).toMatch(/^FAIL/);
      expect(results.get(`10.0.2.2:${host.port}`), res.out).toMatch(/^FAIL/);
      expect(p.connections() + host.connections()).toBe(0);
    });

    it('a networked step never runs without its filter or its uplink', async () => {
      for (const broken of [{ nft: '/nonexistent/nft' }, { slirp4netns: '/nonexistent/slirp' }]) {
        const b = new LocalBackend({
          killGraceMs: 300,
          networkTools: { ...DEFAULT_NETWORK_TOOLS, ...broken },
        });
        const ws = workspace();
        let out = '';
        try {
          await expect(
            b.run({
              cmd: 'echo ran > ran.txt',
              cwd: ws,
              env: {},
              timeoutMs: 10_000,
              network: true,
              onOutput: (_s, chunk) => {
                out += Buffer.from(chunk).toString();
              },
            }),
          ).rejects.toThrow(/cannot set up the step's network: (bwrap ended|cannot start slirp)/);
        } finally {
          b.close();
        }
        expect(existsSync(join(ws, 'ran.txt')), out).toBe(false);
      }
    });

    it('leaves no uplink behind when a networked step times out while it is set up', async () => {
      // An uplink that becomes ready only after the step's time is up, then lingers.
      const dir = workspace();
      const marker = '1000.5151';
      const slow = join(dir, 'slow-slirp');
      const started = join(dir, 'uplink-started');
      writeFileSync(
        slow,
        `#!/bin/sh\nsleep 0.6\necho 1 >&3\ntouch '${started}'\nexec sleep ${marker}\n`,
        { mode: 0o755 },
      );
      const b = new LocalBackend({
        killGraceMs: 100,
        networkTools: { ...DEFAULT_NETWORK_TOOLS, slirp4netns: slow },
      });
      try {
        const res = await b.run({
          cmd: 'sleep 5',
          cwd: workspace(),
          env: {},
          timeoutMs: 200,
          network: true,
          onOutput: () => undefined,
        });
        expect(res.timedOut).toBe(true);
      } finally {
        b.close();
      }
      // run() returned only once the uplink it had started was known, and stopped it.
      expect(existsSync(started)).toBe(true);
      expect(hostProcessesWith(`sleep ${marker}`)).toEqual([]);
    });

    it('a networked step resolves names through the uplink, not the host resolver', async () => {
      const res = await run('cat /etc/resolv.conf; ip -4 route', { network: true });
      expect(res.exitCode).toBe(0);
      expect(res.out).toContain(`nameserver ${SLIRP_DNS}`);
      expect(res.out).toMatch(/default via 10\.0\.2\.2 dev tap0/);
    });
  });

  it('timeout kills the whole process tree, detached children included', async () => {
    const marker = '1000.4242';
    const res = await run(
      `sleep ${marker} & setsid sleep ${marker} & nohup sleep ${marker} >/dev/null 2>&1 & sleep ${marker}`,
      { timeoutMs: 800 },
    );
    expect(res.timedOut).toBe(true);
    expect(res.cancelled).toBe(false);
    expect(res.exitCode).not.toBe(0);
    expect(hostProcessesWith(`sleep ${marker}`)).toEqual([]);
  });

  it('cancellation kills the tree and reports cancelled', async () => {
    const marker = '1000.4343';
    const abort = new AbortController();
    const res = await backend.run({
      cmd: `sleep ${marker} & echo started; sleep ${marker}`,
      cwd: workspace(),
      env: {},
      timeoutMs: 10_000,
      network: false,
      signal: abort.signal,
      onOutput: () => abort.abort(),
    });
    expect(res.cancelled).toBe(true);
    expect(res.timedOut).toBe(false);
    expect(hostProcessesWith(`sleep ${marker}`)).toEqual([]);
  });

  it('reports a step that exceeds its memory limit as oomKilled', async (ctx) => {
    if (probeLimits().problems.memory !== undefined) ctx.skip();
    const res = await run(
      'python3 -c "x = bytearray(300 * 1024 * 1024); print(len(x))"; echo "exit $?"',
      { memoryBytes: 64 * 1024 * 1024 },
    );
    expect(res.oomKilled).toBe(true);
    expect(res.out).toMatch(/exit 137/);
    const fine = await run('python3 -c "x = bytearray(8 * 1024 * 1024); print(len(x))"', {
      memoryBytes: 64 * 1024 * 1024,
    });
    expect(fine.oomKilled).toBe(false);
    expect(fine.exitCode).toBe(0);
  });

  it('caps output but keeps draining, and honours back-pressure from the sink', async () => {
    const capped = await run('head -c 200000 /dev/zero; echo done >&2', { maxOutputBytes: 1000 });
    expect(capped.exitCode).toBe(0);
    expect(capped.outputBytes).toBe(1000);
    expect(capped.droppedBytes).toBe(200000 + 'done\n'.length - 1000);
    let out = '';
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = await backend.run({
      cmd: 'seq 1 30000',
      cwd: workspace(),
      env: {},
      timeoutMs: 15_000,
      network: false,
      onOutput: async (_s, chunk) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        // A consumer that yields to the event loop: more output arrives meanwhile.
        await new Promise((r) => setImmediate(r));
        out += Buffer.from(chunk).toString();
        inFlight--;
      },
    });
    expect(slow.exitCode).toBe(0);
    expect(maxInFlight).toBe(1);
    const lines = out.trim().split('\n');
    expect(lines.length).toBe(30000);
    expect(lines[29999]).toBe('30000');
  });

  it('reports the exit status of a failing step', async () => {
    const res = await run('echo oops >&2; exit 3');
    expect(res.exitCode).toBe(3);
    expect(res.err).toBe('oops\n');
    expect(res.timedOut || res.cancelled).toBe(false);
  });
});
