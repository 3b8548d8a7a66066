/**
 * git over SSH end to end: the real OpenSSH client and git → the SSH bridge (started here on a
 * free port) → the real Worker of the e2e stack. Users and keys are made through the API; every
 * story of issue 6 runs once: clone (ssh:// and a Host alias), fetch, ls-remote, pushes, protocol
 * v2 and v0/v1 (clone, fetch, shallow, partial), the shell greeting, wrong/revoked keys, no access, read-only, bad commands, path traversal
 * and a client that vanishes mid-push.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Bridge } from '../../ssh-bridge/server';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { BRIDGE, bridgeTicket, SshKit, type SshKey, startTestBridge } from '../helpers/ssh';

const base = inject('baseUrl');

let kit: SshKit;
let bridge: Bridge;
const bridgeLog: string[] = [];
let alice: SignUp;
let bob: SignUp;
let aliceKey: SshKey;
let bobKey: SshKey;

async function api(user: SignUp, method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${base}/api/v1${path}`, {
    method,
    headers: user.headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function addKey(user: SignUp, key: SshKey): Promise<number> {
  const res = await api(user, 'POST', '/user/keys', { title: 'test', key: key.publicLine });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

const url = (owner: string, repo: string) =>
  `ssh://git@127.0.0.1:${bridge.port}/${owner}/${repo}.git`;

beforeAll(async () => {
  kit = new SshKit();
  [alice, bob] = await Promise.all([signUp(base), signUp(base)]);
  [aliceKey, bobKey] = await Promise.all([kit.keygen('alice'), kit.keygen('bob')]);
  await Promise.all([addKey(alice, aliceKey), addKey(bob, bobKey)]);
  await Promise.all([alice.createRepo('proj'), alice.createRepo('secret', { private: true })]);
  bridge = await startTestBridge(kit, base, (l) => bridgeLog.push(l));
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  kit?.cleanup();
});

describe('git over SSH', () => {
  it('pushes with the scp form through a Host alias, clones over ssh:// with protocol v2', async () => {
    const a = alice.user.login;
    const src = await kit.makeRepo('src', 3);
    const ssh = kit.hostAlias('plue', bridge.port, aliceKey);
    const push = await kit.git(src, ['push', `plue:${a}/proj.git`, 'main'], { sshCommand: ssh });
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('* [new branch]      main -> main');

    const clone = await kit.git(kit.root, ['clone', url(a, 'proj'), 'clone1'], {
      port: bridge.port,
      key: aliceKey,
      env: { GIT_TRACE_PACKET: '1' },
    });
    expect(clone.code, clone.stderr).toBe(0);
    expect(clone.stderr).toContain('clone< version 2');
    expect(clone.stderr).toContain('clone> command=fetch');
    const dst = join(kit.root, 'clone1');
    expect(await kit.gitOk(dst, ['rev-parse', 'HEAD'])).toBe(
      await kit.gitOk(src, ['rev-parse', 'HEAD']),
    );
    expect((await kit.git(dst, ['fsck', '--full'])).code).toBe(0);

    const alias = await kit.git(kit.root, ['clone', `plue:${a}/proj`, 'clone2'], {
      sshCommand: ssh,
    });
    expect(alias.code, alias.stderr).toBe(0);
  });

  it('pushes a branch, a tag, a forced update and deletions; fetch and ls-remote follow', async () => {
    const a = alice.user.login;
    const o = { port: bridge.port, key: aliceKey };
    const dir = join(kit.root, 'work');
    await kit.gitOk(kit.root, ['clone', '-q', url(a, 'proj'), dir], o);
    const c4 = await kit.commit(dir, 'four.txt', '4\n', 'commit 4');
    await kit.gitOk(
      dir,
      ['push', '-q', 'origin', 'HEAD:refs/heads/feature', 'HEAD:refs/tags/v1'],
      o,
    );
    let refs = await kit.gitOk(dir, ['ls-remote', 'origin'], o);
    expect(refs).toContain(`${c4}\trefs/heads/feature`);
    expect(refs).toContain(`${c4}\trefs/tags/v1`);

    await kit.gitOk(dir, ['reset', '-q', '--hard', 'HEAD~1']);
    const rewritten = await kit.commit(dir, 'other.txt', 'x\n', 'rewritten');
    const refused = await kit.git(dir, ['push', 'origin', 'HEAD:feature'], o);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('rejected');
    const forced = await kit.git(dir, ['push', '--force', 'origin', 'HEAD:feature'], o);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('(forced update)');

    const other = join(kit.root, 'clone1');
    await kit.gitOk(other, ['fetch', '-q', 'origin'], o);
    expect((await kit.gitOk(other, ['rev-parse', 'origin/feature'])).trim()).toBe(rewritten);

    const del = await kit.git(dir, ['push', 'origin', ':feature', ':refs/tags/v1'], o);
    expect(del.code, del.stderr).toBe(0);
    refs = await kit.gitOk(dir, ['ls-remote', 'origin'], o);
    expect(refs).not.toContain('refs/heads/feature');
    expect(refs).not.toContain('refs/tags/v1');
    expect(refs).toContain('refs/heads/main');
  });

  it.each(['0', '1'])(
    'serves protocol v%s: clone, fetch after a push, shallow and partial clones',
    async (version) => {
      const a = alice.user.login;
      const v = ['-c', `protocol.version=${version}`];
      const o = { port: bridge.port, key: aliceKey };
      const dst = join(kit.root, `v${version}`);
      const clone = await kit.git(kit.root, [...v, 'clone', url(a, 'proj'), dst], {
        ...o,
        env: { GIT_TRACE_PACKET: '1' },
      });
      expect(clone.code, clone.stderr).toBe(0);
      expect(clone.stderr).not.toContain('version 2');
      // Over SSH git's upload-pack does not offer no-done (a stateful session never uses it).
      expect(clone.stderr).toMatch(/multi_ack_detailed/);
      expect(clone.stderr).not.toMatch(/ no-done/);
      expect((await kit.git(dst, ['fsck', '--strict'])).code).toBe(0);

      // Unknown local commits make the negotiation take several rounds.
      await kit.gitOk(dst, ['checkout', '-q', '-b', 'local']);
      for (let i = 0; i < 40; i++)
        await kit.gitOk(dst, ['commit', '-q', '--allow-empty', '-m', `local ${i}`]);
      await kit.gitOk(dst, ['checkout', '-q', 'main']);
      const pusher = join(kit.root, `v${version}-pusher`);
      await kit.gitOk(kit.root, ['clone', '-q', url(a, 'proj'), pusher], o);
      const tip = await kit.commit(pusher, `v${version}.txt`, 'new\n', `v${version} commit`);
      await kit.gitOk(pusher, ['push', '-q', 'origin', 'HEAD:main'], o);
      const fetch = await kit.git(dst, [...v, 'fetch', 'origin'], o);
      expect(fetch.code, fetch.stderr).toBe(0);
      expect((await kit.gitOk(dst, ['rev-parse', 'origin/main'])).trim()).toBe(tip);
      expect((await kit.git(dst, ['fsck', '--strict'])).code).toBe(0);

      const shallow = join(kit.root, `v${version}-shallow`);
      const s = await kit.git(
        kit.root,
        [...v, 'clone', '--depth', '1', url(a, 'proj'), shallow],
        o,
      );
      expect(s.code, s.stderr).toBe(0);
      expect((await kit.gitOk(shallow, ['rev-list', '--count', 'HEAD'])).trim()).toBe('1');
      await kit.gitOk(shallow, [...v, 'fetch', '-q', '--unshallow'], o);
      expect((await kit.gitOk(shallow, ['rev-parse', '--is-shallow-repository'])).trim()).toBe(
        'false',
      );

      // --shallow-exclude: main without what a branch at main~1 already has.
      await kit.gitOk(pusher, ['push', '-q', 'origin', `HEAD~1:refs/heads/base${version}`], o);
      const excl = join(kit.root, `v${version}-exclude`);
      const e = await kit.git(
        kit.root,
        [
          ...v,
          'clone',
          '--single-branch',
          '--branch',
          'main',
          `--shallow-exclude=base${version}`,
          url(a, 'proj'),
          excl,
        ],
        o,
      );
      expect(e.code, e.stderr).toBe(0);
      expect(await kit.gitOk(excl, ['log', '--format=%s'])).toBe(`v${version} commit\n`);

      // --shallow-since: the commits git's own rev-list --max-age keeps.
      const since = (await kit.gitOk(dst, ['log', '-1', '--format=%ct', 'HEAD~2'])).trim();
      const sinceDir = join(kit.root, `v${version}-since`);
      const ss = await kit.git(
        kit.root,
        [...v, 'clone', '--single-branch', `--shallow-since=${since}`, url(a, 'proj'), sinceDir],
        o,
      );
      expect(ss.code, ss.stderr).toBe(0);
      expect(await kit.gitOk(sinceDir, ['rev-list', '--count', 'HEAD'])).toBe(
        await kit.gitOk(dst, ['rev-list', '--count', `--max-age=${since}`, 'origin/main']),
      );

      const partial = join(kit.root, `v${version}-partial`);
      const p = await kit.git(
        kit.root,
        [...v, 'clone', '--filter=blob:none', url(a, 'proj'), partial],
        o,
      );
      expect(p.code, p.stderr).toBe(0);
      expect(await kit.gitOk(partial, ['show', `HEAD:v${version}.txt`])).toBe('new\n');
    },
  );
});

describe('SSH access', () => {
  it('greets a shell request by name and exits 1', async () => {
    const r = await kit.ssh(bridge.port, aliceKey);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `Hi ${alice.user.login}! You've authenticated, but Plue does not provide shell access.`,
    );
  });

  it('refuses an unknown key and a revoked key', async () => {
    const stranger = await kit.keygen('stranger');
    const unknown = await kit.ssh(bridge.port, stranger);
    expect(unknown.code).toBe(255);
    expect(unknown.stderr).toContain('Permission denied (publickey)');

    const temp = await kit.keygen('temp');
    const id = await addKey(bob, temp);
    expect((await kit.ssh(bridge.port, temp)).stderr).toContain(`Hi ${bob.user.login}!`);
    expect((await api(bob, 'DELETE', `/user/keys/${id}`)).status).toBe(204);
    const revoked = await kit.ssh(bridge.port, temp);
    expect(revoked.code).toBe(255);
    expect(revoked.stderr).toContain('Permission denied (publickey)');
  });

  it('accepts every key type it allows; the Worker checks each signature before naming the user', async () => {
    for (const [type, bits] of [
      ['ecdsa', 256],
      ['ecdsa', 384],
      ['ecdsa', 521],
      ['rsa', 3072],
    ] as const) {
      const key = await kit.keygen(`${type}-${bits}`, type, bits);
      const id = await addKey(bob, key);
      const r = await kit.ssh(bridge.port, key);
      expect(r.stderr, `${type} ${bits}`).toContain(`Hi ${bob.user.login}!`);
      expect((await api(bob, 'DELETE', `/user/keys/${id}`)).status).toBe(204);
    }
  });

  it("hides someone else's private repository and denies pushes without write access", async () => {
    const a = alice.user.login;
    const o = { port: bridge.port, key: bobKey };
    const hidden = await kit.git(kit.root, ['clone', url(a, 'secret'), 'nope'], o);
    expect(hidden.code).not.toBe(0);
    expect(hidden.stderr).toContain('ERROR: Repository not found.');

    const dir = join(kit.root, 'bob-work');
    await kit.gitOk(kit.root, ['clone', '-q', url(a, 'proj'), dir], o);
    await kit.commit(dir, 'bob.txt', 'bob\n', 'bob was here');
    const push = await kit.git(dir, ['push', 'origin', 'HEAD:main'], o);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain(`ERROR: Permission to ${a}/proj denied.`);
  });

  it('honours a repository grant only for its user, repository and action', async () => {
    const a = alice.user.login;
    const tickets = new Map([
      [alice, await bridgeTicket(base, aliceKey)],
      [bob, await bridgeTicket(base, bobKey)],
    ]);
    const as = (u: SignUp, extra: Record<string, string> = {}) => ({
      ...BRIDGE,
      'X-Plue-Ssh-Ticket': tickets.get(u) ?? '',
      ...extra,
    });
    const grant = async (u: SignUp, repo: string, action: string): Promise<Response> =>
      fetch(`${base}/internal/ssh/grant`, {
        method: 'POST',
        headers: { ...as(u), 'Content-Type': 'application/json' },
        body: JSON.stringify({ owner: a, repo, action }),
      });
    // The grant endpoint refuses as the git routes do, and only to the bridge.
    const noSecret = await fetch(`${base}/internal/ssh/grant`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ owner: a, repo: 'proj', action: 'read' }),
    });
    expect(noSecret.status).toBe(401);
    expect((await grant(bob, 'secret', 'read')).status).toBe(404);
    expect((await grant(bob, 'proj', 'write')).status).toBe(403);
    const bobRead = await grant(bob, 'proj', 'read');
    expect(bobRead.status).toBe(200);
    const bobGrant = ((await bobRead.json()) as { grant: string }).grant;
    const aliceSecret = await grant(alice, 'secret', 'write');
    expect(aliceSecret.status).toBe(200);
    const aliceGrant = ((await aliceSecret.json()) as { grant: string }).grant;

    const refs = (repo: string, service: string, headers: Record<string, string>) =>
      fetch(`${base}/${a}/${repo}.git/info/refs?service=${service}`, {
        headers: { ...headers, 'Git-Protocol': 'version=2' },
      });
    const withGrant = (u: SignUp, g: string) => as(u, { 'X-Plue-Repo-Grant': g });
    // Bob's read grant: reads proj, but neither writes it nor opens another repository.
    expect((await refs('proj', 'git-upload-pack', withGrant(bob, bobGrant))).status).toBe(200);
    expect((await refs('proj', 'git-receive-pack', withGrant(bob, bobGrant))).status).toBe(403);
    expect((await refs('secret', 'git-upload-pack', withGrant(bob, bobGrant))).status).toBe(404);
    // Alice's grant is hers: under Bob's identity, or altered, it counts for nothing.
    expect((await refs('secret', 'git-upload-pack', withGrant(alice, aliceGrant))).status).toBe(
      200,
    );
    expect((await refs('secret', 'git-upload-pack', withGrant(bob, aliceGrant))).status).toBe(404);
    const [payload, mac] = aliceGrant.split('.') as [string, string];
    const body = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      u: string;
    };
    const forged = `${Buffer.from(JSON.stringify({ ...body, u: String(bob.user.id) })).toString('base64url')}.${mac}`;
    expect((await refs('secret', 'git-upload-pack', withGrant(bob, forged))).status).toBe(404);
    // Without the bridge's credential the header is never looked at.
    const anon = await fetch(`${base}/${a}/secret.git/info/refs?service=git-upload-pack`, {
      headers: { 'X-Plue-Repo-Grant': aliceGrant, 'Git-Protocol': 'version=2' },
    });
    expect(anon.status).toBe(401);
  });

  it('refuses other commands and path traversal', async () => {
    const a = alice.user.login;
    for (const cmd of [
      'ls',
      'cat /etc/passwd',
      "git-upload-pack '../x'",
      `git-receive-pack '${a}/../../x'`,
      "git-upload-pack '/etc/passwd/..'",
    ]) {
      const r = await kit.ssh(bridge.port, aliceKey, cmd);
      expect(r.code, cmd).toBe(1);
      expect(r.stderr, cmd).toMatch(/^ERROR: /);
    }
    const etc = await kit.git(
      kit.root,
      ['ls-remote', `ssh://git@127.0.0.1:${bridge.port}/etc/passwd`],
      { port: bridge.port, key: aliceKey },
    );
    expect(etc.code).not.toBe(0);
    expect(etc.stderr).toContain('ERROR: Repository not found.');
  });

  it('leaves refs unchanged when the client vanishes mid-push', async () => {
    const a = alice.user.login;
    const o = { port: bridge.port, key: aliceKey };
    const dir = join(kit.root, 'work');
    await kit.gitOk(dir, ['fetch', '-q', 'origin'], o);
    await kit.gitOk(dir, ['reset', '-q', '--hard', 'origin/main']);
    const before = await kit.gitOk(dir, ['ls-remote', 'origin'], o);
    const head = (await kit.gitOk(dir, ['rev-parse', 'HEAD'])).trim();
    const next = await kit.commit(dir, 'noise.bin', `${Math.random()}`.repeat(40_000), 'big');
    const pack = execFileSync('git', ['pack-objects', '--stdout', '--revs', '--compression=0'], {
      cwd: dir,
      input: `${next}\n^${head}\n`,
    });
    const child = kit.spawnSsh(bridge.port, aliceKey, `git-receive-pack '${a}/proj.git'`);
    child.stdin.on('error', () => undefined);
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const cmd = `${head} ${next} refs/heads/main\0report-status\n`;
    child.stdin.write(`${(cmd.length + 4).toString(16).padStart(4, '0')}${cmd}0000`);
    const logged = bridgeLog.length;
    const said = (msg: string) => bridgeLog.slice(logged).some((l) => l.includes(`"msg":"${msg}"`));
    child.stdin.write(pack.subarray(0, pack.length >> 1));
    // Cut the client off once the bridge is forwarding the push, then see it abort upstream.
    await expect.poll(() => said('push forwarding'), { timeout: 10_000 }).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    await expect
      .poll(() => said('client disconnected during push; aborting upstream'), { timeout: 10_000 })
      .toBe(true);
    await expect.poll(() => bridge.activeSessions(), { timeout: 10_000 }).toBe(0);
    expect(await kit.gitOk(dir, ['ls-remote', 'origin'], o)).toBe(before);
  });
});
