/**
 * Pushing for review over SSH: the real OpenSSH client and git → the SSH bridge → the Worker.
 * `git push -o title=… HEAD:refs/for/main` opens a landing (the push options cross the bridge),
 * the pusher reads `Landing !n revision 1: <url>` on band 2, and an amended change (same jj
 * change-id header) becomes revision 2 of the same landing.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Bridge } from '../../ssh-bridge/server';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox } from '../helpers/git';
import { SshKit, type SshKey, startTestBridge } from '../helpers/ssh';
import { forgeClient, uniq } from './forge-client';
import { jjCommit, newChangeId } from './landing-fixture';

const base = inject('baseUrl');
const { json } = forgeClient(base);

describe('pushing for review over SSH', () => {
  let kit: SshKit;
  let bridge: Bridge;
  let alice: SignUp;
  let key: SshKey;
  const g = new GitSandbox();

  beforeAll(async () => {
    kit = new SshKit();
    alice = await signUp(base);
    key = await kit.keygen('alice');
    await json(alice, 'POST', '/user/keys', { title: 'k', key: key.publicLine }, 201);
    bridge = await startTestBridge(kit, base, () => undefined);
  }, 60_000);
  afterAll(async () => {
    await bridge?.close();
    kit?.cleanup();
    g.cleanup();
  });

  it('opens and revises a landing with refs/for/main and push options', async () => {
    const name = uniq('lssh');
    await alice.createRepo(name);
    const url = `ssh://git@127.0.0.1:${bridge.port}/${alice.user.login}/${name}.git`;
    const dir = await g.makeRepo('ssh', 1);
    const ssh = { port: bridge.port, key };
    expect((await kit.git(dir, ['push', url, 'main'], ssh)).code).toBe(0);
    const change = newChangeId();
    await jjCommit(g, dir, { file: 'x.txt', content: 'x\n', message: 'X', changeId: change });
    const push = await kit.git(
      dir,
      ['push', '-o', 'title=Over SSH', '-o', 'topic=tunnel', url, 'HEAD:refs/for/main'],
      ssh,
    );
    expect(push.code, push.stderr).toBe(0);
    const m = /remote: Landing !(\d+) revision 1: (\S+)/.exec(push.stderr);
    expect(m, push.stderr).not.toBeNull();
    const n = Number(m?.[1]);
    const api = `/repos/${alice.user.login}/${name}/landings/${n}`;
    expect(await json(alice, 'GET', api)).toMatchObject({
      title: 'Over SSH',
      topic: 'tunnel',
      change_id: change,
    });
    await jjCommit(g, dir, {
      file: 'x.txt',
      content: 'x2\n',
      message: 'X',
      changeId: change,
      parent: 'HEAD^',
    });
    const again = await kit.git(dir, ['push', url, 'HEAD:refs/for/main'], ssh);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain(`Landing !${n} revision 2:`);
    expect((await json(alice, 'GET', api)).revisions).toBe(2);
    const ls = await kit.gitOk(dir, ['ls-remote', url], ssh);
    expect(ls).toContain(`refs/landings/${n}/2`);
    expect(ls).not.toContain('refs/for/');
  });
});
