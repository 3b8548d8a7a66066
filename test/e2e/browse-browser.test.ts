/**
 * Browses a pushed repository in Chromium: home → tree → blob with a line anchor (and the
 * shift-click range) → commit → diff, checking what a reader sees (the head commit's status
 * loaded live on the home and commit pages, and as icons in commit lists; branch divergence;
 * tag messages), and saves screenshots under test/artifacts/
 * (browse-home.png, browse-blob.png, browse-commit.png) for review.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { buildFixture, type Fixture } from './browse-fixture';

const base = inject('baseUrl');
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

describe('browsing in a browser', () => {
  let browser: Browser;
  const g = new GitSandbox();
  let fx: Fixture;
  let R = '';

  beforeAll(async () => {
    const alice = await signUp(base);
    const token = await alice.token(['repo:read', 'repo:write']);
    await alice.createRepo('shots', { description: 'Browse screenshots' });
    fx = await buildFixture(g, 'shots-src');
    await g.ok(fx.dir, [
      'push',
      remoteUrl(base, alice.user.login, 'shots', token),
      'main',
      'feature/x',
    ]);
    await g.ok(fx.dir, ['push', remoteUrl(base, alice.user.login, 'shots', token), '--tags']);
    R = `${base}/${alice.user.login}/shots`;
    // A commit status on the head commit: pages load it live into their statuses slot.
    const st = await fetch(`${base}/api/v1/repos/${alice.user.login}/shots/statuses/${fx.second}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ state: 'success', context: 'ci/ext', target_url: `${R}/actions` }),
    });
    expect(st.status).toBe(201);
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    g.cleanup();
  });

  it('goes home → tree → blob#L2-L4 → commit → diff', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);

    await page.goto(R);
    await expect(page.locator('.readme h1').textContent()).resolves.toBe('Browse fixture');
    expect(await page.locator('table.files tr[data-name="src"] td.msg').textContent()).toContain(
      'Second commit',
    );
    expect(await page.locator('button[data-copy="clone-https"]').isVisible()).toBe(true);
    await expect(
      page.locator('.latest .statuses a[data-context="ci/ext"]').textContent(),
    ).resolves.toBe('✓ ci/ext');
    await page.screenshot({ path: join(ARTIFACTS, 'browse-home.png'), fullPage: true });

    await page.click('table.files a:text-is("src/")');
    await page.waitForURL(/\/tree\/main\/src$/);
    await page.click('table.files a:text-is("lib/")');
    await page.click('table.files a:text-is("util.ts")');
    await page.waitForURL(/\/blob\/main\/src\/lib\/util\.ts$/);
    expect(await page.locator('nav.crumbs').textContent()).toContain('src / lib / util.ts');

    await page.click('#L2 td.ln a');
    await page.click('#L4 td.ln a', { modifiers: ['Shift'] });
    expect(new URL(page.url()).hash).toBe('#L2-L4');
    expect(await page.locator('tr.hl').count()).toBe(3);
    await page.goto(`${R}/blob/main/src/lib/util.ts#L4`);
    expect(await page.locator('tr.hl').count()).toBe(1);
    expect(await page.locator('#L4 .hljs-keyword').first().textContent()).toBe('export');
    await page.screenshot({ path: join(ARTIFACTS, 'browse-blob.png'), fullPage: true });

    // `y` turns the branch URL into a permalink at the commit id.
    await page.keyboard.press('y');
    await page.waitForURL(new RegExp(`/blob/${fx.second}/src/lib/util\\.ts#L4$`));
    // The pinned page's ref switcher loads the branches when opened; one leads to that branch.
    await page.click('details.refs summary');
    const feature = page.locator('details.refs .notice a:text-is("feature/x")');
    await feature.waitFor();
    expect(await feature.getAttribute('href')).toBe(
      `/${R.split('/').slice(3).join('/')}/blob/feature/x/src/lib/util.ts`,
    );
    await page.click('details.refs summary');

    await page.click(`.latest a.sha`);
    await page.waitForURL(new RegExp(`/commit/${fx.second}$`));
    expect(await page.locator('h2').first().textContent()).toBe('Second commit');
    const status = page.locator('.statuses a[data-context="ci/ext"]');
    await expect(status.textContent()).resolves.toBe('✓ ci/ext');
    expect(await status.getAttribute('href')).toBe(`${R}/actions`);
    await page.click('table.files a:text-is("src/lib/util.ts")');
    expect(new URL(page.url()).hash).toMatch(/^#diff-\d+$/);
    const added = page.locator('details.file[open] table.diff tr.a');
    expect(await added.allTextContents()).toEqual(
      expect.arrayContaining([expect.stringContaining('export const answer = 43;')]),
    );
    await page.screenshot({ path: join(ARTIFACTS, 'browse-commit.png'), fullPage: true });
    await context.close();
  }, 90_000);

  it('shows check icons in commit lists, branch divergence and tag messages', async () => {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${R}/commits/main`);
    const icon = page.locator(`ol.commits .status-icon[data-sha="${fx.second}"]`);
    // Filled in live by the script after the page loaded: wait for it, not for a fixed time.
    await expect.poll(() => icon.textContent(), { timeout: 15_000 }).toBe('✓');
    expect(await icon.getAttribute('title')).toBe('Checks: success');
    expect(await page.locator('ol.commits .status-icon.state-success').count()).toBe(1);
    await page.goto(`${R}/branches`);
    const row = page.locator('tr', { has: page.locator('a:text-is("feature/x")') });
    expect(await row.locator('td.divergence').textContent()).toBe('1 behind · 0 ahead');
    await page.goto(`${R}/tags`);
    expect(await page.locator('.tag-message').first().textContent()).toContain('version 1');
    await context.close();
  }, 60_000);

  it('is usable on a phone-sized screen', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 800 } });
    const page = await context.newPage();
    await page.goto(`${R}/blob/main/README.md`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(400);
    await context.close();
  }, 60_000);
});
