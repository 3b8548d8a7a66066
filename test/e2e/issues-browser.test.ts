/**
 * The issue pages in Chromium with JavaScript off (every form must work without it): the owner
 * opens an issue from the form, comments, labels, assigns, sets a milestone, locks and closes
 * it; a stranger sees the issue without any of those controls and cannot comment once locked;
 * the list filters by qualifiers and shows counts. Screenshots go to test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';

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

describe('issue pages', () => {
  let browser: Browser;
  let owner: SignUp;
  let stranger: SignUp;
  let name = '';
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    [owner, stranger] = await Promise.all([signUp(base), signUp(base)]);
    name = `pages-${Date.now().toString(36)}`;
    await owner.createRepo(name);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('opens, comments, labels, assigns, locks and closes through forms; strangers see no controls', async () => {
    const repoUrl = `${base}/${owner.user.login}/${name}`;
    const ctx = await contextFor(browser, owner);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${repoUrl}/issues`);
    expect(await page.textContent('nav.tabs')).toContain('Issues');
    expect(await page.textContent('.issue-counts')).toContain('0 Open');
    await page.click('text=New issue');
    await page.fill('#title', 'Pages work without <script>');
    await page.fill('#body', '- [x] list\n- [ ] close\n\n```ts\nconst x = 1;\n```');
    await page.click('button:has-text("Open issue")');
    await page.waitForURL(/\/issues\/1$/);
    expect(await page.textContent('h2')).toContain('Pages work without <script>');
    expect(await page.textContent('body')).toContain('1 of 2 tasks');
    expect(await page.locator('.markdown .hljs-keyword').count()).toBeGreaterThan(0);

    await page.fill('#comment-body', 'A comment with **bold**');
    await page.click('button:has-text("Comment")');
    await page.waitForURL(/#issuecomment-\d+$/);
    expect(await page.innerHTML('.entry:nth-of-type(2) .markdown')).toContain(
      '<strong>bold</strong>',
    );

    // The author edits the comment and the title; the edit is kept in the history.
    await page.click('.entry:nth-of-type(2) summary:has-text("Edit")');
    await page.fill('.entry:nth-of-type(2) textarea[name="body"]', 'An edited comment');
    await page.click('button:has-text("Save comment")');
    await page.waitForURL(/#issuecomment-\d+$/);
    expect(await page.textContent('.entry:nth-of-type(2)')).toContain('An edited comment');
    expect(await page.textContent('.entry:nth-of-type(2) header')).toContain('edited');
    await page.click('summary:has-text("Edit title and description")');
    await page.fill('#edit-title', 'Pages work without scripts');
    await page.click('button:has-text("Save")');
    await page.waitForLoadState();
    expect(await page.textContent('h2')).toContain('Pages work without scripts');
    expect(await page.textContent('body')).toContain('changed the title');

    await page.click('summary:has-text("Edit labels")');
    await page.check('input[name="labels"][value="bug"]');
    await page.click('button:has-text("Apply labels")');
    await page.waitForLoadState();
    expect(await page.textContent('.sidebar')).toContain('bug');
    await page.click('summary:has-text("Edit assignees")');
    await page.check(`input[name="assignees"][value="${owner.user.login}"]`);
    await page.click('button:has-text("Apply assignees")');
    await page.waitForLoadState();
    expect(await page.textContent('body')).toContain(`assigned ${owner.user.login}`);
    await page.selectOption('select[name="lock_reason"]', 'resolved');
    await page.click('button:has-text("Lock conversation")');
    await page.waitForLoadState();
    expect(await page.textContent('body')).toContain('locked this conversation as resolved');
    await page.screenshot({ path: join(ARTIFACTS, 'issue-page.png'), fullPage: true });

    // The stranger: no sidebar controls, no close buttons, no comment form on a locked issue.
    const sctx = await contextFor(browser, stranger);
    const spage = await sctx.newPage();
    await spage.goto(`${repoUrl}/issues/1`);
    expect(await spage.locator('summary:has-text("Edit labels")').count()).toBe(0);
    expect(await spage.locator('button:has-text("Close as completed")').count()).toBe(0);
    expect(
      await spage
        .locator('button:has-text("Lock conversation"), button:has-text("Unlock")')
        .count(),
    ).toBe(0);
    expect(await spage.locator('#comment-body').count()).toBe(0);
    expect(await spage.textContent('body')).toContain('This conversation is locked');
    // A forged form post is refused with the locked error page.
    const forged = await spage.request.post(`${repoUrl}/issues/1/comments`, {
      form: { body: 'sneaky' },
      headers: { origin: new URL(base).origin },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    // A form posted from another site is refused whoever is signed in.
    const foreign = await page.request.post(`${repoUrl}/issues/1/lock`, {
      form: { locked: 'false' },
      headers: { origin: 'https://evil.example' },
      maxRedirects: 0,
    });
    expect(foreign.status()).toBe(403);
    expect(await foreign.text()).toMatch(/Cross-site request refused/);

    // The owner closes it as completed; the list's counts and filters follow.
    await page.click('button:has-text("Close as completed")');
    await page.waitForLoadState();
    expect(await page.textContent('.issue-state')).toContain('Closed');
    await page.goto(`${repoUrl}/issues?q=${encodeURIComponent('is:closed label:bug')}`);
    expect(await page.textContent('.issue-counts')).toContain('1 Closed');
    expect(await page.locator('table.issues tr').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'issue-list.png'), fullPage: true });
    await page.goto(`${repoUrl}/issues?q=${encodeURIComponent('is:open')}`);
    expect(await page.textContent('body')).toContain('No issues match');
    await sctx.close();
    await ctx.close();
  });

  it('keeps a private repository’s issues invisible to strangers and anonymous visitors', async () => {
    const secret = `hidden-${Date.now().toString(36)}`;
    await owner.createRepo(secret, { private: true });
    for (const u of [stranger, undefined]) {
      const ctx = await contextFor(browser, u);
      const page = await ctx.newPage();
      for (const path of ['issues', 'issues/new', 'issues/1']) {
        const res = await page.goto(`${base}/${owner.user.login}/${secret}/${path}`);
        expect(res?.status(), path).toBe(404);
      }
      await ctx.close();
    }
  });
});
