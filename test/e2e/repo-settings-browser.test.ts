/**
 * The repository settings page in Chromium (#18): the owner opens it from the Settings tab,
 * saves a description and default branch, adds a collaborator, sets a secret (its value never
 * shown again), renames with the name typed out (the old URL then leads to the new one), and
 * deletes, landing on their profile. A read collaborator sees no Settings tab; at phone width
 * nothing scrolls sideways. Saves screenshots under test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

async function signedIn(browser: Browser, u: SignUp): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
  const [name, value] = u.cookie.split('=') as [string, string];
  await ctx.addCookies([{ name, value, url: base }]);
  const page = await ctx.newPage();
  page.setDefaultTimeout(20_000);
  return { ctx, page };
}

describe('repository settings in a browser', () => {
  let browser: Browser;
  const g = new GitSandbox();
  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    g.cleanup();
  });

  it('changes settings, renames with confirmation, follows the old URL, and deletes', async () => {
    const [owner, reader] = await Promise.all([signUp(base), signUp(base)]);
    const o = owner.user.login;
    const name = `site-${Date.now().toString(36)}`;
    await owner.createRepo(name, { description: 'before' });
    const token = await owner.token();
    const src = await g.makeRepo('src', 2);
    await g.ok(src, ['push', remoteUrl(base, o, name, token), 'main', 'main:dev']);
    const put = await fetch(
      `${base}/api/v1/repos/${o}/${name}/collaborators/${reader.user.login}`,
      {
        method: 'PUT',
        headers: owner.headers,
        body: JSON.stringify({ permission: 'read' }),
      },
    );
    expect(put.status).toBe(204);

    const { ctx, page } = await signedIn(browser, owner);
    await page.goto(`${base}/${o}/${name}`);
    await expect.poll(() => page.locator('.repo-desc').textContent()).toBe('before');
    await page.locator('nav.tabs').getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL(`${base}/${o}/${name}/settings`);
    await page.screenshot({ path: join(ARTIFACTS, 'repo-settings.png'), fullPage: true });

    // General: description and default branch (a select of the branches that exist).
    await page.fill('#description', 'A small site');
    await page.selectOption('#default-branch', 'dev');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(() => page.locator('[role=status]').textContent())
      .toContain('Settings saved');
    expect(await page.locator('#default-branch').inputValue()).toBe('dev');
    // A reload after the redirect does not post again, and the notice was shown once.
    await page.reload();
    expect(await page.locator('[role=status]').count()).toBe(0);

    // Collaborators: the reader is listed; add the same user with write.
    await expect
      .poll(() => page.locator('#collaborators + table').textContent())
      .toContain(reader.user.login);
    await page.fill('#collab-login', reader.user.login);
    await page.selectOption('#collab-permission', 'write');
    await page.getByRole('button', { name: 'Add collaborator' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('write access');

    // Secrets: the value goes in once and never comes back.
    await page.fill('#secret-name', 'API_TOKEN');
    await page.fill('#secret-value', 'sekrit-value-123');
    await page.getByRole('button', { name: 'Save secret' }).click();
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('API_TOKEN');
    expect(await page.content()).not.toContain('sekrit-value-123');

    // Rename: the button does nothing until the name is typed out.
    const renamed = `${name}-v2`;
    await page.fill('#new-name', renamed);
    await page.fill('#rename-confirm', 'not the name');
    await page.getByRole('button', { name: 'Rename this repository' }).click();
    expect(page.url()).toBe(`${base}/${o}/${name}/settings`);
    await page.fill('#rename-confirm', name);
    await page.getByRole('button', { name: 'Rename this repository' }).click();
    await page.waitForURL(`${base}/${o}/${renamed}/settings`);
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('redirects');
    // The old URL leads to the new one.
    await page.goto(`${base}/${o}/${name}/tree/main`);
    expect(page.url()).toBe(`${base}/${o}/${renamed}/tree/main`);

    // A read collaborator sees no Settings tab (now write: lower it back first through the API).
    const back = await fetch(
      `${base}/api/v1/repos/${o}/${renamed}/collaborators/${reader.user.login}`,
      { method: 'PUT', headers: owner.headers, body: JSON.stringify({ permission: 'read' }) },
    );
    expect(back.status).toBe(204);
    const other = await signedIn(browser, reader);
    await other.page.goto(`${base}/${o}/${renamed}`);
    await expect.poll(() => other.page.locator('nav.tabs').textContent()).toContain('Code');
    expect(await other.page.locator('nav.tabs').textContent()).not.toContain('Settings');
    await other.ctx.close();

    // At 390 px wide (a phone) the settings page and the profile do not scroll sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    for (const url of [`${base}/${o}/${renamed}/settings`, `${base}/${o}`]) {
      await page.goto(url);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${url} is ${width}px wide at 390px`).toBeLessThanOrEqual(390);
    }
    await page.setViewportSize({ width: 1000, height: 800 });

    // Delete, with the full name typed out; the owner lands on their profile.
    await page.goto(`${base}/${o}/${renamed}/settings`);
    await page.fill('#delete-confirm', `${o}/${renamed}`);
    await page.getByRole('button', { name: 'Delete this repository' }).click();
    await page.waitForURL(`${base}/${o}`);
    await expect.poll(() => page.locator('[role=status]').textContent()).toContain('Deleted');
    expect(await page.locator('#repos + table, #repos ~ p').first().textContent()).not.toContain(
      renamed,
    );
    await page.screenshot({ path: join(ARTIFACTS, 'profile.png'), fullPage: true });
    await ctx.close();
  });
});
