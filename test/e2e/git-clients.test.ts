/**
 * git clients nobody here wrote, against the real stack: libgit2 (Debian's python3-pygit2),
 * dulwich (python3-dulwich) and isomorphic-git (npm). None of them speaks protocol v2, so each
 * fetch goes through upload-pack v0/v1. Each clones over HTTPS, pushes a commit that the real
 * git client then clones and checks with `git fsck --strict`, and fetches a commit pushed after
 * its clone. libgit2 also clones over SSH through the bridge. The clients run as small scripts
 * in test/clients/ and leave ordinary git repositories that real git inspects.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Bridge } from '../../ssh-bridge/server';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { SshKit, type SshKey, startTestBridge } from '../helpers/ssh';

const base = inject('baseUrl');
const CLIENTS = join(import.meta.dirname, '..', 'clients');
// Debian's interpreter: the packaged bindings live in its dist-packages, not in another python3.
const PYTHON = '/usr/bin/python3';

interface Client {
  name: string;
  command: string[];
  /** The clone URL: some clients take credentials only from it. */
  url(owner: string, repo: string, token: string): string;
}

const clients: Client[] = [
  {
    name: 'libgit2 (pygit2)',
    command: [PYTHON, join(CLIENTS, 'libgit2_client.py')],
    url: (o, r) => remoteUrl(base, o, r),
  },
  {
    name: 'dulwich',
    command: [PYTHON, join(CLIENTS, 'dulwich_client.py')],
    url: (o, r, t) => remoteUrl(base, o, r, t),
  },
  {
    name: 'isomorphic-git',
    command: [process.execPath, join(CLIENTS, 'isomorphic-git-client.mjs')],
    url: (o, r) => remoteUrl(base, o, r),
  },
];

const g = new GitSandbox();
let alice: SignUp;
let token: string;

function runClient(
  client: Client,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [cmd, ...pre] = client.command as [string, ...string[]];
  return new Promise((resolve) => {
    execFile(
      cmd,
      [...pre, ...args],
      { env: g.env({ PLUE_TOKEN: token, ...env }), timeout: 120_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

beforeAll(async () => {
  alice = await signUp(base);
  token = await alice.token(['repo:read', 'repo:write']);
});
afterAll(() => g.cleanup());

describe.each(clients)('$name over HTTPS', (client) => {
  const slug = client.name.replace(/[^a-z0-9]+/gi, '-').toLowerCase();

  it('clones, pushes a commit git then sees, and fetches a later push', async () => {
    const repo = `c-${slug}`;
    await alice.createRepo(repo);
    const gitUrl = remoteUrl(base, alice.user.login, repo, token);
    const src = await g.makeRepo(`${slug}-src`, 4);
    await g.ok(src, ['tag', '-a', 'v1', '-m', 'one']);
    await g.ok(src, ['push', '-q', gitUrl, 'main', 'v1']);

    const dir = join(g.root, `${slug}-clone`);
    const url = client.url(alice.user.login, repo, token);
    const clone = await runClient(client, ['clone', url, dir]);
    expect(clone.code, clone.stderr).toBe(0);
    expect(await g.ok(dir, ['rev-parse', 'HEAD'])).toBe(await g.ok(src, ['rev-parse', 'HEAD']));
    expect((await g.git(dir, ['fsck'])).code).toBe(0);

    const push = await runClient(client, ['push', dir, 'from-client.txt', 'hello\n', 'by client']);
    expect(push.code, push.stderr).toBe(0);
    const pushed = push.stdout.trim();
    const seen = join(g.root, `${slug}-seen`);
    await g.ok(g.root, ['clone', '-q', gitUrl, seen]);
    expect((await g.ok(seen, ['rev-parse', 'HEAD'])).trim()).toBe(pushed);
    expect(await g.ok(seen, ['show', 'HEAD:from-client.txt'])).toBe('hello\n');
    expect((await g.git(seen, ['fsck', '--strict'])).code).toBe(0);

    const later = await g.commitFile(seen, 'later.txt', 'later\n', 'pushed after the clone');
    await g.ok(seen, ['push', '-q', 'origin', 'main']);
    const fetch = await runClient(client, ['fetch', dir]);
    expect(fetch.code, fetch.stderr).toBe(0);
    expect((await g.ok(dir, ['rev-parse', 'refs/remotes/origin/main'])).trim()).toBe(later);
    const fsck = await g.git(dir, ['fsck']);
    expect(fsck.code, fsck.stdout + fsck.stderr).toBe(0);
  });
});

describe('libgit2 (pygit2) over SSH', () => {
  let kit: SshKit;
  let bridge: Bridge;
  let key: SshKey;

  beforeAll(async () => {
    kit = new SshKit();
    key = await kit.keygen('libgit2');
    const res = await fetch(`${base}/api/v1/user/keys`, {
      method: 'POST',
      headers: alice.headers,
      body: JSON.stringify({ title: 'libgit2', key: key.publicLine }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    bridge = await startTestBridge(kit, base);
  }, 60_000);
  afterAll(async () => {
    await bridge?.close();
    kit?.cleanup();
  });

  it('clones', async () => {
    await alice.createRepo('c-ssh');
    const src = await g.makeRepo('ssh-src', 3);
    await g.ok(src, ['push', '-q', remoteUrl(base, alice.user.login, 'c-ssh', token), 'main']);
    const dir = join(g.root, 'ssh-clone');
    const url = `ssh://git@127.0.0.1:${bridge.port}/${alice.user.login}/c-ssh.git`;
    const clone = await runClient(clients[0] as Client, ['clone', url, dir], {
      PLUE_SSH_KEY: key.path,
    });
    expect(clone.code, clone.stderr).toBe(0);
    expect(await g.ok(dir, ['rev-parse', 'HEAD'])).toBe(await g.ok(src, ['rev-parse', 'HEAD']));
    expect((await g.git(dir, ['fsck', '--strict'])).code).toBe(0);
  });
});
