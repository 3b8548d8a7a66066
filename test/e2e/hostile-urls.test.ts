/**
 * Hostile URLs and git requests get a clear 400 or 404 on their own surface, never a 500:
 * `%00` and other bytes no name can hold, malformed escapes and overlong names in the owner or
 * repository part of page, API and git URLs; oversized, non-hex and truncated pkt-lines.
 */
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { rawRequest } from '../helpers/raw-http';

const base = inject('baseUrl');

/** One pkt-line (the length is of the UTF-8 bytes, plus the 4 of the header). */
const pkt = (line: string): string =>
  (Buffer.byteLength(line) + 4).toString(16).padStart(4, '0') + line;

describe('hostile URLs and pkt-lines', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token = '';
  let repo = '';

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write']);
    repo = `hostile-${Math.random().toString(36).slice(2, 8)}`;
    await alice.createRepo(repo);
    const dir = await g.makeRepo(repo, 1);
    await g.ok(dir, ['push', remoteUrl(base, alice.user.login, repo, token), 'main']);
    return () => g.cleanup();
  });

  const bads = (): string[] => {
    const o = alice.user.login;
    return [
      '%00',
      `${'%00'}${o}`,
      `${o}%00`,
      '%01',
      '%7F',
      '%FF',
      '%C3%28',
      '%E2%80%AE',
      '%ZZ',
      'a'.repeat(5000),
      '%F0%9F%91%8B',
    ];
  };

  it('answers 400 or 404 (never 500) for bad owner and repository parts on every surface', async () => {
    const o = alice.user.login;
    const paths: string[] = [];
    for (const bad of bads()) {
      for (const [owner, name] of [
        [bad, repo],
        [o, bad],
        [o, `${repo}${bad}`],
      ]) {
        paths.push(
          `/${owner}/${name}`,
          `/${owner}/${name}/tree/main`,
          `/${owner}/${name}/blob/main/file1.txt`,
          `/${owner}/${name}/raw/main/file1.txt`,
          `/${owner}/${name}/commits/main`,
          `/${owner}/${name}/actions`,
          `/api/v1/repos/${owner}/${name}`,
          `/api/v1/repos/${owner}/${name}/contents/file1.txt`,
          `/api/v1/repos/${owner}/${name}/commits`,
          `/api/v1/repos/${owner}/${name}/actions/runs`,
          `/api/v1/repos/${owner}/${name}/git/trees/${'a'.repeat(40)}`,
          `/${owner}/${name}.git/info/refs?service=git-upload-pack`,
          `/${owner}/${name}/info/refs?service=git-receive-pack`,
        );
      }
      paths.push(`/api/v1/users/${bad}/repos`, `/${o}/${repo}/blob/main/${bad}`);
    }
    paths.push(`/api/v1/repos/${o}/${repo}/contents/x?ref=%00`);
    const failures: string[] = [];
    for (const path of paths) {
      const auths: Array<Record<string, string>> = [{}, { authorization: `Bearer ${token}` }];
      for (const auth of auths) {
        const res = await rawRequest(base, path, {
          headers: { ...auth, 'git-protocol': 'version=2' },
        });
        if (res.status >= 500 || res.status < 400) {
          failures.push(`${path} → ${res.status}: ${res.text.slice(0, 120)}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('says what is wrong with a %00 on each surface', async () => {
    const o = alice.user.login;
    const page = await rawRequest(base, `/${o}/${repo}%00/tree/main`);
    expect(page.status).toBe(400);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.text).toContain('NUL');
    const api = await rawRequest(base, `/api/v1/repos/${o}/${repo}%00`);
    expect(api.status).toBe(400);
    expect(JSON.parse(api.text)).toMatchObject({ error: { code: 'url_invalid' } });
    const git = await rawRequest(base, `/${o}/${repo}%00.git/info/refs?service=git-upload-pack`);
    expect(git.status).toBe(400);
    expect(git.headers['content-type']).toMatch(/text\/plain/);
    expect(git.text).toContain('NUL');
    // An overlong name is simply not found.
    const long = await rawRequest(base, `/api/v1/repos/${o}/${'r'.repeat(5000)}`);
    expect(long.status).toBe(404);
  });

  it('answers NUL bytes in JSON and form bodies with 400, never 500', async () => {
    const o = alice.user.login;
    const json = async (method: string, path: string, body: unknown) => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: alice.headers,
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
    };
    const token = await json('POST', '/api/v1/user/tokens', {
      name: 'a\u0000b',
      scopes: ['repo:read'],
    });
    expect(token).toMatchObject({ status: 400, body: { error: { code: 'body_invalid' } } });
    const patch = await json('PATCH', `/api/v1/repos/${o}/${repo}`, { description: 'x\u0000' });
    expect(patch.status).toBe(400);
    const create = await json('POST', '/api/v1/user/repos', {
      name: 'ok-name',
      description: '\u0000',
    });
    expect(create.status).toBe(400);
    // A form post: no JSON check on the way, so the database's refusal is mapped to a 400.
    const form = await fetch(`${base}/new`, {
      method: 'POST',
      headers: { cookie: alice.cookie, origin: new URL(base).origin },
      body: new URLSearchParams({ name: `nul-${Date.now()}`, description: 'a\u0000b' }),
      redirect: 'manual',
    });
    expect(form.status).toBe(400);
    expect(await form.text()).toMatch(/NUL/);
  });

  it('answers malformed pkt-lines with 400 or a git ERR, never 500', async () => {
    const o = alice.user.login;
    const auth = `Basic ${Buffer.from(`x:${token}`).toString('base64')}`;
    const bodies: Array<[string, Buffer]> = [
      ['oversized length', Buffer.from(`fff1${'a'.repeat(70_000)}`)],
      ['max length claimed, short body', Buffer.from('ffffcommand=ls-refs')],
      ['non-hex length', Buffer.from('zzzzcommand=ls-refs\n0000')],
      ['length below 4', Buffer.from('0003')],
      ['truncated', Buffer.from('0014command=ls-r')],
      ['random', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) & 0xff))],
      ['huge count of flushes', Buffer.from('0000'.repeat(100_000))],
      ...[
        ['want zzzz'],
        ['want ' + 'a'.repeat(40), 'deepen -1'],
        ['want ' + 'a'.repeat(40), 'deepen-since yesterday'],
        ['want ' + 'a'.repeat(40), 'filter blob:limit=99999999999999999999999'],
        ['want ' + 'a'.repeat(40), 'filter tree:\u0000'],
        ['want ' + 'a'.repeat(40), `deepen-not ${'x'.repeat(60_000)}`],
        Array.from({ length: 20_000 }, () => `have ${'b'.repeat(40)}`),
      ].map((args): [string, Buffer] => [
        `fetch with ${args[args.length - 1]?.slice(0, 30)}`,
        Buffer.from(
          pkt('command=fetch\n') + '0001' + args.map((a) => pkt(`${a}\n`)).join('') + '0000',
        ),
      ]),
      [
        'ls-refs with a huge prefix',
        Buffer.from(
          pkt('command=ls-refs\n') + '0001' + pkt(`ref-prefix ${'r'.repeat(65_000)}\n`) + '0000',
        ),
      ],
    ];
    const failures: string[] = [];
    for (const service of ['git-upload-pack', 'git-receive-pack']) {
      for (const [what, body] of bodies) {
        const send = () =>
          rawRequest(base, `/${o}/${repo}.git/${service}`, {
            method: 'POST',
            headers: {
              authorization: auth,
              'content-type': `application/x-${service}-request`,
              'git-protocol': 'version=2',
            },
            body,
          });
        // Under heavy load the dev server has once in several full runs closed the connection
        // of one of these without an answer (`socket hang up`, never alone): asked once more,
        // and named if it happens twice.
        const res = await send()
          .catch(send)
          .catch((err: Error) => ({ status: 0, text: `${err.message} (no answer, twice)` }));
        const gitErr = res.status === 200 && /ERR |error|unpack /.test(res.text);
        const clean = res.status === 400 || res.status === 413 || gitErr || res.status === 200;
        if (!clean || res.status >= 500)
          failures.push(`${service} ${what} → ${res.status}: ${res.text.slice(0, 120)}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('answers corrupt compressed bodies and oversized requests with 400 or 413, never 500', async () => {
    const o = alice.user.login;
    const auth = `Basic ${Buffer.from(`x:${token}`).toString('base64')}`;
    const failures: string[] = [];
    const cases: Array<[string, string, Record<string, string>, Buffer]> = [
      [
        'corrupt gzip',
        'git-upload-pack',
        { 'content-encoding': 'gzip' },
        Buffer.from('0014command=ls-refs\n0000'),
      ],
      [
        'truncated gzip',
        'git-upload-pack',
        { 'content-encoding': 'gzip' },
        gzipSync(Buffer.from('0014command=ls-refs\n0000')).subarray(0, 12),
      ],
      ['unknown encoding', 'git-upload-pack', { 'content-encoding': 'br' }, Buffer.from('0000')],
      ['over 16 MiB', 'git-upload-pack', {}, Buffer.alloc(17 * 1024 * 1024, 0x30)],
      [
        'corrupt gzip',
        'git-receive-pack',
        { 'content-encoding': 'gzip' },
        Buffer.from('garbage garbage'),
      ],
    ];
    for (const [what, service, headers, body] of cases) {
      const res = await rawRequest(base, `/${o}/${repo}.git/${service}`, {
        method: 'POST',
        headers: {
          authorization: auth,
          'content-type': `application/x-${service}-request`,
          'git-protocol': 'version=2',
          ...headers,
        },
        body,
      });
      const ok =
        res.status === 400 ||
        res.status === 413 ||
        (res.status === 200 && service === 'git-receive-pack');
      if (!ok) failures.push(`${service} ${what} → ${res.status}: ${res.text.slice(0, 120)}`);
    }
    expect(failures).toEqual([]);
  });
});
