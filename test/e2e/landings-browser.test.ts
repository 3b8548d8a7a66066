/**
 * Landing pages in Chromium with JavaScript off: the owner compares a branch with main, opens a
 * landing request (draft) from the compare page's form, reads its revisions, commits and files,
 * comments through the issue thread, marks it ready for review and finds it in the Landings
 * tab with its count; a stranger sees it without the state controls. Screenshots go to
 * test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { uniq } from './forge-client';

const base = inject('baseUrl');
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

async function contextFor(browser: Browser, u: SignUp | undefined): Promise<BrowserContext> {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 1100, height: 900 },
  });
  if (u) {
    const eq = u.cookie.indexOf('=');
    await context.addCookies([
      { name: u.cookie.slice(0, eq), value: u.cookie.slice(eq + 1), url: base },
    ]);
  }
  return context;
}

describe('landing pages', () => {
  let browser: Browser;
  let owner: SignUp;
  let stranger: SignUp;
  let name = '';
  const g = new GitSandbox();
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    [owner, stranger] = await Promise.all([signUp(base), signUp(base)]);
    name = uniq('lpages');
    await owner.createRepo(name);
    const dir = await g.makeRepo('w', 2);
    const remote = remoteUrl(base, owner.user.login, name, await owner.token());
    await g.ok(dir, ['push', '-q', remote, 'main']);
    await g.ok(dir, ['checkout', '-q', '-b', 'feature']);
    await g.commitFile(dir, 'docs/landing.md', '# Landing\n\nhello\n', 'Write the landing doc');
    await g.ok(dir, ['push', '-q', remote, 'feature']);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    g.cleanup();
  });

  it('opens a landing request from /compare and walks its pages', async () => {
    const repoUrl = `${base}/${owner.user.login}/${name}`;
    const ctx = await contextFor(browser, owner);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${repoUrl}/landings`);
    expect(await page.textContent('nav.tabs')).toContain('Landings');
    expect(await page.textContent('.issue-counts')).toContain('0 Open');
    await page.click('text=New landing request');
    await page.waitForURL(/\/compare$/);
    await page.fill('input[name="base"]', 'main');
    await page.fill('input[name="head"]', 'feature');
    await page.click('.compare-picker button');
    await page.waitForURL(/\/compare\/main\.\.\.feature$/);
    await page.click('summary:has-text("Open landing request")');
    await page.fill('#landing-title', 'Document landings');
    await page.fill('#landing-body', 'Adds **docs**.');
    await page.check('input[name="draft"]');
    await page.click('button:has-text("Open landing request")');
    await page.waitForURL(/\/landings\/1$/);
    expect(await page.textContent('h2')).toContain('Document landings');
    expect(await page.textContent('.issue-state')).toContain('Draft');
    expect(await page.innerHTML('.entry .markdown')).toContain('<strong>docs</strong>');
    expect(await page.textContent('table.revisions')).toContain('#1');
    expect(await page.textContent('.landing-checks')).toContain('no checks reported');
    await page.screenshot({ path: join(ARTIFACTS, 'landing-conversation.png'), fullPage: true });

    await page.click('nav[aria-label="Landing request"] >> text=Files changed');
    await page.waitForURL(/tab=files/);
    expect(await page.textContent('body')).toContain('docs/landing.md');
    expect(await page.textContent('body')).toContain('hello');
    await page.screenshot({ path: join(ARTIFACTS, 'landing-files.png'), fullPage: true });
    await page.click('nav[aria-label="Landing request"] >> text=Commits (1)');
    await page.waitForURL(/tab=commits/);
    expect(await page.textContent('ol.commits')).toContain('Write the landing doc');

    await page.goto(`${repoUrl}/landings/1`);
    await page.fill('#comment-body', 'Reviewed, **fine**');
    await page.click('.comment-form button[type="submit"]');
    await page.waitForURL(/\/landings\/1#issuecomment-\d+$/);
    expect(await page.textContent('body')).toContain('Reviewed, fine');
    await page.click('button:has-text("Ready for review")');
    await page.waitForURL(/\/landings\/1$/);
    expect(await page.textContent('.issue-state')).toContain('Open');
    expect(await page.textContent('body')).toContain('marked this ready for review');

    await page.goto(`${repoUrl}/landings`);
    expect(await page.textContent('.issue-counts')).toContain('1 Open');
    expect(await page.textContent('table.issues')).toContain('Document landings');
    await page.screenshot({ path: join(ARTIFACTS, 'landings-list.png'), fullPage: true });
    // The issue list does not show it.
    await page.goto(`${repoUrl}/issues`);
    expect(await page.textContent('body')).not.toContain('Document landings');
    await ctx.close();

    const other = await contextFor(browser, stranger);
    const theirs = await other.newPage();
    await theirs.goto(`${repoUrl}/landings/1`);
    expect(await theirs.textContent('h2')).toContain('Document landings');
    expect(await theirs.locator('button:has-text("Close landing request")').count()).toBe(0);
    expect(await theirs.locator('#comment-body').count()).toBe(1);
    await other.close();
  });
});
