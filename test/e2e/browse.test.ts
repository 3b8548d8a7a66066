/**
 * The code browser end to end: a repository pushed with the real git client, then every page
 * and API form, conditional requests, cache headers, a push showing up at once, jj change pages,
 * and private repositories invisible to strangers and anonymous visitors through every URL form
 * (with the edge cache primed by the owner first).
 */
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { buildFixture, type Fixture } from './browse-fixture';

const base = inject('baseUrl');

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { headers, redirect: 'manual' });

/** GETs `path` until the page comes from the cache (its write lands after the response). */
function cacheHit(path: string): Promise<Response> {
  return vi.waitFor(
    async () => {
      const res = await get(path);
      if (res.headers.get('x-plue-cache') !== 'hit') await res.text();
      expect(res.headers.get('x-plue-cache'), path).toBe('hit');
      return res;
    },
    { timeout: 5000, interval: 100 },
  );
}

async function text(path: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await get(path, headers);
  const body = await res.text();
  expect(res.status, `${path}: ${body.slice(0, 300)}`).toBe(200);
  return body;
}

async function json<T = Record<string, unknown>>(
  path: string,
  headers: Record<string, string> = {},
): Promise<T> {
  return JSON.parse(await text(path, headers)) as T;
}

describe('browsing a pushed repository', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;
  let fx: Fixture;
  let R: string;
  let A: string;

  beforeAll(async () => {
    alice = await signUp(base);
    token = await alice.token(['repo:read', 'repo:write']);
    await alice.createRepo('web');
    fx = await buildFixture(g, 'web-src');
    await g.ok(fx.dir, ['push', remoteUrl(base, alice.user.login, 'web', token), '--all']);
    await g.ok(fx.dir, ['push', remoteUrl(base, alice.user.login, 'web', token), '--tags']);
    R = `/${alice.user.login}/web`;
    A = `/api/v1/repos/${alice.user.login}/web`;
  }, 120_000);
  afterAll(() => g.cleanup());

  it('shows the home page with README, files, last commits and clone URLs', async () => {
    const html = await text(R);
    expect(html).toContain('<h1 id="browse-fixture">Browse fixture</h1>');
    expect(html).toContain(`href="${R}/blob/main/docs/guide.md"`);
    expect(html).toContain(`src="${R}/raw/main/logo.png"`);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toMatch(/<img[^>]*onerror|href="javascript/);
    expect(html).toContain('&lt;script&gt;alert');
    for (const n of ['docs/', 'src/', 'notes/', 'README.md', 'logo.png', 'big.txt'])
      expect(html).toContain(`>${n}</a>`);
    expect(html).toContain('Second commit');
    expect(html).toContain(`${base}/${alice.user.login}/web.git`);
    expect(html).toContain(`git@127.0.0.1:${alice.user.login}/web.git`);
    expect(html).toContain('data-copy="clone-https"');
    expect(html).toContain('feature/x');
  });

  it('shows trees at branches, slashed branches, tags and commit ids, with breadcrumbs', async () => {
    const src = await text(`${R}/tree/main/src`);
    expect(src).toContain(`href="${R}/tree/main/src/lib"`);
    expect(src).toContain('Path');
    const atTag = await text(`${R}/tree/v1/docs`);
    expect(atTag).toContain('guide.md');
    expect(atTag).not.toContain('new.md');
    const slashed = await text(`${R}/tree/feature/x/docs`);
    expect(slashed).not.toContain('new.md');
    const bySha = await text(`${R}/tree/${fx.first.slice(0, 8)}/docs`);
    expect(bySha).not.toContain('new.md');
    expect((await get(`${R}/tree/main/nope`)).status).toBe(404);
    expect((await get(`${R}/tree/nope`)).status).toBe(404);
    // A missing path is 404 every time, not only before its lookup was cached.
    for (const kind of ['blob', 'raw', 'tree']) {
      for (const at of ['main', fx.first]) {
        for (let i = 0; i < 2; i++) {
          const u = `${R}/${kind}/${at}/missing/none.txt`;
          expect((await get(u)).status, `${u} #${i}`).toBe(404);
        }
      }
    }
    expect((await get(`${A}/contents/missing/none.txt?ref=${fx.first}`)).status).toBe(404);
    expect((await get(`${A}/contents/missing/none.txt?ref=${fx.first}`)).status).toBe(404);
    expect((await get(`${R}/tree/main/src/lib/util.ts`)).status).toBe(302);
  });

  it('shows blobs with line anchors, highlighting, markdown, images, binary and large files', async () => {
    const ts = await text(`${R}/blob/main/src/lib/util.ts`);
    expect(ts).toContain('id="L1"');
    expect(ts).toContain('href="#L7"');
    expect(ts).toContain('hljs-keyword');
    const md = await text(`${R}/blob/main/docs/guide.md`);
    expect(md).toContain('<h1 id="guide">Guide</h1>');
    const plain = await text(`${R}/blob/main/docs/guide.md?plain=1`);
    expect(plain).toContain('id="L3"');
    expect(await text(`${R}/blob/main/logo.png`)).toContain(`<img src="${R}/raw/main/logo.png"`);
    expect(await text(`${R}/blob/main/data.bin`)).toContain('Binary file not shown');
    expect(await text(`${R}/blob/main/big.txt`)).toContain('too large to show');
    const html = await text(`${R}/blob/main/page.html`);
    expect(html).toContain('&quot;raw&quot;');
    expect(html).not.toContain('<script>alert');
  });

  it('serves raw files with safe types and never as active content', async () => {
    const png = await get(`${R}/raw/main/logo.png`);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(png.headers.get('x-content-type-options')).toBe('nosniff');
    for (const p of ['page.html', 'pic.svg']) {
      const r = await get(`${R}/raw/main/${p}`);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(r.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(r.headers.get('content-security-policy')).toContain('sandbox');
      expect(await r.text()).toContain('<script>');
    }
    const bin = await get(`${R}/raw/main/data.bin`);
    expect(bin.headers.get('content-type')).toBe('application/octet-stream');
    expect(bin.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(new Uint8Array(await bin.arrayBuffer())).toEqual(
      new Uint8Array([0, 1, 2, 3, 0, 255, 254]),
    );
    const big = await get(`${R}/raw/${fx.first}/big.txt`);
    expect((await big.text()).length).toBe(101 + 21 * 60_000);
    expect(big.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  });

  it('lists commits with pagination and a path filter, and shows a commit diff', async () => {
    const log = await text(`${R}/commits/main`);
    expect(log).toContain('Second commit');
    expect(log).toContain('First commit');
    const filtered = await text(`${R}/commits/main?path=docs/new.md`);
    expect(filtered).toContain('Second commit');
    expect(filtered).not.toContain('First commit');
    const commit = await text(`${R}/commit/${fx.second}`);
    expect(commit).toContain('src/lib/util.ts');
    expect(commit).toContain('docs/new.md');
    expect(commit).toContain('+2');
    expect(commit).toContain('export const more = true;');
    const root = await text(`${R}/commit/${fx.first}`);
    expect(root).toContain('root commit');
    expect(root).toContain('File too large to diff');
  });

  it('compares refs and lists branches and tags', async () => {
    const cmp = await text(`${R}/compare/v1...main`);
    expect(cmp).toContain('Second commit');
    expect(cmp).toContain('docs/new.md');
    const branches = await text(`${R}/branches`);
    for (const b of ['main', 'feature/x', 'jj/old']) expect(branches).toContain(`>${b}</a>`);
    expect(await text(`${R}/tags`)).toContain('>v1</a>');
  });

  it('shows jj change ids and the versions of a change with an interdiff', async () => {
    const commit = await text(`${R}/commit/${fx.v2}`);
    expect(commit).toContain(fx.changeId);
    const page = await text(`${R}/change/${fx.changeId}`);
    expect(page).toContain('2 versions');
    expect(page).toContain('Add change (v2)');
    expect(page).toContain('Add change (v1)');
    expect(page).toContain('change.txt');
    expect(page).toContain('three');
    expect((await get(`${R}/change/kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk`)).status).toBe(404);
  });

  it('answers the API in GitHub shapes', async () => {
    const readme = await json<{ content: string; sha: string; size: number; type: string }>(
      `${A}/contents/README.md?ref=main`,
    );
    expect(readme.type).toBe('file');
    expect(Buffer.from(readme.content, 'base64').toString()).toContain('# Browse fixture');
    const dir = await json<Array<{ name: string; type: string; size: number }>>(
      `${A}/contents/docs`,
    );
    expect(dir.map((e) => [e.name, e.type])).toEqual([
      ['guide.md', 'file'],
      ['new.md', 'file'],
    ]);
    expect(dir[0]?.size).toBe(16);
    const root = await json<Array<{ name: string }>>(`${A}/contents?ref=v1`);
    expect(root.map((e) => e.name)).toContain('README.md');

    const commit = await json<{
      sha: string;
      tree: { sha: string };
      parents: unknown[];
      change_id: null;
    }>(`${A}/git/commits/${fx.second}`);
    expect(commit.sha).toBe(fx.second);
    expect(commit.parents).toHaveLength(1);
    const tree = await json<{ tree: Array<{ path: string; type: string; sha: string }> }>(
      `${A}/git/trees/${commit.tree.sha}?recursive=1`,
    );
    const util = tree.tree.find((t) => t.path === 'src/lib/util.ts');
    expect(util?.type).toBe('blob');
    const flat = await json<{ tree: Array<{ path: string }> }>(`${A}/git/trees/${commit.tree.sha}`);
    expect(flat.tree.some((t) => t.path.includes('/'))).toBe(false);
    const blob = await json<{ content: string; size: number }>(`${A}/git/blobs/${util?.sha}`);
    expect(Buffer.from(blob.content, 'base64').toString()).toContain('export const more');

    const page1 = await get(`${A}/commits?sha=main&per_page=1`);
    expect(page1.headers.get('link')).toContain('rel="next"');
    const list = (await page1.json()) as Array<{ sha: string; commit: { message: string } }>;
    expect(list.map((c) => c.sha)).toEqual([fx.second]);
    const page2 = await json<Array<{ sha: string }>>(`${A}/commits?sha=main&per_page=1&page=2`);
    expect(page2.map((c) => c.sha)).toEqual([fx.first]);
    const byPath = await json<Array<{ sha: string }>>(`${A}/commits?path=docs/new.md`);
    expect(byPath.map((c) => c.sha)).toEqual([fx.second]);
    const one = await json<{
      files: Array<{ filename: string; patch?: string }>;
      stats: { total: number };
    }>(`${A}/commits/main`);
    expect(one.files.map((f) => f.filename)).toEqual(['docs/new.md', 'src/lib/util.ts']);
    expect(one.files[1]?.patch).toContain('+export const more = true;');
    const cmp = await json<{ status: string; ahead_by: number; files: unknown[] }>(
      `${A}/compare/v1...main`,
    );
    expect(cmp).toMatchObject({ status: 'ahead', ahead_by: 1 });
    const branches = await json<Array<{ name: string; commit: { sha: string } }>>(`${A}/branches`);
    expect(branches.find((b) => b.name === 'main')?.commit.sha).toBe(fx.second);
    const tags = await json<Array<{ name: string; commit: { sha: string } }>>(`${A}/tags`);
    expect(tags).toEqual([
      expect.objectContaining({ name: 'v1', commit: expect.objectContaining({ sha: fx.first }) }),
    ]);
    expect((await get(`${A}/git/blobs/${'0'.repeat(40)}`)).status).toBe(404);
  });

  it('marks object-addressed responses immutable and answers conditional requests with 304', async () => {
    const url = `${A}/git/commits/${fx.first}`;
    const a = await get(url);
    expect(a.headers.get('etag')).toBe(`"${fx.first}"`);
    expect(a.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    await a.text();
    const b = await get(url, { 'if-none-match': `"${fx.first}"` });
    expect(b.status).toBe(304);
    const byRef = await get(`${A}/contents/README.md?ref=main`);
    expect(byRef.headers.get('cache-control')).toBe('public, max-age=0, must-revalidate');
    const etag = byRef.headers.get('etag') ?? '';
    expect((await get(`${A}/contents/README.md?ref=main`, { 'if-none-match': etag })).status).toBe(
      304,
    );
    const page = await get(`${R}/tree/${fx.first}`);
    expect(page.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const pageTag = page.headers.get('etag') ?? '';
    await page.text();
    expect((await get(`${R}/tree/${fx.first}`, { 'if-none-match': pageTag })).status).toBe(304);
    const raw = await get(`${R}/raw/main/README.md`);
    const rawTag = raw.headers.get('etag') ?? '';
    await raw.text();
    expect((await get(`${R}/raw/main/README.md`, { 'if-none-match': rawTag })).status).toBe(304);
  });

  it('shows a push at once: ref views never serve the old branch', async () => {
    expect(await text(R)).not.toContain('fresh.txt');
    await text(`${A}/contents?ref=main`);
    await g.commitFile(fx.dir, 'fresh.txt', 'fresh\n', 'Fresh commit');
    await g.ok(fx.dir, ['push', remoteUrl(base, alice.user.login, 'web', token), 'main']);
    expect(await text(R)).toContain('fresh.txt');
    expect(await text(`${A}/contents?ref=main`)).toContain('fresh.txt');
    expect(await text(`${R}/commits/main`)).toContain('Fresh commit');
  });

  it('serves anonymous viewers the cached page until a push changes the refs', async () => {
    const url = `${R}/blob/${fx.first}/README.md`;
    const first = await get(url);
    expect(first.headers.get('x-plue-cache')).toBe('miss');
    const html = await first.text();
    const again = await cacheHit(url);
    expect(await again.text()).toBe(html);
    // Hits after the first come from the isolate's memory: the same bytes every time.
    for (let i = 0; i < 2; i++) {
      const more = await get(url);
      expect(more.headers.get('x-plue-cache')).toBe('hit');
      expect(await more.text()).toBe(html);
    }
    const etag = again.headers.get('etag') ?? '';
    expect(etag).toBe(first.headers.get('etag'));
    expect(again.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await get(url, { 'if-none-match': etag })).status).toBe(304);
    // A signed-in viewer never gets the shared copy.
    const mine = await fetch(`${base}${url}`, { headers: { authorization: `Bearer ${token}` } });
    expect(mine.headers.get('x-plue-cache')).toBeNull();
    await mine.text();
    // The page is pinned to a commit id: its ref switcher loads the refs when opened.
    expect(html).toContain(`data-refs="/api/v1/repos/${alice.user.login}/web"`);
    expect(html).not.toContain('>main</a>');
    // A page by branch name lists the branches and is cached against them.
    const byRef = `${R}/blob/main/README.md`;
    await (await get(byRef)).text();
    expect(await (await cacheHit(byRef)).text()).not.toContain('cache-test');
    // A new branch changes the by-name page's switcher: that page is rendered again, while the
    // pinned one stays cached (nothing on it depends on the refs).
    await g.ok(fx.dir, [
      'push',
      remoteUrl(base, alice.user.login, 'web', token),
      'main:refs/heads/cache-test',
    ]);
    const after = await get(byRef);
    expect(after.headers.get('x-plue-cache')).toBe('miss');
    expect(await after.text()).toContain('cache-test');
    const pinned = await get(url);
    expect(pinned.headers.get('x-plue-cache')).toBe('hit');
    expect(await pinned.text()).toBe(html);
    // An edit of the repository record does re-render it.
    const admin = await alice.token(['repo:read', 'repo:write', 'admin']);
    const patched = await fetch(`${base}${A}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ description: 'edited' }),
    });
    expect(patched.status).toBe(200);
    expect((await get(url)).headers.get('x-plue-cache')).toBe('miss');
  });

  it('shows instructions for an empty repository', async () => {
    await alice.createRepo('empty');
    const html = await text(`/${alice.user.login}/empty`);
    expect(html).toContain(`git remote add origin ${base}/${alice.user.login}/empty.git`);
    expect(html).toContain('git push -u origin main');
  });
});

describe('private repositories stay invisible through every URL form', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let mallory: SignUp;
  let fx: Fixture;
  afterAll(() => g.cleanup());

  it('404s strangers and anonymous visitors even after the owner primed the cache', async () => {
    alice = await signUp(base);
    mallory = await signUp(base);
    const token = await alice.token(['repo:read', 'repo:write']);
    await alice.createRepo('secret', { private: true });
    fx = await buildFixture(g, 'secret-src');
    await g.ok(fx.dir, ['push', remoteUrl(base, alice.user.login, 'secret', token), '--all']);
    await g.ok(fx.dir, ['push', remoteUrl(base, alice.user.login, 'secret', token), '--tags']);
    const R = `/${alice.user.login}/secret`;
    const A = `/api/v1/repos/${alice.user.login}/secret`;
    const tree = (await g.ok(fx.dir, ['rev-parse', `${fx.second}^{tree}`])).trim();
    const blob = (await g.ok(fx.dir, ['rev-parse', `${fx.second}:README.md`])).trim();
    const urls = [
      R,
      `${R}/tree/main/src`,
      `${R}/tree/${fx.second}/src`,
      `${R}/blob/main/README.md`,
      `${R}/blob/${fx.second}/README.md`,
      `${R}/raw/main/README.md`,
      `${R}/raw/${fx.second}/README.md`,
      `${R}/commits/main`,
      `${R}/commit/${fx.second}`,
      `${R}/compare/v1...main`,
      `${R}/branches`,
      `${R}/tags`,
      `${R}/change/${fx.changeId}`,
      `${A}/contents/README.md?ref=main`,
      `${A}/contents/README.md?ref=${fx.second}`,
      `${A}/git/trees/${tree}?recursive=1`,
      `${A}/git/blobs/${blob}`,
      `${A}/git/commits/${fx.second}`,
      `${A}/commits`,
      `${A}/commits/${fx.second}`,
      `${A}/compare/v1...main`,
      `${A}/branches`,
      `${A}/tags`,
    ];
    for (const u of urls) {
      // Prime: the owner reads it (twice, so a shared cache would now hold it).
      for (let i = 0; i < 2; i++) {
        const res = await get(u, { cookie: alice.cookie });
        expect(res.status, u).toBe(200);
        const cc = res.headers.get('cache-control') ?? '';
        expect(cc, u).toMatch(/private/);
        expect(cc, u).toMatch(/no-store/);
        await res.arrayBuffer();
      }
    }
    for (const u of urls) {
      const forms: Array<Record<string, string>> = [
        {},
        { cookie: mallory.cookie },
        { 'if-none-match': `"${blob}"` },
      ];
      for (const headers of forms) {
        const res = await get(u, headers);
        const body = await res.text();
        expect(res.status, `${u} ${JSON.stringify(headers)}`).toBe(404);
        expect(body).not.toContain('Browse fixture');
        expect(body).not.toContain(fx.second);
      }
    }
  }, 180_000);
});
