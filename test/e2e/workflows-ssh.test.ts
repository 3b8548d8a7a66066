/**
 * A push over SSH (OpenSSH → the SSH bridge → the Worker) records push events too, and the
 * controller fetches the private repository with the claimed event's and run's own tokens. Branch filters of the
 * trigger decide which refs start runs.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Controller } from '../../runner-controller/controller/controller';
import { startBridge, type Bridge } from '../../ssh-bridge/server';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { DEV_BRIDGE_SECRET, SshKit, type SshKey } from '../helpers/ssh';
import { outputOf, testController, WorkflowRepo } from './workflows-client';

const base = inject('baseUrl');

describe('workflows started by an SSH push', () => {
  let kit: SshKit;
  let bridge: Bridge;
  let alice: SignUp;
  let key: SshKey;
  let controller: Controller;

  beforeAll(async () => {
    kit = new SshKit();
    alice = await signUp(base);
    key = await kit.keygen('alice');
    const res = await fetch(`${base}/api/v1/user/keys`, {
      method: 'POST',
      headers: alice.headers,
      body: JSON.stringify({ title: 'test', key: key.publicLine }),
    });
    expect(res.status).toBe(201);
    bridge = await startBridge({
      upstreamUrl: base,
      secret: DEV_BRIDGE_SECRET,
      dataDir: join(kit.root, 'data'),
      port: 0,
      log: () => undefined,
    });
    controller = await testController(base, alice);
  }, 60_000);
  afterAll(async () => {
    await controller?.stop({ abandon: true });
    await bridge?.close();
    kit?.cleanup();
  });

  it('runs the matching workflow of a private repository pushed over SSH', async () => {
    await alice.createRepo('ssh-ci', { private: true });
    const dir = await kit.makeRepo('ssh-ci', 1);
    mkdirSync(join(dir, '.plue/workflows'), { recursive: true });
    const sha = await kit.commit(
      dir,
      '.plue/workflows/ci.py',
      `from plue import workflow, push

@workflow(triggers=[push(branches=["main"])])
def ci(ctx):
    ctx.run(name="check", cmd="echo private checkout ok; ls .plue/workflows")
`,
      'add workflow',
    );
    const url = `ssh://git@127.0.0.1:${bridge.port}/${alice.user.login}/ssh-ci.git`;
    const o = { port: bridge.port, key };
    // `feature` is pushed first: its event is evaluated first and matches nothing.
    await kit.gitOk(dir, ['push', '-q', url, 'main:refs/heads/feature', 'main:refs/heads/main'], o);
    const repo = new WorkflowRepo(base, alice, await alice.token(), 'ssh-ci');
    const [run] = await repo.waitForRuns(sha);
    expect(run).toMatchObject({ name: 'ci', head_branch: 'main', event: 'push' });
    const out = outputOf(await repo.stream(run?.id ?? 0));
    expect(out).toContain('private checkout ok');
    expect(out).toContain('ci.py');
    expect((await repo.waitForRun(run?.id ?? 0)).conclusion).toBe('success');
    expect(await repo.runsOf(sha)).toHaveLength(1);
  });
});
