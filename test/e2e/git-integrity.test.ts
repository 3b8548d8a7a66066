/**
 * Histories that reach the server twice or go away again: a deleted and re-pushed branch, a
 * force-push back and forward, a force-pushed secret, a pack that names one object twice. After
 * each, a fresh clone must succeed, pass `git fsck --strict`, and hold exactly the objects
 * reachable from the refs — nothing of deleted branches or rewound commits, nothing twice. Each
 * is checked twice: right after the push (whatever compaction has done by then) and once the
 * background repack has made the packs exact again (then the clone streams the stored packs).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { encodePktLine } from '../../workers/git/model/pkt-line';
import { signUp, type SignUp } from '../helpers/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');
const SECRET = 'dev-internal-secret-change-me';

describe('git integrity across rewrites', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  let n = 0;

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write']);
  });
  afterAll(() => g.cleanup());

  const listing = async (repo: string) => {
    const res = await fetch(`${base}/internal/repos/${alice.user.login}/${repo}/packs`, {
      headers: { 'X-Plue-Internal-Secret': SECRET },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { exact: boolean; packs: Array<{ cruft: boolean }> };
  };

  const untilExact = async (repo: string) => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const l = await listing(repo);
      if (l.exact) return l;
      if (Date.now() > deadline) throw new Error(`${repo}: packs never became exact`);
      await new Promise((r) => setTimeout(r, 250));
    }
  };

  const objectsOf = async (dir: string, revs: string[]) =>
    (await g.ok(dir, ['rev-list', '--objects', ...revs]))
      .split('\n')
      .filter(Boolean)
      .map((l) => l.slice(0, 40))
      .sort();

  /** Clones bare, checks fsck --strict, and returns the objects the received pack holds. */
  const cloneObjects = async (url: string, streamsStored = false): Promise<string[]> => {
    const dst = join(g.root, `clone-${++n}`);
    const r = await g.git(g.root, ['clone', '--progress', '--bare', url, dst]);
    expect(r.code, r.stderr).toBe(0);
    // Once the packs are exact, a clone streams them as stored instead of rebuilding a pack.
    if (streamsStored) expect(r.stderr).toMatch(/Reusing \d+ objects from \d+ stored pack/);
    const fsck = await g.git(dst, ['fsck', '--strict', '--no-dangling']);
    expect(fsck.code, fsck.stderr + fsck.stdout).toBe(0);
    const listed = await g.ok(dst, [
      'cat-file',
      '--batch-all-objects',
      '--batch-check=%(objectname)',
    ]);
    const all = listed.split('\n').filter(Boolean).sort();
    const reachable = await objectsOf(dst, ['--all']);
    expect(all).toEqual(reachable);
    const count = await g.ok(dst, ['count-objects', '-v']);
    const inPack = Number(/in-pack: (\d+)/.exec(count)?.[1]);
    expect(inPack).toBe(all.length);
    return all;
  };

  const setUp = async (name: string, commits = 3) => {
    await alice.createRepo(name);
    const url = remoteUrl(base, alice.user.login, name, token);
    const src = await g.makeRepo(`${name}-src`, commits);
    await g.ok(src, ['push', '-q', url, 'main']);
    return { url, src };
  };

  it('clones after a branch is deleted and pushed again', async () => {
    const { url, src } = await setUp('repush');
    await g.ok(src, ['checkout', '-q', '-b', 'b']);
    await g.commitFile(src, 'b.txt', 'on b\n', 'b 1');
    await g.commitFile(src, 'b2.txt', 'more on b\n', 'b 2');
    await g.ok(src, ['push', '-q', url, 'b']);
    await g.ok(src, ['push', '-q', url, ':b']);
    await g.ok(src, ['push', '-q', url, 'b']);
    const want = await objectsOf(src, ['main', 'b']);
    expect(await cloneObjects(url)).toEqual(want);
    await untilExact('repush');
    expect(await cloneObjects(url, true)).toEqual(want);
    const single = join(g.root, 'repush-single');
    await g.ok(g.root, ['clone', '-q', '--single-branch', '--branch', 'b', url, single]);
    expect((await g.git(single, ['fsck', '--strict'])).code).toBe(0);
  });

  it('clones after a force-push back and a push forward again', async () => {
    const { url, src } = await setUp('rewind', 5);
    await g.ok(src, ['push', '-q', '--force', url, 'main~3:main']);
    expect(await cloneObjects(url)).toEqual(await objectsOf(src, ['main~3']));
    await g.ok(src, ['push', '-q', url, 'main']);
    const want = await objectsOf(src, ['main']);
    expect(await cloneObjects(url)).toEqual(want);
    await untilExact('rewind');
    expect(await cloneObjects(url, true)).toEqual(want);
  });

  it('never ships a force-pushed secret or a deleted branch in a clone', async () => {
    const { url, src } = await setUp('secret');
    const secret = await g.commitFile(src, 'key.pem', 'PRIVATE KEY 1234\n', 'oops');
    const blob = (await g.ok(src, ['rev-parse', 'HEAD:key.pem'])).trim();
    await g.ok(src, ['push', '-q', url, 'main']);
    await g.ok(src, ['checkout', '-q', '-b', 'gone']);
    const goneTip = await g.commitFile(src, 'gone.txt', 'deleted branch\n', 'gone');
    await g.ok(src, ['push', '-q', url, 'gone']);
    await g.ok(src, ['push', '-q', url, ':gone']);
    await g.ok(src, ['push', '-q', '--force', url, 'main~1:main']);
    const want = await objectsOf(src, ['main~1']);
    for (const phase of ['right after', 'after repack']) {
      if (phase === 'after repack') {
        const l = await untilExact('secret');
        // The unreachable objects wait out their grace in cruft packs, never cloned.
        expect(l.packs.filter((p) => p.cruft).length).toBeGreaterThanOrEqual(1);
      }
      const got = await cloneObjects(url, phase === 'after repack');
      expect(got, phase).toEqual(want);
      for (const oid of [secret, blob, goneTip]) expect(got, phase).not.toContain(oid);
    }
    // Fetching into a clone that never had them does not bring them either.
    const dst = join(g.root, 'secret-work');
    await g.ok(g.root, ['clone', '-q', url, dst]);
    await g.commitFile(src, 'next.txt', 'next\n', 'next');
    await g.ok(src, ['checkout', '-q', 'main']);
    await g.ok(dst, ['fetch', '-q', 'origin']);
    expect((await g.git(dst, ['cat-file', '-e', blob])).code).not.toBe(0);
  });

  it('refuses a pack that holds one object twice, and changes nothing', async () => {
    const { url, src } = await setUp('twice', 1);
    const before = (await g.ok(src, ['rev-parse', 'HEAD'])).trim();
    const tip = await g.commitFile(src, 'x.txt', 'x\n', 'x');
    // A pack of the new commit's objects with one entry repeated, header and trailer fixed up.
    const objs = await g.ok(src, ['rev-list', '--objects', `${before}..${tip}`]);
    const packBase = join(g.root, 'twice-pack');
    const id = (await g.ok(src, ['pack-objects', '-q', packBase], { input: objs })).trim();
    const pack = readFileSync(`${packBase}-${id}.pack`);
    const blob = (await g.ok(src, ['rev-parse', 'HEAD:x.txt'])).trim();
    const entries = await g.ok(src, ['verify-pack', '-v', `${packBase}-${id}.idx`]);
    const row = entries.split('\n').find((l) => l.startsWith(blob)) as string;
    const [, , , sizeInPack, offset] = row.split(/\s+/);
    const entry = pack.subarray(Number(offset), Number(offset) + Number(sizeInPack));
    const body = Buffer.concat([pack.subarray(0, pack.length - 20), entry]);
    body.writeUInt32BE(body.readUInt32BE(8) + 1, 8);
    const { createHash } = await import('node:crypto');
    const dup = Buffer.concat([body, createHash('sha1').update(body).digest()]);
    const req = Buffer.concat([
      encodePktLine(`${before} ${tip} refs/heads/main\0report-status side-band-64k\n`),
      Buffer.from('0000'),
      dup,
    ]);
    const res = await fetch(`${base}/${alice.user.login}/twice.git/git-receive-pack`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
        'content-type': 'application/x-git-receive-pack-request',
      },
      body: req,
    });
    const text = Buffer.from(await res.arrayBuffer()).toString('latin1');
    expect(text).toContain(`unpack pack holds object ${blob} twice`);
    expect(text).toContain('ng refs/heads/main');
    const refs = await g.ok(src, ['ls-remote', url, 'refs/heads/main']);
    expect(refs.startsWith(before)).toBe(true);
  });
});
