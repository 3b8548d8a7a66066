/**
 * Notifications in Chromium with JavaScript off: the header counter shows a mention's unread
 * notification on any page (a code page too, whose validator must change with it), the inbox
 * lists it with its reason, repository and issue, filters work, marking read, unsubscribing
 * and marking all read are form posts answered with a redirect, the watch form on the Issues
 * page changes the setting, and opening an issue marks its notification read. Screenshots go to test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';

const base = inject('baseUrl');
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

async function contextFor(browser: Browser, u: SignUp): Promise<BrowserContext> {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 1100, height: 900 },
  });
  const eq = u.cookie.indexOf('=');
  await context.addCookies([
    { name: u.cookie.slice(0, eq), value: u.cookie.slice(eq + 1), url: base },
  ]);
  return context;
}

async function api(u: SignUp, method: string, path: string, body: unknown, status: number) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: u.headers,
    body: JSON.stringify(body),
  });
  expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBe(status);
  return res;
}

describe('notification pages', () => {
  let browser: Browser;
  let alice: SignUp;
  let bob: SignUp;
  let name = '';
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    [alice, bob] = await Promise.all([signUp(base), signUp(base)]);
    name = `inbox-${Date.now().toString(36)}`;
    await alice.createRepo(name);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('counts unread in the header and works the inbox through forms', async () => {
    const full = `${alice.user.login}/${name}`;
    const ctx = await contextFor(browser, bob);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${base}/${full}`);
    expect(await page.textContent('header.site')).toContain('Notifications');
    expect(await page.$('header.site .unread-count')).toBeNull();

    const issue = { title: 'Needs eyes', body: `@${bob.user.login} please review` };
    await api(alice, 'POST', `/repos/${full}/issues`, issue, 201);
    await api(alice, 'POST', `/repos/${full}/issues`, { ...issue, title: 'Second' }, 201);
    // The same code page again: its validator changed with the count, so it is not a stale 304.
    await page.goto(`${base}/${full}`);
    expect(await page.textContent('header.site .unread-count')).toBe('2');
    expect(await page.getAttribute('header.site a.inbox', 'aria-label')).toBe(
      'Notifications, 2 unread',
    );

    await page.click('header.site a.inbox');
    await page.waitForURL(/\/notifications$/);
    const rows = page.locator('table.notifications tr');
    expect(await rows.count()).toBe(2);
    const text = await page.textContent('table.notifications');
    expect(text).toContain(full);
    expect(text).toContain('Needs eyes');
    expect(text).toContain('You were mentioned');
    expect(text).toContain('● Unread');
    await page.screenshot({ path: join(ARTIFACTS, 'notifications-inbox.png'), fullPage: true });

    // Mark one read: a redirect back, one unread left (listed first), the counter follows.
    await rows.filter({ hasText: 'Needs eyes' }).locator('button:has-text("Mark read")').click();
    await page.waitForURL(/\/notifications(\?.*)?$/);
    expect(await page.textContent('header.site .unread-count')).toBe('1');
    expect(await page.locator('table.notifications tr').first().textContent()).toContain('Second');
    await page.goto(`${base}/notifications?filter=unread`);
    expect(await page.locator('table.notifications tr').count()).toBe(1);

    // Unsubscribe from "Second": the button turns into Subscribe.
    await page.click('table.notifications tr >> button:has-text("Unsubscribe")');
    await page.waitForURL(/filter=unread/);
    expect(await page.textContent('table.notifications')).toContain('Subscribe');

    // Mark all read: the counter goes.
    await page.click('button:has-text("Mark all as read")');
    await page.waitForURL(/filter=unread/);
    expect(await page.$('header.site .unread-count')).toBeNull();
    expect(await page.textContent('main')).toContain('No unread notifications');

    // The watch form on the Issues page: choose all activity; a new issue then notifies.
    await page.goto(`${base}/${full}/issues`);
    await page.selectOption('#watch-level', 'watching');
    await page.click('form.watch button');
    await page.waitForURL(/\/issues$/);
    expect(await page.inputValue('#watch-level')).toBe('watching');
    await page.screenshot({ path: join(ARTIFACTS, 'notifications-watch.png') });
    await api(alice, 'POST', `/repos/${full}/issues`, { title: 'Third', body: '' }, 201);
    await page.goto(`${base}/notifications?filter=unread`);
    expect(await page.textContent('table.notifications')).toContain('You watch the repository');
    expect(await page.textContent('header.site .unread-count')).toBe('1');
    // Opening the issue from the inbox marks its notification read, counter included.
    await page.click('table.notifications a.title');
    await page.waitForURL(/\/issues\/3$/);
    expect(await page.$('header.site .unread-count')).toBeNull();
    await page.goto(`${base}/notifications?filter=unread`);
    expect(await page.textContent('main')).toContain('No unread notifications');
    await ctx.close();
  });

  it('sends anonymous visitors to sign in', async () => {
    const res = await fetch(`${base}/notifications`, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Fnotifications');
  });
});
