/**
 * Labels, milestones, reactions and comment history in Chromium with JavaScript off: the owner
 * goes from the issue list to the labels page and creates a label, to the milestones page and
 * creates one with a due date, follows the milestone to its filtered issue list, reacts to an
 * issue and removes the reaction, and follows an edited comment's marker to its history.
 * Screenshots of each page go to test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';

const base = inject('baseUrl');
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

describe('labels, milestones, reactions and history pages in a browser', () => {
  let browser: Browser;
  let owner: SignUp;
  let name = '';
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    owner = await signUp(base);
    name = `meta-${Date.now().toString(36)}`;
    await owner.createRepo(name);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('works through forms without JavaScript', async () => {
    const repoUrl = `${base}/${owner.user.login}/${name}`;
    const ctx = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1100, height: 900 },
    });
    const eq = owner.cookie.indexOf('=');
    await ctx.addCookies([
      { name: owner.cookie.slice(0, eq), value: owner.cookie.slice(eq + 1), url: base },
    ]);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);

    await page.goto(`${repoUrl}/issues`);
    await page.click('a:has-text("Labels")');
    await page.waitForURL(/\/labels$/);
    await page.fill('#new-label-name', 'docs');
    await page.fill('#new-label-description', 'Documentation only');
    await page.click('button:has-text("Create label")');
    await page.waitForURL(/\/labels$/);
    expect(await page.textContent('table.labels')).toContain('Documentation only');

    await page.click('nav a:has-text("Milestones")');
    await page.waitForURL(/\/milestones$/);
    await page.fill('#new-milestone-title', 'Beta');
    await page.fill('#new-milestone-due', '2031-05-01');
    await page.click('button:has-text("Create milestone")');
    await page.waitForURL(/\/milestones$/);
    expect(await page.textContent('table.milestones')).toContain('Due by 2031-05-01');

    const api = (method: string, path: string, body: unknown) =>
      fetch(`${base}/api/v1/repos/${owner.user.login}/${name}${path}`, {
        method,
        headers: { 'content-type': 'application/json', ...owner.headers },
        body: JSON.stringify(body),
      });
    for (const title of ['write the guide', 'proofread']) {
      const res = await api('POST', '/issues', { title, labels: ['docs'], milestone: 1 });
      expect(res.status).toBe(201);
    }
    expect((await api('PATCH', '/issues/2', { state: 'closed' })).status).toBe(200);
    const cm = await api('POST', '/issues/1/comments', { body: 'draft one' });
    const id = ((await cm.json()) as { id: number }).id;
    expect((await api('PATCH', `/issues/comments/${id}`, { body: 'draft two' })).status).toBe(200);

    await page.reload();
    expect(await page.textContent('table.milestones')).toContain(
      '50% complete · 1 open · 1 closed',
    );
    await page.screenshot({ path: join(ARTIFACTS, 'milestones-page.png'), fullPage: true });
    await page.goto(`${repoUrl}/labels`);
    expect(await page.textContent('table.labels')).toContain('1 open issue');
    await page.screenshot({ path: join(ARTIFACTS, 'labels-page.png'), fullPage: true });

    await page.goto(`${repoUrl}/milestones`);
    await page.click('a.title:has-text("Beta")');
    await page.waitForURL(/\/milestones\/\d+$/);
    expect(await page.locator('table.issues tr').count()).toBe(1);
    await page.screenshot({ path: join(ARTIFACTS, 'milestone-page.png'), fullPage: true });
    await page.click('a:has-text("Search these in the issue list")');
    await page.waitForURL(/\/issues\?q=/);
    expect(await page.inputValue('#issue-q')).toBe('is:open milestone:"Beta"');
    expect(await page.locator('table.issues tr').count()).toBe(1);

    await page.goto(`${repoUrl}/issues/1`);
    await page.click('.entry >> nth=0 >> summary:has-text("Add reaction")');
    await page.click('.entry >> nth=0 >> button[aria-label="hooray"]');
    await page.waitForLoadState();
    const mine = page.locator('.entry >> nth=0 >> button.reaction.mine');
    expect(await mine.textContent()).toContain('🎉 1');
    expect(await mine.getAttribute('title')).toBe(`${owner.user.login} reacted with hooray`);
    await page.screenshot({ path: join(ARTIFACTS, 'issue-reactions.png'), fullPage: true });
    await mine.click();
    await page.waitForLoadState();
    expect(await page.locator('.entry >> nth=0 >> button.reaction').count()).toBe(0);

    await page.click(`#issuecomment-${id} a:has-text("edited")`);
    await page.waitForURL(/\/history$/);
    expect(await page.textContent('main, body')).toContain('1 edit, newest first.');
    const versions = await page.locator('article.entry pre').allTextContents();
    expect(versions).toEqual(['draft two', 'draft one']);
    await page.screenshot({ path: join(ARTIFACTS, 'comment-history.png'), fullPage: true });
    await ctx.close();
  });
});
