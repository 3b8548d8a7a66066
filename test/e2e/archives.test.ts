/**
 * Archives of any ref, checked against `git archive` itself: the tar.gz and the zip served on the
 * web and by the API hold the same paths, kinds, permissions, symlink targets, contents and
 * times as `git archive --format=tar` of the same commit (read back with Python's tarfile and
 * zipfile, which nobody here wrote), and `git get-tar-commit-id` reads the commit id. Private
 * repositories' archives are invisible to strangers; the ETag answers 304.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');

/** Lists an archive as JSON: name → [kind, permissions, size, sha1 of content or link, mtime]. */
const LIST = `
import hashlib, json, sys, tarfile, zipfile
path, kind = sys.argv[1], sys.argv[2]
out = {}
if kind == 'zip':
    z = zipfile.ZipFile(path)
    for i in z.infolist():
        mode = i.external_attr >> 16
        data = z.read(i)
        t = 'dir' if i.filename.endswith('/') else ('link' if (mode & 0o170000) == 0o120000 else 'file')
        out[i.filename.rstrip('/')] = [t, mode & 0o777, len(data) if t == 'file' else 0,
            hashlib.sha1(data).hexdigest() if t != 'dir' else '']
else:
    t = tarfile.open(path)
    for m in t.getmembers():
        if m.type == tarfile.XGLTYPE: continue
        k = 'dir' if m.isdir() else ('link' if m.issym() else 'file')
        data = t.extractfile(m).read() if m.isfile() else (m.linkname.encode() if m.issym() else b'')
        out[m.name.rstrip('/')] = [k, m.mode & 0o777, m.size if k == 'file' else 0,
            hashlib.sha1(data).hexdigest() if k != 'dir' else '', m.mtime]
print(json.dumps(out, sort_keys=True))
`;

describe('archives', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let stranger: SignUp;
  let src = '';
  let head = '';

  const list = (bytes: Uint8Array, kind: 'tar' | 'zip'): Record<string, unknown[]> => {
    const file = join(g.root, `archive.${kind}`);
    writeFileSync(file, bytes);
    return JSON.parse(execFileSync('python3', ['-c', LIST, file, kind]).toString()) as Record<
      string,
      unknown[]
    >;
  };
  const download = async (url: string, who?: SignUp): Promise<Uint8Array> => {
    const res = await fetch(url, { headers: who?.headers ?? {} });
    expect(res.status, url).toBe(200);
    return new Uint8Array(await res.arrayBuffer());
  };

  beforeAll(async () => {
    alice = await signUp(base);
    stranger = await signUp(base);
    await alice.createRepo('arch');
    await alice.createRepo('secret', { private: true });
    src = await g.makeRepo('arch', 2);
    const long = `${'deep/'.repeat(22)}a-file-whose-path-is-longer-than-one-hundred-bytes.txt`;
    await g.commitFile(src, long, 'long\n', 'long path');
    await g.commitFile(src, 'bin/run.sh', '#!/bin/sh\necho hi\n', 'script');
    await g.ok(src, ['update-index', '--chmod=+x', 'bin/run.sh']);
    await g.commitFile(src, 'ünïcode/ñame.txt', 'ü\n', 'unicode');
    await g.commitFile(src, 'empty.txt', '', 'empty');
    await g.ok(src, [
      'update-index',
      '--add',
      '--cacheinfo',
      `120000,${(await g.ok(src, ['hash-object', '-w', '--stdin'], { input: 'bin/run.sh' })).trim()},link-to-run`,
    ]);
    await g.ok(src, ['commit', '-q', '-m', 'symlink']);
    await g.ok(src, ['branch', 'feature/x']);
    await g.ok(src, ['tag', '-a', 'v1.0', '-m', 'one']);
    const token = await alice.token();
    await g.ok(src, [
      'push',
      remoteUrl(base, alice.user.login, 'arch', token),
      'main',
      'feature/x',
      'v1.0',
    ]);
    await g.ok(src, ['push', remoteUrl(base, alice.user.login, 'secret', token), 'main']);
    head = (await g.ok(src, ['rev-parse', 'HEAD'])).trim();
  });
  afterAll(() => g.cleanup());

  const gitTar = (prefix: string, ref: string): Uint8Array =>
    new Uint8Array(
      execFileSync('git', ['archive', '--format=tar', `--prefix=${prefix}/`, ref], {
        cwd: src,
        env: g.env(),
      }),
    );

  it('serves tar.gz like git archive, on the web and by the API', async () => {
    const R = `${base}/${alice.user.login}/arch`;
    const expected = list(gitTar('arch-main', 'main'), 'tar');
    expect(Object.keys(expected)).toContain('arch-main/link-to-run');
    for (const url of [
      `${R}/archive/main.tar.gz`,
      `${base}/api/v1/repos/${alice.user.login}/arch/tarball/main`,
      `${base}/api/v1/repos/${alice.user.login}/arch/tarball`,
      `${R}/archive/refs/heads/main.tar.gz`,
    ]) {
      const tar = gunzipSync(await download(url));
      expect(list(tar, 'tar'), url).toEqual(expected);
      const id = execFileSync('git', ['get-tar-commit-id'], { input: tar }).toString().trim();
      expect(id).toBe(head);
    }
  });

  it('serves zip with the same entries and unix permissions', async () => {
    const R = `${base}/${alice.user.login}/arch`;
    const tarList = list(gitTar('arch-feature-x', 'feature/x'), 'tar');
    const expected = Object.fromEntries(
      Object.entries(tarList).map(([k, v]) => [k, v.slice(0, 4)]),
    );
    for (const url of [
      `${R}/archive/feature/x.zip`,
      `${base}/api/v1/repos/${alice.user.login}/arch/zipball/feature/x`,
    ]) {
      expect(list(await download(url), 'zip'), url).toEqual(expected);
    }
    const unzip = execFileSync('python3', ['-m', 'zipfile', '-t', join(g.root, 'archive.zip')]);
    expect(unzip.toString()).toContain('Done testing');
  });

  it('names the folder after tags and commit ids, and answers 304 to its ETag', async () => {
    const R = `${base}/${alice.user.login}/arch`;
    const tagged = list(gunzipSync(await download(`${R}/archive/v1.0.tar.gz`)), 'tar');
    expect(Object.keys(tagged)).toContain('arch-v1.0/bin/run.sh');
    const byId = await fetch(`${R}/archive/${head}.zip`);
    expect(byId.headers.get('cache-control')).toContain('immutable');
    expect(byId.headers.get('content-disposition')).toBe(`attachment; filename="arch-${head}.zip"`);
    const etag = byId.headers.get('etag') ?? '';
    await byId.arrayBuffer();
    expect(
      (await fetch(`${R}/archive/${head}.zip`, { headers: { 'if-none-match': etag } })).status,
    ).toBe(304);
    expect((await fetch(`${R}/archive/main.rar`)).status).toBe(404);
    expect((await fetch(`${R}/archive/nope.zip`)).status).toBe(404);
  });

  it('keeps private archives from strangers', async () => {
    const S = `${base}/${alice.user.login}/secret`;
    await download(`${S}/archive/main.zip`, alice);
    expect((await fetch(`${S}/archive/main.zip`, { headers: stranger.headers })).status).toBe(404);
    const api = `${base}/api/v1/repos/${alice.user.login}/secret/tarball/main`;
    expect((await fetch(api, { headers: stranger.headers })).status).toBe(404);
    expect((await fetch(api)).status).toBe(404);
  });
});
