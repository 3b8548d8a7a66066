/**
 * git over smart HTTP with the real git client: clone, fetch, pull, push (branches, tags,
 * deletions, --force, --atomic), shallow and partial clones, jj change-id round trips,
 * permissions, corrupt packs and concurrent pushes. Every clone is checked with `git fsck --full`.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');
const ZERO = '0'.repeat(40);

describe('git over HTTPS', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let bob: SignUp;
  let aliceToken: string;
  let bobToken: string;

  beforeAll(async () => {
    alice = await signUp(base);
    bob = await signUp(base);
    aliceToken = await alice.token(['repo:read', 'repo:write']);
    bobToken = await bob.token(['repo:read', 'repo:write']);
  });
  afterAll(() => g.cleanup());

  it('pushes to an empty repository, then clones it intact', async () => {
    await alice.createRepo('first');
    const url = remoteUrl(base, alice.user.login, 'first', aliceToken);
    const empty = await g.git(g.root, ['clone', url, join(g.root, 'empty-clone')]);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toContain('cloned an empty repository');

    const src = await g.makeRepo('first-src', 5);
    const push = await g.git(src, ['push', url, 'main']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).toContain('* [new branch]      main -> main');

    const dst = join(g.root, 'first-clone');
    const clone = await g.git(g.root, ['clone', url, dst]);
    expect(clone.code, clone.stderr).toBe(0);
    expect(await g.ok(dst, ['rev-parse', 'HEAD'])).toBe(await g.ok(src, ['rev-parse', 'HEAD']));
    expect(await g.ok(dst, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main\n');
    expect((await g.git(dst, ['fsck', '--full'])).code).toBe(0);
    expect(await g.ok(dst, ['log', '--format=%s'])).toBe(await g.ok(src, ['log', '--format=%s']));
  });

  it('fetches and pulls new commits incrementally; ls-remote lists refs', async () => {
    await alice.createRepo('incr');
    const url = remoteUrl(base, alice.user.login, 'incr', aliceToken);
    const src = await g.makeRepo('incr-src', 3);
    await g.ok(src, ['push', url, 'main']);
    const dst = join(g.root, 'incr-clone');
    await g.ok(g.root, ['clone', url, dst]);
    const tip = await g.commitFile(src, 'new.txt', 'new\n', 'one more');
    await g.ok(src, ['push', url, 'main']);
    const pull = await g.git(dst, ['pull', '--ff-only']);
    expect(pull.code, pull.stderr).toBe(0);
    expect((await g.ok(dst, ['rev-parse', 'HEAD'])).trim()).toBe(tip);
    expect((await g.git(dst, ['fsck', '--full'])).code).toBe(0);
    const ls = await g.ok(src, ['ls-remote', url]);
    expect(ls).toContain(`${tip}\tHEAD`);
    expect(ls).toContain(`${tip}\trefs/heads/main`);
  });

  it('handles branches, annotated tags, deletions, --force and --atomic', async () => {
    await alice.createRepo('refs');
    const url = remoteUrl(base, alice.user.login, 'refs', aliceToken);
    const src = await g.makeRepo('refs-src', 3);
    await g.ok(src, ['push', url, 'main']);
    await g.ok(src, ['checkout', '-q', '-b', 'feature']);
    await g.commitFile(src, 'f.txt', 'feature\n', 'feature work');
    await g.ok(src, ['tag', '-a', 'v1.0', '-m', 'release 1.0']);
    const multi = await g.git(src, ['push', url, 'feature', 'v1.0', 'main:other']);
    expect(multi.code, multi.stderr).toBe(0);
    let ls = await g.ok(src, ['ls-remote', url]);
    expect(ls).toMatch(/refs\/heads\/feature/);
    expect(ls).toMatch(/refs\/tags\/v1\.0\^\{\}/);

    // A clone gets the annotated tag.
    const dst = join(g.root, 'refs-clone');
    await g.ok(g.root, ['clone', url, dst]);
    expect(await g.ok(dst, ['tag', '-l'])).toContain('v1.0');

    // Non-fast-forward is refused (client-side, from the advertisement) …
    await g.ok(src, ['reset', '-q', '--hard', 'HEAD~1']);
    await g.commitFile(src, 'g.txt', 'rewritten\n', 'rewrite');
    const nonFf = await g.git(src, ['push', url, 'feature']);
    expect(nonFf.code).not.toBe(0);
    expect(nonFf.stderr).toContain('[rejected]');
    expect(nonFf.stderr).toContain('non-fast-forward');
    // … and accepted with --force.
    const forced = await g.git(src, ['push', '--force', url, 'feature']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('(forced update)');

    // Delete a branch.
    const del = await g.git(src, ['push', url, ':other']);
    expect(del.code, del.stderr).toBe(0);
    ls = await g.ok(src, ['ls-remote', url]);
    expect(ls).not.toContain('refs/heads/other');

    // --atomic, checked by the server: one stale command fails them all.
    const before = await g.ok(src, ['ls-remote', url]);
    const mainTip = (await g.ok(src, ['rev-parse', 'main'])).trim();
    const emptyPack = Buffer.concat([Buffer.from('PACK\0\0\0\x02\0\0\0\0', 'latin1')]);
    const { createHash } = await import('node:crypto');
    const pack = Buffer.concat([emptyPack, createHash('sha1').update(emptyPack).digest()]);
    const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
    const commands =
      pkt(`${ZERO} ${mainTip} refs/heads/atomic-new\0report-status atomic\n`) +
      pkt(`${'1'.repeat(40)} ${mainTip} refs/heads/feature\n`) +
      '0000';
    const res = await fetch(`${base}/${alice.user.login}/refs.git/git-receive-pack`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`x:${aliceToken}`).toString('base64')}` },
      body: Buffer.concat([Buffer.from(commands), pack]),
    });
    const report = await res.text();
    expect(report).toContain('unpack ok');
    expect(report).toContain('ng refs/heads/atomic-new atomic push failure');
    expect(report).toContain('ng refs/heads/feature stale info');
    expect(await g.ok(src, ['ls-remote', url])).toBe(before);
  });

  it('clones shallow (--depth, --shallow-since) and partial (--filter=blob:none)', async () => {
    await alice.createRepo('shallow');
    const url = remoteUrl(base, alice.user.login, 'shallow', aliceToken);
    const src = await g.makeRepo('shallow-src', 6);
    await g.ok(src, ['push', url, 'main']);
    const d1 = join(g.root, 'shallow-1');
    const r = await g.git(g.root, ['clone', '--depth', '1', url, d1]);
    expect(r.code, r.stderr).toBe(0);
    expect((await g.ok(d1, ['rev-list', '--count', 'HEAD'])).trim()).toBe('1');
    expect((await g.git(d1, ['fsck', '--full'])).code).toBe(0);
    const deepen = await g.git(d1, ['fetch', '--deepen', '2']);
    expect(deepen.code, deepen.stderr).toBe(0);
    expect((await g.ok(d1, ['rev-list', '--count', 'HEAD'])).trim()).toBe('3');

    const since = join(g.root, 'shallow-since');
    const s = await g.git(g.root, ['clone', '--shallow-since', '2000-01-01', url, since]);
    expect(s.code, s.stderr).toBe(0);

    const partial = join(g.root, 'partial');
    const p = await g.git(g.root, ['clone', '--filter=blob:none', url, partial]);
    expect(p.code, p.stderr).toBe(0);
    expect(await g.ok(partial, ['cat-file', '-p', 'HEAD:file1.txt'])).toContain('content');
  });

  it('round-trips commits carrying a jj change-id header byte for byte', async () => {
    await alice.createRepo('jj');
    const url = remoteUrl(base, alice.user.login, 'jj', aliceToken);
    const src = await g.makeRepo('jj-src', 1);
    const tree = (await g.ok(src, ['rev-parse', 'HEAD^{tree}'])).trim();
    const parent = (await g.ok(src, ['rev-parse', 'HEAD'])).trim();
    const body =
      `tree ${tree}\nparent ${parent}\nauthor J <j@x> 1700000000 +0000\ncommitter J <j@x> 1700000000 +0000\n` +
      `change-id zyxwvutsrqponmlkzyxwvutsrqponmlk\n\njj change\n`;
    const oid = (
      await g.ok(src, ['hash-object', '-t', 'commit', '-w', '--literally', '--stdin'], {
        input: body,
      })
    ).trim();
    await g.ok(src, ['update-ref', 'refs/heads/main', oid]);
    await g.ok(src, ['push', url, 'main']);
    const dst = join(g.root, 'jj-clone');
    await g.ok(g.root, ['clone', url, dst]);
    expect((await g.ok(dst, ['rev-parse', 'HEAD'])).trim()).toBe(oid);
    expect(await g.ok(dst, ['cat-file', 'commit', 'HEAD'])).toBe(body);
  });

  it('enforces permissions with the messages git users expect', async () => {
    await alice.createRepo('guarded');
    await alice.createRepo('secret', { private: true });
    const src = await g.makeRepo('guarded-src', 1);
    await g.ok(src, ['push', remoteUrl(base, alice.user.login, 'guarded', aliceToken), 'main']);
    await g.ok(src, ['push', remoteUrl(base, alice.user.login, 'secret', aliceToken), 'main']);

    // Anonymous clone of a public repository works; anonymous push is challenged.
    const anon = await g.git(g.root, [
      'clone',
      remoteUrl(base, alice.user.login, 'guarded'),
      join(g.root, 'anon'),
    ]);
    expect(anon.code, anon.stderr).toBe(0);
    const anonPush = await g.git(src, [
      'push',
      remoteUrl(base, alice.user.login, 'guarded'),
      'main:x',
    ]);
    expect(anonPush.code).not.toBe(0);
    expect(anonPush.stderr).toMatch(
      /could not read Username|Authentication failed|terminal prompts disabled/,
    );

    // Another user: may read the public repository, may not push to it.
    const bobPush = await g.git(src, [
      'push',
      remoteUrl(base, alice.user.login, 'guarded', bobToken),
      'main:x',
    ]);
    expect(bobPush.code).not.toBe(0);
    expect(bobPush.stderr).toContain(`Permission to ${alice.user.login}/guarded denied`);

    // A private repository is "not found" for strangers, anonymous or signed in.
    const bobClone = await g.git(g.root, [
      'clone',
      remoteUrl(base, alice.user.login, 'secret', bobToken),
      join(g.root, 'bob-secret'),
    ]);
    expect(bobClone.code).not.toBe(0);
    expect(bobClone.stderr).toMatch(/Repository not found|not found/);
    const anonSecret = await g.git(g.root, [
      'clone',
      remoteUrl(base, alice.user.login, 'secret'),
      join(g.root, 'anon-secret'),
    ]);
    expect(anonSecret.code).not.toBe(0);
    expect(anonSecret.stderr).not.toContain('Permission');
    const missing = await g.git(g.root, [
      'clone',
      remoteUrl(base, alice.user.login, 'nope', bobToken),
      join(g.root, 'nope'),
    ]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/not found/);
  });

  it('answers a corrupt or truncated pack with an unpack error and changes no ref', async () => {
    await alice.createRepo('corrupt');
    const url = remoteUrl(base, alice.user.login, 'corrupt', aliceToken);
    const src = await g.makeRepo('corrupt-src', 2);
    await g.ok(src, ['push', url, 'main']);
    const before = await g.ok(src, ['ls-remote', url]);
    const tip = (await g.ok(src, ['rev-parse', 'HEAD'])).trim();
    const next = await g.commitFile(src, 'x.txt', 'x\n'.repeat(100), 'next');
    const { execFileSync } = await import('node:child_process');
    const raw = execFileSync('git', ['pack-objects', '--stdout', '--revs'], {
      cwd: src,
      input: `${next}\n^${tip}\n`,
      env: g.env(),
    });
    const pkt = (s: string) => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
    const cmd = Buffer.from(pkt(`${tip} ${next} refs/heads/main\0report-status\n`) + '0000');
    const cases: Array<[string, Buffer]> = [
      ['truncated', raw.subarray(0, raw.length - 30)],
      [
        'bad checksum',
        Buffer.concat([raw.subarray(0, raw.length - 1), Buffer.from([raw[raw.length - 1]! ^ 1])]),
      ],
      ['garbage', Buffer.from('PACK\0\0\0\x02\0\0\0\x01garbage-garbage-garbage-garbage')],
      // A valid pack that leaves out the new blob: the connectivity check must refuse it.
      [
        'missing object',
        execFileSync('git', ['pack-objects', '--stdout'], {
          cwd: src,
          input: `${next}\n${(await g.ok(src, ['rev-parse', `${next}^{tree}`])).trim()}\n`,
          env: g.env(),
        }),
      ],
    ];
    const auth = `Basic ${Buffer.from(`x:${aliceToken}`).toString('base64')}`;
    for (const [name, body] of cases) {
      const res = await fetch(`${base}/${alice.user.login}/corrupt.git/git-receive-pack`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-git-receive-pack-request' },
        body: Buffer.concat([cmd, body]),
      });
      expect(res.status, name).toBe(200);
      const text = await res.text();
      expect(text, name).toMatch(/unpack (?!ok)/);
      expect(text, name).toContain('ng refs/heads/main');
      if (name === 'missing object') expect(text).toMatch(/missing necessary objects/);
    }
    expect(await g.ok(src, ['ls-remote', url])).toBe(before);
    // The server keeps serving: a good push still lands.
    const good = await g.git(src, ['push', url, 'main']);
    expect(good.code, good.stderr).toBe(0);
  });

  it('lets exactly one of several concurrent pushes from the same old value win', async () => {
    await alice.createRepo('race');
    const url = remoteUrl(base, alice.user.login, 'race', aliceToken);
    const src = await g.makeRepo('race-src', 1);
    await g.ok(src, ['push', url, 'main']);
    const clones: string[] = [];
    for (let i = 0; i < 4; i++) {
      const d = join(g.root, `race-${i}`);
      await g.ok(g.root, ['clone', '-q', url, d]);
      await g.commitFile(d, `r${i}.txt`, `${i}\n`, `racer ${i}`);
      clones.push(d);
    }
    const results = await Promise.all(clones.map((d) => g.git(d, ['push', url, 'main'])));
    const winners = results.filter((r) => r.code === 0);
    expect(winners.length).toBe(1);
    const winner = clones[results.indexOf(winners[0]!)]!;
    const remoteTip = (await g.ok(src, ['ls-remote', url, 'refs/heads/main'])).split('\t')[0];
    expect(remoteTip).toBe((await g.ok(winner, ['rev-parse', 'HEAD'])).trim());
    // Different branches all land.
    const branches = await Promise.all(
      clones.map((d, i) => g.git(d, ['push', url, `HEAD:refs/heads/b${i}`])),
    );
    expect(branches.every((r) => r.code === 0)).toBe(true);
  });

  it('keeps serving correctly across many small pushes (packs are compacted)', async () => {
    await alice.createRepo('many');
    const url = remoteUrl(base, alice.user.login, 'many', aliceToken);
    const src = await g.makeRepo('many-src', 1);
    await g.ok(src, ['push', url, 'main']);
    const dst = join(g.root, 'many-clone');
    await g.ok(g.root, ['clone', '-q', url, dst]);
    for (let i = 0; i < 12; i++) {
      await g.commitFile(src, `m${i % 4}.txt`, `push ${i}\n`.repeat(20 + i), `small push ${i}`);
      const r = await g.git(src, ['push', url, 'main']);
      expect(r.code, r.stderr).toBe(0);
    }
    const pull = await g.git(dst, ['pull', '-q', '--ff-only']);
    expect(pull.code, pull.stderr).toBe(0);
    expect((await g.ok(dst, ['rev-parse', 'HEAD'])).trim()).toBe(
      (await g.ok(src, ['rev-parse', 'HEAD'])).trim(),
    );
    const fresh = join(g.root, 'many-fresh');
    await g.ok(g.root, ['clone', '-q', url, fresh]);
    expect((await g.git(fresh, ['fsck', '--full'])).code).toBe(0);
    expect((await g.ok(fresh, ['rev-list', '--count', 'HEAD'])).trim()).toBe('13');
  });

  it('follows repository changes: default branch, visibility, deletion', async () => {
    await alice.createRepo('lifecycle');
    const url = remoteUrl(base, alice.user.login, 'lifecycle', aliceToken);
    const anonUrl = remoteUrl(base, alice.user.login, 'lifecycle');
    const src = await g.makeRepo('lifecycle-src', 2);
    await g.ok(src, ['push', url, 'main', 'main:dev']);
    // Anonymous reads work (and prime the edge copy of the public record).
    expect((await g.git(src, ['ls-remote', anonUrl])).code).toBe(0);
    const admin = await alice.token(['repo:read', 'repo:write', 'admin']);
    const patch = (body: object) =>
      fetch(`${base}/api/v1/repos/${alice.user.login}/lifecycle`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await patch({ default_branch: 'dev' })).status).toBe(200);
    expect(await g.ok(src, ['ls-remote', '--symref', url, 'HEAD'])).toContain(
      'ref: refs/heads/dev\tHEAD',
    );
    // Made private: strangers lose access at once.
    expect((await patch({ private: true })).status).toBe(200);
    const hidden = await g.git(src, ['ls-remote', anonUrl]);
    expect(hidden.code).not.toBe(0);
    expect((await g.git(src, ['ls-remote', url])).code).toBe(0);
    // Deleted, then created again under the same name: nothing of the old one survives.
    const del = await fetch(`${base}/api/v1/repos/${alice.user.login}/lifecycle`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(del.status).toBe(204);
    const gone = await g.git(src, ['ls-remote', url]);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/not found/i);
    await alice.createRepo('lifecycle');
    expect((await g.ok(src, ['ls-remote', url])).trim()).toBe('');
  });

  it('changes no ref when the client disconnects in the middle of a push', async () => {
    await alice.createRepo('interrupted');
    const url = remoteUrl(base, alice.user.login, 'interrupted', aliceToken);
    const src = await g.makeRepo('interrupted-src', 1);
    await g.ok(src, ['push', url, 'main']);
    const before = await g.ok(src, ['ls-remote', url]);
    const tip = (await g.ok(src, ['rev-parse', 'HEAD'])).trim();
    const { randomBytes } = await import('node:crypto');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(src, 'blob.bin'), randomBytes(2 * 1024 * 1024));
    await g.ok(src, ['add', 'blob.bin']);
    const next = await g.commitFile(src, 'note.txt', 'note\n', 'big change');
    const { execFileSync } = await import('node:child_process');
    const pack = execFileSync('git', ['pack-objects', '--stdout', '--revs'], {
      cwd: src,
      input: `${next}\n^${tip}\n`,
      env: g.env(),
      maxBuffer: 64 * 1024 * 1024,
    });
    const pkt = (t: string) => `${(t.length + 4).toString(16).padStart(4, '0')}${t}`;
    const head = Buffer.from(pkt(`${tip} ${next} refs/heads/main\0report-status\n`) + '0000');
    const http = await import('node:http');
    const target = new URL(`${base}/${alice.user.login}/interrupted.git/git-receive-pack`);
    // Half the pack goes out, then the client vanishes. The server sends nothing before the
    // request ends (no progress before a pack part is stored), so the cut comes after the
    // bytes are written out.
    await new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: target.pathname,
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`x:${aliceToken}`).toString('base64')}`,
            'content-type': 'application/x-git-receive-pack-request',
            'transfer-encoding': 'chunked',
          },
        },
        () => resolve(),
      );
      req.on('error', () => resolve());
      req.write(head);
      req.write(pack.subarray(0, Math.floor(pack.length / 2)), () => {
        req.destroy();
        resolve();
      });
    });
    // A request whose client is gone leaves no trace to wait for: this pause only gives a
    // wrong ref update the time to happen before the refs are read.
    // eslint-disable-next-line no-restricted-syntax -- nothing observable marks the end of it
    await new Promise((r) => setTimeout(r, 500));
    expect(await g.ok(src, ['ls-remote', url])).toBe(before);
    const good = await g.git(src, ['push', url, 'main']);
    expect(good.code, good.stderr).toBe(0);
  });

  it('answers fuzzed pkt-line requests with clean errors and keeps serving', async () => {
    await alice.createRepo('fuzz');
    const src = await g.makeRepo('fuzz-src', 1);
    const url = remoteUrl(base, alice.user.login, 'fuzz', aliceToken);
    await g.ok(src, ['push', url, 'main']);
    const auth = `Basic ${Buffer.from(`x:${aliceToken}`).toString('base64')}`;
    const { randomBytes } = await import('node:crypto');
    const bodies: Buffer[] = [
      Buffer.from('zzzz'),
      Buffer.from('0005'),
      Buffer.from('ffff' + 'a'.repeat(10)),
      Buffer.from('0014command=fetch\n0001000dwant xyz\n0000'),
      Buffer.from('0014command=nope!\n0000'),
      Buffer.from('0009want\n'),
    ];
    for (let i = 0; i < 24; i++) bodies.push(randomBytes(1 + ((i * 37) % 300)));
    for (const service of ['git-upload-pack', 'git-receive-pack']) {
      for (const body of bodies) {
        const res = await fetch(`${base}/${alice.user.login}/fuzz.git/${service}`, {
          method: 'POST',
          headers: { authorization: auth, 'git-protocol': 'version=2' },
          body: new Uint8Array(body),
          signal: AbortSignal.timeout(10_000),
        });
        const text = await res.text();
        expect(res.status, `${service} ${body.toString('hex').slice(0, 40)}`).toBeLessThan(500);
        if (res.status === 200 && text.length > 0) expect(text).toMatch(/ERR |unpack |ng |^0000$/);
      }
    }
    expect((await fetch(`${base}/api/v1/health`)).status).toBe(200);
    const dst = join(g.root, 'fuzz-clone');
    expect((await g.git(g.root, ['clone', '-q', url, dst])).code).toBe(0);
  });
});
