/**
 * A directory whose files last changed long ago: the tree page answers without walking all of
 * history (its own walk is bounded), leaves those entries' last-commit cells empty, and fills
 * them in the browser from `/last-commits/{commit}`, which walks further and is cached.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');
/** More commits than the page walks itself (INLINE_LAST_COMMITS in services/browse/data-tree.ts). */
const BUSY_COMMITS = 450;

/** A fast-import stream: `old/` written once, then `n` commits touching only `busy.txt`. */
function history(n: number): string {
  const out: string[] = [];
  const commit = (i: number, msg: string, files: Array<[string, string]>) => {
    out.push(`commit refs/heads/main`, `mark :${i}`);
    out.push(`committer Dev <dev@example.com> ${1_700_000_000 + i * 60} +0000`);
    out.push(`data ${Buffer.byteLength(msg)}`, msg);
    if (i > 1) out.push(`from :${i - 1}`);
    for (const [path, text] of files)
      out.push(`M 100644 inline ${path}`, `data ${text.length}`, text);
  };
  commit(1, 'Add the old files', [
    ['old/a.txt', 'a\n'],
    ['old/b.txt', 'b\n'],
    ['busy.txt', '0\n'],
  ]);
  for (let i = 2; i <= n + 1; i++) commit(i, `Busy ${i}`, [['busy.txt', `${i}\n`]]);
  commit(n + 2, 'Touch b', [['old/b.txt', 'b2\n']]);
  return `${out.join('\n')}\n`;
}

describe('last commits of a directory that changed long ago', () => {
  const g = new GitSandbox();
  let R = '';
  let head = '';

  beforeAll(async () => {
    const alice = await signUp(base);
    const token = await alice.token(['repo:read', 'repo:write']);
    await alice.createRepo('deep');
    const dir = join(g.root, 'deep');
    await g.ok(g.root, ['init', '-q', '-b', 'main', dir]);
    execFileSync('git', ['fast-import', '--quiet'], {
      cwd: dir,
      input: history(BUSY_COMMITS),
      env: g.env(),
    });
    head = execFileSync('git', ['rev-parse', 'main'], { cwd: dir }).toString().trim();
    await g.ok(dir, ['push', '-q', remoteUrl(base, alice.user.login, 'deep', token), 'main']);
    R = `/${alice.user.login}/deep`;
  }, 120_000);
  afterAll(() => g.cleanup());

  it('answers the page with the recent entries and serves the older ones separately', async () => {
    const html = await (await fetch(`${base}${R}/tree/main/old`)).text();
    expect(html).toContain(`data-last-commits="${R}/last-commits/${head}?path=old"`);
    expect(html).toMatch(/<tr data-name="b.txt">[\s\S]*?Touch b/);
    expect(html).toMatch(/<tr data-name="a.txt">[\s\S]*?<td class="msg muted" colspan="2">/);
    expect(html).toContain('Some entries changed longer ago');

    const res = await fetch(`${base}${R}/last-commits/${head}?path=old`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    const body = (await res.json()) as { complete: boolean; cells: Record<string, string> };
    expect(body.complete).toBe(true);
    expect(body.cells['a.txt']).toContain('Add the old files');
    expect(body.cells['b.txt']).toContain('Touch b');

    expect((await fetch(`${base}${R}/last-commits/main?path=old`)).status).toBe(404);
    expect((await fetch(`${base}${R}/last-commits/${'0'.repeat(40)}`)).status).toBe(404);
  });

  it('fills the older entries in the browser', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      page.setDefaultTimeout(20_000);
      await page.goto(`${base}${R}/tree/main/old`);
      await expect(
        page.locator('table.files tr[data-name="a.txt"] td.msg a').textContent(),
      ).resolves.toBe('Add the old files');
      expect(await page.locator('table.files caption').textContent()).toBe('');
    } finally {
      await browser.close();
    }
  });
});
