/**
 * The receive (push) side of issue 15 with the real git client: ref names checked as
 * `git check-ref-format` does plus a length limit, fsck of incoming objects with git's message
 * ids and severities, pushes from shallow clones, and every refusal reaching the user as text git
 * prints (over HTTPS, and over SSH through the bridge).
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../helpers/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');
const ZERO = '0'.repeat(40);

const pkt = (s: string) => `${(Buffer.byteLength(s) + 4).toString(16).padStart(4, '0')}${s}`;

/** A pack with no objects: header and SHA-1 trailer. */
function emptyPack(): Buffer {
  const head = Buffer.from('5041434b0000000200000000', 'hex');
  return Buffer.concat([head, createHash('sha1').update(head).digest()]);
}

/** Pkt-line payloads of a receive-pack response, side-band channel 1 unwrapped. */
function reportLines(body: Buffer): string[] {
  const out: string[] = [];
  let inner = Buffer.alloc(0);
  for (let at = 0; at + 4 <= body.length;) {
    const len = parseInt(body.subarray(at, at + 4).toString(), 16);
    if (len < 4) {
      at += 4;
      continue;
    }
    const data = body.subarray(at + 4, at + len);
    at += len;
    if (data[0] === 1) inner = Buffer.concat([inner, data.subarray(1)]);
    else if (data[0] !== 2 && data[0] !== 3) out.push(data.toString());
  }
  if (inner.length) out.push(...reportLines(inner));
  return out.map((l) => l.replace(/\n$/, ''));
}

describe('pushed ref names', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write']);
  });
  afterAll(() => g.cleanup());

  it('refuses names over 255 bytes with a readable ng, and later pushes and clones still work', async () => {
    await alice.createRepo('longref');
    const url = remoteUrl(base, alice.user.login, 'longref', token);
    const src = await g.makeRepo('longref-src', 2);
    await g.ok(src, ['push', url, 'main']);
    const before = await g.ok(src, ['ls-remote', url]);

    const at256 = `refs/heads/${'b'.repeat(256 - 'refs/heads/'.length)}`;
    const over = await g.git(src, ['push', url, `HEAD:${at256}`]);
    expect(over.code).not.toBe(0);
    expect(over.stderr).toContain('[remote rejected]');
    expect(over.stderr).toContain('invalid ref name: 256 bytes long, the limit is 255');

    // ~65,000 characters: the name that used to make every later push answer HTTP 500.
    const huge = `refs/heads/${'x'.repeat(65_000)}`;
    const hugePush = await g.git(src, ['push', url, `HEAD:${huge}`]);
    expect(hugePush.code).not.toBe(0);
    expect(hugePush.stderr).toContain('invalid ref name: 65011 bytes long, the limit is 255');

    // Exactly 255 bytes is allowed, fetched and deleted like any branch.
    const at255 = `refs/heads/${'c'.repeat(255 - 'refs/heads/'.length)}`;
    const ok = await g.git(src, ['push', url, `HEAD:${at255}`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await g.ok(src, ['ls-remote', url])).toContain(at255);
    expect((await g.git(src, ['push', url, `:${at255}`])).code).toBe(0);

    expect(await g.ok(src, ['ls-remote', url])).toBe(before);
    await g.commitFile(src, 'after.txt', 'after\n', 'after the long names');
    const later = await g.git(src, ['push', url, 'main']);
    expect(later.code, later.stderr).toBe(0);
    const dst = join(g.root, 'longref-clone');
    const clone = await g.git(g.root, ['clone', url, dst]);
    expect(clone.code, clone.stderr).toBe(0);
    expect((await g.git(dst, ['fsck', '--strict'])).code).toBe(0);
  });

  it('answers each name git check-ref-format refuses with its own ng line', async () => {
    await alice.createRepo('funny');
    const url = remoteUrl(base, alice.user.login, 'funny', token);
    const src = await g.makeRepo('funny-src', 1);
    await g.ok(src, ['push', url, 'main']);
    const tip = (await g.ok(src, ['rev-parse', 'HEAD'])).trim();
    const bad: Array<[string, string]> = [
      ['refs/heads/a..b', 'contains ".."'],
      ['refs/heads/a b', 'contains a space'],
      ['refs/heads/a~1', 'contains "~"'],
      ['refs/heads/a^', 'contains "^"'],
      ['refs/heads/a:b', 'contains ":"'],
      ['refs/heads/a?', 'contains "?"'],
      ['refs/heads/a*', 'contains "*"'],
      ['refs/heads/a[', 'contains "["'],
      ['refs/heads/a\\b', 'contains "\\"'],
      ['refs/heads/tab\tx', 'contains a control character'],
      ['refs/heads/.hidden', 'has a component starting with "."'],
      ['refs/heads/x.lock', 'has a component ending in ".lock"'],
      ['refs/heads/x/', 'ends with "/"'],
      ['refs/heads/x.', 'ends with "."'],
      ['refs/heads/a@{1}', 'contains "@{"'],
      ['refs/heads//x', 'contains "//"'],
      ['@', 'must start with "refs/"'],
      ['heads/main2', 'must start with "refs/"'],
    ];
    const lines = bad.map(([ref], i) =>
      pkt(`${ZERO} ${tip} ${ref}${i === 0 ? '\0report-status' : ''}\n`),
    );
    const auth = `Basic ${Buffer.from(`x:${token}`).toString('base64')}`;
    const res = await fetch(`${base}/${alice.user.login}/funny.git/git-receive-pack`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-git-receive-pack-request' },
      // The objects are already there: an empty pack (header and checksum only) follows.
      body: Buffer.concat([Buffer.from(lines.join('') + '0000'), emptyPack()]),
    });
    expect(res.status).toBe(200);
    const report = reportLines(Buffer.from(await res.arrayBuffer()));
    expect(report[0]).toBe('unpack ok');
    for (const [ref, reason] of bad)
      expect(report).toContain(`ng ${ref} invalid ref name: ${reason}`);
    expect((await g.ok(src, ['ls-remote', url])).trim().split('\n')).toHaveLength(2);
  });
});

describe('pushes from shallow clones', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write']);
  });
  afterAll(() => g.cleanup());

  it('accepts a push from a --depth 1 clone; the repository stays complete', async () => {
    await alice.createRepo('shallow');
    const url = remoteUrl(base, alice.user.login, 'shallow', token);
    const src = await g.makeRepo('shallow-src', 4);
    await g.ok(src, ['push', url, 'main']);
    const dir = join(g.root, 'shallow-clone');
    await g.ok(g.root, ['clone', '-q', '--depth', '1', url, dir]);
    const tip = await g.commitFile(dir, 'ci.txt', 'built\n', 'from a shallow clone');
    const push = await g.git(dir, ['push', 'origin', 'HEAD:main', 'HEAD:refs/heads/bot']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).not.toContain('bad band');
    const full = join(g.root, 'shallow-full');
    await g.ok(g.root, ['clone', '-q', url, full]);
    expect((await g.ok(full, ['rev-parse', 'HEAD'])).trim()).toBe(tip);
    expect((await g.ok(full, ['rev-list', '--count', 'HEAD'])).trim()).toBe('5');
    expect((await g.git(full, ['fsck', '--strict'])).code).toBe(0);
  });

  it('refuses a shallow history the server cannot complete: "shallow update not allowed"', async () => {
    await alice.createRepo('shallow-empty');
    await alice.createRepo('shallow-origin');
    const origin = remoteUrl(base, alice.user.login, 'shallow-origin', token);
    const src = await g.makeRepo('shallow-origin-src', 3);
    await g.ok(src, ['push', origin, 'main']);
    const dir = join(g.root, 'shallow-origin-clone');
    await g.ok(g.root, ['clone', '-q', '--depth', '1', origin, dir]);
    const url = remoteUrl(base, alice.user.login, 'shallow-empty', token);
    const push = await g.git(dir, ['push', url, 'HEAD:main']);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('[remote rejected] HEAD -> main (shallow update not allowed)');
    expect((await g.ok(src, ['ls-remote', url])).trim()).toBe('');
  });
});
