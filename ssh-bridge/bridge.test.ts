/**
 * The bridge with the real OpenSSH client and real git, against a loopback stand-in for the
 * Worker (git's own http-backend behind the Worker's identity headers and refusals). The same
 * user stories run against the real Worker in test/e2e/ssh.test.ts; this file also covers what
 * needs control over the upstream: limits, aborted pushes, the exact requests sent.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeWorker, type FakeWorker } from '../test/helpers/git-http-backend';
import { SshKit, type SshKey } from '../test/helpers/ssh';
import { startBridge, type Bridge } from './server';

const SECRET = 'test-secret';
let kit: SshKit;
let worker: FakeWorker;
let bridge: Bridge;
let alice: SshKey;
let bob: SshKey;
let stranger: SshKey;
const logs: string[] = [];

function keyOf(k: SshKey): string {
  return k.publicLine.split(' ').slice(0, 2).join(' ');
}

/** Grants the fake Worker refuses with 503 before answering (set by a test). */
const grantFailures = { remaining: 0 };

beforeAll(async () => {
  kit = new SshKit();
  const repos = join(kit.root, 'repos');
  for (const r of ['alice/project', 'alice/secret', 'bob/shared']) {
    mkdirSync(join(repos, r.split('/')[0] as string), { recursive: true });
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', join(repos, `${r}.git`)]);
  }
  worker = await startFakeWorker({
    root: repos,
    secret: SECRET,
    grantFailures,
    access: (userId, owner, repo) => {
      if (userId === 1 && owner === 'alice') return 'write';
      if (userId === 2 && owner === 'bob') return 'write';
      if (userId === 2 && owner === 'alice' && repo === 'project') return 'read';
      return 'none';
    },
  });
  [alice, bob, stranger] = await Promise.all([
    kit.keygen('alice'),
    kit.keygen('bob'),
    kit.keygen('stranger'),
  ]);
  worker.keys.set(keyOf(alice), { id: 1, login: 'alice' });
  worker.keys.set(keyOf(bob), { id: 2, login: 'bob' });
  bridge = await startBridge({
    upstreamUrl: worker.url,
    secret: SECRET,
    dataDir: join(kit.root, 'data'),
    port: 0,
    limits: { maxSessionsPerKey: 2, idleTimeoutMs: 3000 },
    log: (l) => logs.push(l),
  });
  // Seed alice/project with two commits.
  const src = await kit.makeRepo('seed', 2);
  await kit.gitOk(
    src,
    ['push', '-q', `ssh://git@127.0.0.1:${bridge.port}/alice/project.git`, 'main'],
    {
      port: bridge.port,
      key: alice,
    },
  );
}, 60_000);

afterAll(async () => {
  await bridge?.close();
  await worker?.close();
  kit?.cleanup();
});

describe('git over the bridge', () => {
  it('clones over ssh:// and the scp form with a Host alias, with protocol v2', async () => {
    const a = await kit.git(
      kit.root,
      ['clone', `ssh://git@127.0.0.1:${bridge.port}/alice/project.git`, 'c1'],
      {
        port: bridge.port,
        key: alice,
        env: { GIT_TRACE_PACKET: '1' },
      },
    );
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toContain('version 2');
    const ssh = kit.hostAlias('plue', bridge.port, alice);
    const b = await kit.git(kit.root, ['clone', 'plue:alice/project.git', 'c2'], {
      sshCommand: ssh,
    });
    expect(b.code, b.stderr).toBe(0);
    const log = await kit.gitOk(join(kit.root, 'c2'), ['log', '--format=%s']);
    expect(log.trim().split('\n')).toEqual(['commit 2', 'commit 1']);
  });

  it('pushes a branch, a tag, a forced update and a delete; fetch and ls-remote see them', async () => {
    const o = { port: bridge.port, key: alice };
    const url = `ssh://git@127.0.0.1:${bridge.port}/alice/project.git`;
    const dir = join(kit.root, 'push');
    await kit.gitOk(kit.root, ['clone', '-q', url, dir], o);
    const c3 = await kit.commit(dir, 'three.txt', '3\n', 'commit 3');
    await kit.gitOk(dir, ['push', '-q', 'origin', 'main:feature', 'HEAD:refs/tags/v1'], o);
    let refs = await kit.gitOk(dir, ['ls-remote', 'origin'], o);
    expect(refs).toContain(`${c3}\trefs/heads/feature`);
    expect(refs).toContain(`${c3}\trefs/tags/v1`);
    await kit.gitOk(dir, ['reset', '-q', '--hard', 'HEAD~1']);
    const amended = await kit.commit(dir, 'other.txt', 'x\n', 'rewritten');
    const rejected = await kit.git(dir, ['push', 'origin', 'HEAD:feature'], o);
    expect(rejected.code).not.toBe(0);
    await kit.gitOk(dir, ['push', '-q', '--force', 'origin', 'HEAD:feature'], o);
    await kit.gitOk(dir, ['fetch', '-q', 'origin'], o);
    expect((await kit.gitOk(dir, ['rev-parse', 'origin/feature'])).trim()).toBe(amended);
    await kit.gitOk(dir, ['push', '-q', 'origin', ':feature', ':refs/tags/v1'], o);
    refs = await kit.gitOk(dir, ['ls-remote', 'origin'], o);
    expect(refs).not.toContain('feature');
    expect(refs).not.toContain('v1');
  });

  it.each(['0', '1'])(
    'serves protocol v%s: clone, fetch over several rounds, shallow, partial',
    async (version) => {
      const v = ['-c', `protocol.version=${version}`];
      const o = { port: bridge.port, key: alice };
      const url = `ssh://git@127.0.0.1:${bridge.port}/alice/project.git`;
      const dst = join(kit.root, `v${version}-clone`);
      const clone = await kit.git(kit.root, [...v, 'clone', url, dst], {
        ...o,
        env: { GIT_TRACE_PACKET: '1' },
      });
      expect(clone.code, clone.stderr).toBe(0);
      expect(clone.stderr).not.toContain('version 2');
      if (version === '1') expect(clone.stderr).toMatch(/< version 1/);
      expect((await kit.git(dst, ['fsck', '--strict'])).code).toBe(0);

      // Local commits the server lacks make the client send haves over several rounds, which
      // the bridge turns into stateless requests repeating the common ones.
      await kit.gitOk(dst, ['checkout', '-q', '-b', 'local']);
      for (let i = 0; i < 50; i++)
        await kit.gitOk(dst, ['commit', '-q', '--allow-empty', '-m', `local ${i}`]);
      await kit.gitOk(dst, ['checkout', '-q', 'main']);
      const pusher = join(kit.root, `v${version}-pusher`);
      await kit.gitOk(kit.root, ['clone', '-q', url, pusher], o);
      const tip = await kit.commit(pusher, `v${version}.txt`, 'new\n', `v${version} commit`);
      await kit.gitOk(pusher, ['push', '-q', 'origin', 'main'], o);
      const fetch = await kit.git(dst, [...v, 'fetch', 'origin'], {
        ...o,
        env: { GIT_TRACE_PACKET: '1' },
      });
      expect(fetch.code, fetch.stderr).toBe(0);
      expect(fetch.stderr).toMatch(/< ACK [0-9a-f]{40} common/);
      expect((await kit.gitOk(dst, ['rev-parse', 'origin/main'])).trim()).toBe(tip);
      expect((await kit.git(dst, ['fsck', '--strict'])).code).toBe(0);

      const shallow = join(kit.root, `v${version}-shallow`);
      await kit.gitOk(kit.root, [...v, 'clone', '-q', '--depth', '1', url, shallow], o);
      expect((await kit.gitOk(shallow, ['rev-list', '--count', 'HEAD'])).trim()).toBe('1');
      await kit.gitOk(shallow, [...v, 'fetch', '-q', '--deepen', '1'], o);
      expect((await kit.gitOk(shallow, ['rev-list', '--count', 'HEAD'])).trim()).toBe('2');
      await kit.gitOk(shallow, [...v, 'fetch', '-q', '--unshallow'], o);
      expect((await kit.git(shallow, ['fsck', '--strict'])).code).toBe(0);

      const partial = join(kit.root, `v${version}-partial`);
      const p = await kit.git(kit.root, [...v, 'clone', '--filter=blob:none', url, partial], o);
      expect(p.code, p.stderr).toBe(0);
      expect(await kit.gitOk(partial, ['show', `HEAD:v${version}.txt`])).toBe('new\n');
    },
  );
  it('answers a v0 session that does not start with a want with a readable error', async () => {
    const child = kit.spawnSsh(bridge.port, alice, 'git-upload-pack alice/project');
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    // Answer once the advertisement (ending in a flush) is in.
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (out.endsWith('\n0000')) child.stdin.end(`0032have ${'a'.repeat(40)}\n0000`);
    });
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(out).toContain('multi_ack_detailed');
    expect(code).toBe(1);
    expect(err).toContain('bad request from the git client: expected a want line');
  });
});

describe('access and refusals', () => {
  it('retries a grant the Worker answered 503 (database briefly unreachable)', async () => {
    grantFailures.remaining = 2;
    const r = await kit.git(
      kit.root,
      ['ls-remote', `ssh://git@127.0.0.1:${bridge.port}/alice/project.git`],
      { port: bridge.port, key: alice },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('refs/heads/main');
    expect(grantFailures.remaining).toBe(0);
    grantFailures.remaining = 3;
    const gone = await kit.git(
      kit.root,
      ['ls-remote', `ssh://git@127.0.0.1:${bridge.port}/alice/project.git`],
      { port: bridge.port, key: alice },
    );
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toContain('Plue is unavailable right now (HTTP 503)');
    grantFailures.remaining = 0;
  });

  it('greets a shell request and exits 1', async () => {
    const r = await kit.ssh(bridge.port, alice);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      "Hi alice! You've authenticated, but Plue does not provide shell access.",
    );
  });

  it('negotiates AES-GCM with OpenSSH, and still serves a client without it', async () => {
    const gcm = await kit.ssh(bridge.port, alice, undefined, ['-v']);
    expect(gcm.stderr).toMatch(/server->client cipher: aes128-gcm@openssh.com/);
    expect(gcm.stderr).toContain("Hi alice! You've authenticated");
    const ctr = await kit.ssh(bridge.port, alice, undefined, ['-v', '-c', 'aes256-ctr']);
    expect(ctr.stderr).toMatch(/server->client cipher: aes256-ctr/);
    expect(ctr.stderr).toContain("Hi alice! You've authenticated");
  });

  it('refuses an unknown key with Permission denied (publickey)', async () => {
    const r = await kit.ssh(bridge.port, stranger, 'git-upload-pack alice/project');
    expect(r.code).toBe(255);
    expect(r.stderr).toContain('Permission denied (publickey)');
  });

  it('says Repository not found for a private repository of someone else', async () => {
    const r = await kit.git(
      kit.root,
      ['clone', `ssh://git@127.0.0.1:${bridge.port}/alice/secret.git`, 'x'],
      {
        port: bridge.port,
        key: bob,
      },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('ERROR: Repository not found.');
  });

  it('denies a push with read access only', async () => {
    const dir = join(kit.root, 'bobclone');
    const o = { port: bridge.port, key: bob };
    await kit.gitOk(
      kit.root,
      ['clone', '-q', `ssh://git@127.0.0.1:${bridge.port}/alice/project.git`, dir],
      o,
    );
    await kit.commit(dir, 'bob.txt', 'bob\n', 'bob was here');
    const r = await kit.git(dir, ['push', 'origin', 'HEAD:main'], o);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('ERROR: Permission to alice/project denied.');
  });

  it('refuses other commands and path traversal', async () => {
    for (const cmd of [
      'ls',
      'git-upload-pack',
      "git-upload-pack '../x'",
      "git-receive-pack 'alice/../../x'",
      'scp -t /tmp',
    ]) {
      const r = await kit.ssh(bridge.port, alice, cmd);
      expect(r.code, cmd).toBe(1);
      expect(r.stderr, cmd).toMatch(/^ERROR: /);
    }
    const etc = await kit.ssh(bridge.port, alice, "git-upload-pack '/etc/passwd'", [
      '-o',
      'SendEnv=GIT_PROTOCOL',
    ]);
    expect(etc.stderr).toContain('Repository not found');
    expect(worker.requests.some((r) => r.path.includes('..'))).toBe(false);
  });

  it('limits concurrent sessions per key with a clear message', async () => {
    const held = [
      kit.spawnSsh(bridge.port, bob, 'git-upload-pack bob/shared', true),
      kit.spawnSsh(bridge.port, bob, 'git-upload-pack bob/shared', true),
    ];
    // Wait until both are running (their advertisement came back).
    await Promise.all(held.map((c) => new Promise((resolve) => c.stdout.once('data', resolve))));
    expect(bridge.activeSessions()).toBe(2);
    const third = await kit.ssh(bridge.port, bob, 'git-upload-pack bob/shared');
    expect(third.code).toBe(1);
    expect(third.stderr).toContain('Too many concurrent SSH sessions for this key (limit 2)');
    for (const c of held) c.stdin.end('0000');
    await Promise.all(held.map((c) => new Promise((resolve) => c.once('close', resolve))));
  });

  it('closes an idle session', async () => {
    const child = kit.spawnSsh(bridge.port, bob, 'git-upload-pack bob/shared', true);
    let advertised = '';
    child.stdout.on('data', (d: Buffer) => (advertised += d.toString()));
    const code = await new Promise((resolve) => child.once('close', resolve));
    expect(advertised).toContain('version 2');
    expect(code).toBe(255);
  });
});

describe('abrupt disconnect during a push', () => {
  it('aborts the upstream request and leaves the refs unchanged', async () => {
    const url = `ssh://git@127.0.0.1:${bridge.port}/bob/shared.git`;
    const o = { port: bridge.port, key: bob };
    const src = await kit.makeRepo('big', 1);
    await kit.gitOk(src, ['push', '-q', url, 'main'], o);
    const before = await kit.gitOk(src, ['ls-remote', url], o);
    const head = (await kit.gitOk(src, ['rev-parse', 'HEAD'])).trim();
    // A real pack for a new commit, cut in half before the client vanishes.
    const next = await kit.commit(src, 'noise.bin', 'x'.repeat(300_000) + Math.random(), 'big');
    const pack = execFileSync('git', ['pack-objects', '--stdout', '--revs'], {
      cwd: src,
      input: `${next}\n^${head}\n`,
    });
    const n = worker.requests.length;
    const child = kit.spawnSsh(bridge.port, bob, "git-receive-pack 'bob/shared.git'");
    await new Promise((resolve) => child.stdout.once('data', resolve));
    const cmd = `${head} ${next} refs/heads/main\0report-status\n`;
    child.stdin.write(`${(cmd.length + 4).toString(16).padStart(4, '0')}${cmd}0000`);
    const logged = logs.length;
    child.stdin.write(pack.subarray(0, pack.length >> 1));
    // Cut the client off once the bridge is forwarding the push.
    await expect
      .poll(() => logs.slice(logged).some((l) => l.includes('"msg":"push forwarding"')), {
        timeout: 5000,
      })
      .toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('close', resolve));
    await expect
      .poll(() => worker.requests.slice(n).find((r) => r.method === 'POST')?.complete, {
        timeout: 5000,
      })
      .toBe(false);
    expect(await kit.gitOk(src, ['ls-remote', url], o)).toBe(before);
    await expect.poll(() => bridge.activeSessions(), { timeout: 5000 }).toBe(0);
  });
});
