/**
 * upload-pack protocol v0 and v1 over smart HTTP with the real git client
 * (`-c protocol.version=0|1`): the ref advertisement (empty repository, symref, peeled tags),
 * clone, incremental fetch through several stateless negotiation rounds, shallow clones
 * (--depth, --shallow-since, --shallow-exclude, deepening, unshallow), partial clone with
 * --filter=blob:none (and the lazy blob fetches that follow), and readable refusals.
 * Every clone is checked with `git fsck`.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');

describe.each(['0', '1'])('git upload-pack protocol v%s over HTTPS', (version) => {
  const g = new GitSandbox();
  const v = ['-c', `protocol.version=${version}`];
  let alice: SignUp;
  let token: string;
  let url: string;
  let src: string;

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write']);
    await alice.createRepo('proj');
    url = remoteUrl(base, alice.user.login, 'proj', token);
  });
  afterAll(() => g.cleanup());

  /** A commit on day `day` of 2024-01 (author and committer time). */
  async function commitAt(dir: string, day: number, file: string, message: string): Promise<void> {
    const date = `2024-01-${String(day).padStart(2, '0')}T12:00:00Z`;
    writeFileSync(join(dir, file), `${message}\n`);
    await g.ok(dir, ['add', file]);
    await g.ok(dir, ['commit', '-q', '-m', message], {
      env: { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    });
  }

  it('clones an empty repository, then one with branches and an annotated tag', async () => {
    const empty = await g.git(g.root, [...v, 'clone', url, join(g.root, 'empty')], {
      env: { GIT_TRACE_PACKET: '1' },
    });
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stderr).toContain('cloned an empty repository');
    expect(empty.stderr).toContain('capabilities^{}');
    expect(empty.stderr).not.toContain('version 2');

    // Commit times a day apart, for --shallow-since below.
    src = join(g.root, 'src');
    await g.ok(g.root, ['init', '-q', '-b', 'main', src]);
    for (let i = 1; i <= 6; i++) await commitAt(src, i, `file${i % 3}.txt`, `commit ${i}`);
    await g.ok(src, ['checkout', '-q', '-b', 'feature']);
    await commitAt(src, 7, 'feature.txt', 'feature work');
    await g.ok(src, ['tag', '-a', 'v1.0', '-m', 'release 1.0']);
    await g.ok(src, ['checkout', '-q', 'main']);
    await g.ok(src, ['push', '-q', url, 'main', 'feature', 'v1.0']);

    const dst = join(g.root, 'full');
    const clone = await g.git(g.root, [...v, 'clone', url, dst], {
      env: { GIT_TRACE_PACKET: '1' },
    });
    expect(clone.code, clone.stderr).toBe(0);
    expect(clone.stderr).not.toContain('version 2');
    if (version === '1') expect(clone.stderr).toMatch(/< version 1/);
    expect(clone.stderr).toMatch(/symref=HEAD:refs\/heads\/main/);
    expect(clone.stderr).toMatch(/multi_ack_detailed/);
    expect(await g.ok(dst, ['rev-parse', 'HEAD', 'origin/feature', 'v1.0^{commit}'])).toBe(
      await g.ok(src, ['rev-parse', 'HEAD', 'feature', 'v1.0^{commit}']),
    );
    expect(await g.ok(dst, ['rev-parse', '--abbrev-ref', 'HEAD'])).toBe('main\n');
    expect((await g.git(dst, ['fsck', '--strict'])).code).toBe(0);

    const ls = await g.ok(g.root, [...v, 'ls-remote', url]);
    const tagTarget = (await g.ok(src, ['rev-parse', 'v1.0^{}'])).trim();
    expect(ls).toContain(`${tagTarget}\trefs/tags/v1.0^{}`);
    expect(ls).toContain(`\tHEAD\n`);
  });

  it('fetches a new push through several negotiation rounds', async () => {
    // A clone that is only behind, with more history than one round of haves (16).
    await g.ok(src, ['checkout', '-q', '-b', `many${version}`, 'main']);
    for (let i = 0; i < 20; i++) await g.ok(src, ['commit', '-q', '--allow-empty', '-m', `m${i}`]);
    await g.ok(src, ['checkout', '-q', 'main']);
    await g.ok(src, ['push', '-q', url, `many${version}`]);
    const dst = join(g.root, 'incr');
    await g.ok(g.root, [...v, 'clone', '-q', url, dst]);
    // Local commits the server never saw: their haves go unanswered for a few rounds
    // (16, then 32 at a time) before the common ones.
    await g.ok(dst, ['checkout', '-q', '-b', 'local']);
    for (let i = 0; i < 60; i++) await g.ok(dst, ['commit', '-q', '--allow-empty', '-m', `l${i}`]);
    await g.ok(dst, ['checkout', '-q', 'main']);
    const tip = await g.commitFile(src, 'new.txt', 'new\n', 'one more');
    await g.ok(src, ['push', '-q', url, 'main']);
    const behind = join(g.root, 'behind');
    await g.ok(g.root, [...v, 'clone', '-q', url, behind]);

    const fetch = await g.git(dst, [...v, 'fetch', '--progress', 'origin'], {
      env: { GIT_TRACE_PACKET: '1' },
    });
    expect(fetch.code, fetch.stderr).toBe(0);
    expect(fetch.stderr).toMatch(/< ACK [0-9a-f]{40} common/);
    expect((await g.ok(dst, ['rev-parse', 'origin/main'])).trim()).toBe(tip);
    // Only the new commit came: the objects received are a handful, not the whole history.
    expect(fetch.stderr).toContain('Writing objects: 100% (3/3)');
    expect((await g.git(dst, ['fsck', '--strict'])).code).toBe(0);

    // The clone that is only behind, on a branch that moved on: the 20 commits it has there are
    // common but not advertised, so a first round of 16 haves is answered `ready` and, with
    // no-done, the pack follows in the same answer without a `done`.
    await g.ok(src, ['checkout', '-q', `many${version}`]);
    await g.ok(src, ['commit', '-q', '--allow-empty', '-m', 'many moved on']);
    await g.ok(src, ['checkout', '-q', 'main']);
    await g.ok(src, ['push', '-q', url, `many${version}`]);
    const quick = await g.git(behind, [...v, 'fetch', 'origin'], {
      env: { GIT_TRACE_PACKET: '1' },
    });
    expect(quick.code, quick.stderr).toBe(0);
    expect(quick.stderr).toMatch(/< ACK [0-9a-f]{40} ready/);
    expect(quick.stderr).not.toMatch(/> done/);
    expect((await g.ok(behind, ['rev-parse', `origin/many${version}`])).trim()).toBe(
      (await g.ok(src, ['rev-parse', `many${version}`])).trim(),
    );
    expect((await g.git(behind, ['fsck', '--strict'])).code).toBe(0);
  });

  it('clones shallow by depth, date and excluded ref; deepens and unshallows', async () => {
    const depth = join(g.root, 'depth');
    const d = await g.git(g.root, [...v, 'clone', '--depth', '2', url, depth]);
    expect(d.code, d.stderr).toBe(0);
    expect((await g.ok(depth, ['rev-list', '--count', 'HEAD'])).trim()).toBe('2');
    expect((await g.ok(depth, ['rev-parse', '--is-shallow-repository'])).trim()).toBe('true');
    expect((await g.git(depth, ['fsck'])).code).toBe(0);

    const deepen = await g.git(depth, [...v, 'fetch', '--deepen', '2']);
    expect(deepen.code, deepen.stderr).toBe(0);
    expect((await g.ok(depth, ['rev-list', '--count', 'HEAD'])).trim()).toBe('4');
    const unshallow = await g.git(depth, [...v, 'fetch', '--unshallow']);
    expect(unshallow.code, unshallow.stderr).toBe(0);
    expect((await g.ok(depth, ['rev-parse', '--is-shallow-repository'])).trim()).toBe('false');
    expect(await g.ok(depth, ['rev-list', '--count', 'HEAD'])).toBe(
      await g.ok(src, ['rev-list', '--count', 'main']),
    );
    expect((await g.git(depth, ['fsck', '--strict'])).code).toBe(0);

    // --shallow-since: commits newer than the third commit's time.
    const times = (await g.ok(src, ['log', '--reverse', '--format=%ct', 'main']))
      .trim()
      .split('\n');
    const since = join(g.root, 'since');
    const s = await g.git(g.root, [
      ...v,
      'clone',
      '--single-branch',
      `--shallow-since=${times[2]}`,
      url,
      since,
    ]);
    expect(s.code, s.stderr).toBe(0);
    const got = Number((await g.ok(since, ['rev-list', '--count', 'HEAD'])).trim());
    const newer = times.filter((t) => Number(t) >= Number(times[2])).length;
    expect(got).toBe(newer);

    // --shallow-exclude: main's history without feature's (feature branched from main~1).
    const excl = join(g.root, 'exclude');
    const e = await g.git(g.root, [
      ...v,
      'clone',
      '--single-branch',
      '--branch',
      'main',
      '--shallow-exclude=feature',
      url,
      excl,
    ]);
    expect(e.code, e.stderr).toBe(0);
    expect(await g.ok(excl, ['log', '--format=%s'])).toBe('one more\n');
  });

  it('clones with --filter=blob:none and fetches blobs lazily on checkout', async () => {
    const dst = join(g.root, 'partial');
    const clone = await g.git(g.root, [
      ...v,
      'clone',
      '--no-checkout',
      '--filter=blob:none',
      url,
      dst,
    ]);
    expect(clone.code, clone.stderr).toBe(0);
    const missing = await g.ok(dst, ['rev-list', '--objects', '--all', '--missing=print']);
    expect(missing).toMatch(/^\?[0-9a-f]{40}$/m);
    const checkout = await g.git(dst, [...v, 'checkout', '-q', 'main']);
    expect(checkout.code, checkout.stderr).toBe(0);
    expect(await g.ok(dst, ['show', 'HEAD:new.txt'])).toBe('new\n');
  });

  it('takes an annotated tag as a have (isomorphic-git sends them) and sends the pack', async () => {
    const tag = (await g.ok(src, ['rev-parse', 'v1.0'])).trim();
    const tip = (await g.ok(src, ['rev-parse', 'main'])).trim();
    const pkt = (s: string): string => `${(s.length + 4).toString(16).padStart(4, '0')}${s}`;
    const res = await fetch(`${base}/${alice.user.login}/proj.git/git-upload-pack`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`x:${token}`)}`,
        'content-type': 'application/x-git-upload-pack-request',
      },
      body: `${pkt(`want ${tip} multi_ack_detailed side-band-64k ofs-delta\n`)}0000${pkt(`have ${tag}\n`)}${pkt('done\n')}`,
    });
    const text = await res.text();
    expect(text).toContain(`ACK ${tag} common`);
    expect(text).toContain('PACK');
    expect(text).not.toContain('not a commit');
  });

  it('refuses a want it does not store with git’s message', async () => {
    const auth = `Basic ${btoa(`x:${token}`)}`;
    const want = '1'.repeat(40);
    const body = `0032want ${want}\n00000009done\n`;
    const res = await fetch(`${base}/${alice.user.login}/proj.git/git-upload-pack`, {
      method: 'POST',
      headers: {
        authorization: auth,
        'content-type': 'application/x-git-upload-pack-request',
        ...(version === '1' ? { 'git-protocol': 'version=1' } : {}),
      },
      body,
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(`ERR upload-pack: not our ref ${want}`);
  });
});
