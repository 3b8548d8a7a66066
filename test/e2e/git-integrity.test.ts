/**
 * Histories that reach the server twice or go away again: a deleted and re-pushed branch, a
 * force-push back and forward, a force-pushed secret, a pack that names one object twice. After
 * each, a fresh clone must succeed, pass `git fsck --strict`, and hold exactly the objects
 * reachable from the refs — nothing of deleted branches or rewound commits, nothing twice. Each
 * is checked twice: right after the push (whatever compaction has done by then) and once the
 * background repack has made the packs exact again (then the clone streams the stored packs).
 */
import { COMPONENT_CREDENTIALS } from '../../common/dev-secret';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { encodePktLine } from '../../common/git/pkt-line';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');
const SECRET = COMPONENT_CREDENTIALS.operator.devDefault;
const ZERO = '0'.repeat(40);

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
      headers: { 'X-Plue-Operator-Secret': SECRET },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { exact: boolean; packs: Array<{ cruft: boolean }> };
  };

  const untilExact = (repo: string) =>
    vi.waitFor(
      async () => {
        const l = await listing(repo);
        if (!l.exact) throw new Error(`${repo}: packs never became exact`);
        return l;
      },
      { timeout: 60_000, interval: 250 },
    );

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

  it('clones after two pushes bring the same new object at the same time', async () => {
    const { url, src } = await setUp('together', 1);
    const base0 = (await g.ok(src, ['rev-parse', 'HEAD'])).trim();
    // Two commits on two branches that add the same file: both packs hold its blob.
    const packFor = async (branch: string) => {
      await g.ok(src, ['checkout', '-q', '-b', branch, base0]);
      const tip = await g.commitFile(src, 'same.txt', 'same content\n'.repeat(2000), branch);
      const pack = await new Promise<Buffer>((resolve, reject) => {
        const child = spawn('git', ['pack-objects', '--stdout', '--revs'], {
          cwd: src,
          env: g.env(),
        });
        const out: Buffer[] = [];
        child.stdout.on('data', (d: Buffer) => out.push(d));
        child.on('error', reject);
        child.on('close', () => resolve(Buffer.concat(out)));
        child.stdin.end(`${tip}\n^${base0}\n`);
      });
      const head = Buffer.concat([
        encodePktLine(`${ZERO} ${tip} refs/heads/${branch}\0report-status\n`),
        Buffer.from('0000'),
      ]);
      return { tip, body: Buffer.concat([head, pack]) };
    };
    const a = await packFor('a');
    const b = await packFor('b');
    const push = (body: ReadableStream<Uint8Array> | Buffer) =>
      fetch(`${base}/${alice.user.login}/together.git/git-receive-pack`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
          'content-type': 'application/x-git-receive-pack-request',
        },
        body,
        duplex: 'half',
      } as RequestInit);
    // Push a sends its commands and half its pack, and waits; push b comes and goes; then a ends.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const half = Math.floor(a.body.length / 2);
    const slow = new ReadableStream<Uint8Array>({
      async start(controller) {
        controller.enqueue(new Uint8Array(a.body.subarray(0, half)));
        await held;
        controller.enqueue(new Uint8Array(a.body.subarray(half)));
        controller.close();
      },
    });
    const first = push(slow);
    // Let the server read a's commands (and the repository's state) before b lands. Nothing it
    // sends marks that moment (no progress comes before a pack part is stored), and both pushes
    // must succeed in either order, so the pause decides only which race is exercised.
    // eslint-disable-next-line no-restricted-syntax -- no observable event; see above
    await new Promise((r) => setTimeout(r, 500));
    const second = await push(b.body);
    expect(await second.text()).toContain('ok refs/heads/b');
    release();
    expect(await (await first).text()).toContain('ok refs/heads/a');
    const want = await objectsOf(src, ['main', a.tip, b.tip]);
    expect(await cloneObjects(url)).toEqual(want);
    await untilExact('together');
    expect(await cloneObjects(url, true)).toEqual(want);
  });

  it('keeps a few cruft packs, not one per repack', async () => {
    const { url, src } = await setUp('cruft', 1);
    const gone: string[] = [];
    for (let i = 0; i < 7; i++) {
      await g.ok(src, ['checkout', '-q', '-b', `tmp${i}`, 'main']);
      gone.push(await g.commitFile(src, `tmp${i}.txt`, `tmp ${i}\n`, `tmp ${i}`));
      await g.ok(src, ['push', '-q', url, `tmp${i}`]);
      await g.ok(src, ['push', '-q', url, `:tmp${i}`]);
      await untilExact('cruft');
    }
    const l = await listing('cruft');
    expect(l.packs.filter((p) => p.cruft).length).toBeLessThanOrEqual(4);
    // Every deleted branch's commit is still stored (readable by id within the grace).
    const res = await fetch(
      `${base}/api/v1/repos/${alice.user.login}/cruft/git/commits/${gone[0]}`,
      {
        headers: { authorization: `Bearer ${token}` },
      },
    );
    expect(res.status).toBe(200);
    expect(await cloneObjects(url, true)).toEqual(await objectsOf(src, ['main']));
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
