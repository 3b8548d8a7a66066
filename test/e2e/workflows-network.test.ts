/**
 * The sandbox network through a real workflow run: a step with `network=True` pushed with the
 * real git client, claimed by a runner controller in this process (bubblewrap backend), must
 * not reach the Worker's port, the runner controller, the database endpoints of this stack or
 * a private address, and must reach a server on a public test address (root only: the server
 * sits behind a veth pair this test creates). A step without network reaches nothing.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox } from '../helpers/git';
import {
  isRoot,
  probeResults,
  probeScript,
  startOutsideServer,
  startPrivateServer,
  type TestServer,
} from '../helpers/outside-network';
import { outputOf, pushRepo, testController, type RunJson } from './workflows-client';

const base = inject('baseUrl');
const databaseEndpoints = inject('databaseEndpoints');

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':');
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

describe('workflow steps and the network', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  let controller: Controller;
  /** Stands in for the controller's health port (main.ts); the controller runs in-process. */
  let controllerPort: Server;
  let controllerHits = 0;
  let privateServer: TestServer | undefined;
  let outside: TestServer | undefined;

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write', 'admin']);
    controller = await testController(base, alice);
    controllerPort = createServer((_req, res) => {
      controllerHits++;
      res.end('controller\n');
    });
    await new Promise<void>((r) => controllerPort.listen(0, '127.0.0.1', r));
    if (isRoot) {
      privateServer = await startPrivateServer();
      outside = await startOutsideServer();
    }
  });
  afterAll(async () => {
    await controller?.stop({ abandon: true });
    await new Promise<void>((r) => controllerPort?.close(() => r()));
    await privateServer?.close();
    await outside?.close();
    g.cleanup();
  });

  it('a networked step reaches the outside but not the Worker, the controller, the database or private addresses', async () => {
    const worker = new URL(base);
    const addr = controllerPort.address();
    const internal = [
      { host: worker.hostname, port: Number(worker.port) },
      { host: '10.0.2.2', port: Number(worker.port) },
      { host: '127.0.0.1', port: typeof addr === 'object' && addr ? addr.port : 0 },
      ...databaseEndpoints.map(hostPort),
      ...(privateServer ? [{ host: privateServer.host, port: privateServer.port }] : []),
      { host: '169.254.169.254', port: 80 },
    ];
    expect(databaseEndpoints.length).toBeGreaterThan(0);
    const outsideTarget = outside ? [{ host: outside.host, port: outside.port }] : [];
    const wf = `from plue import workflow, push

@workflow(triggers=[push(branches=["main"])])
def net(ctx):
    ctx.run(name="online", cmd=${JSON.stringify(probeScript([...outsideTarget, ...internal]))}, network=True)
    ctx.run(name="offline", cmd=${JSON.stringify(probeScript(outsideTarget.length ? outsideTarget : internal.slice(0, 1)))})
`;
    const { repo, sha } = await pushRepo(base, g, alice, token, 'wf-net', {
      '.plue/workflows/net.py': wf,
    });
    const [run] = await repo.waitForRuns(sha);
    const id = (run as RunJson).id;
    const events = await repo.stream(id);
    const out = outputOf(events);
    const results = probeResults(out);
    for (const t of internal) {
      expect(results.get(`${t.host}:${t.port}`), `${t.host}:${t.port} in\n${out}`).toMatch(/^FAIL/);
    }
    expect(controllerHits).toBe(0);
    expect(privateServer?.connections() ?? 0).toBe(0);
    if (outside) {
      // Online: reached; offline: the same target fails.
      expect(out).toContain(`${outside.host} ${outside.port} OK ${outside.greeting}`);
      expect(out).toContain(`${outside.host} ${outside.port} FAIL`);
      expect(outside.connections()).toBe(1);
    } else {
      console.warn('not root: the positive check (a public address is reachable) was skipped');
    }
    const finished = await repo.waitForRun(id);
    expect(finished.conclusion).toBe('success');
  });
});
