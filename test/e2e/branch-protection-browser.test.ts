/**
 * Branch protection from the settings page in Chromium (#19): the owner adds a rule for `main`
 * requiring one approval, a push to main is then refused by the real git client with the rule's
 * reason, the rule is edited (no approvals: the push passes) and deleted. Saves screenshots under
 * test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

describe('branch protection in a browser', () => {
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

  it('adds a rule on the settings page, and the next push to main is refused', async () => {
    const owner = await signUp(base);
    const o = owner.user.login;
    const name = `guarded-${Date.now().toString(36)}`;
    await owner.createRepo(name);
    const url = remoteUrl(base, o, name, await owner.token());
    const src = await g.makeRepo('src', 2);
    await g.ok(src, ['push', url, 'main']);

    const ctx = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    const [cookie, value] = owner.cookie.split('=') as [string, string];
    await ctx.addCookies([{ name: cookie, value, url: base }]);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto(`${base}/${o}/${name}/settings`);
    await expect
      .poll(() => page.locator('#branches + p + table').textContent())
      .toContain('No branch is protected');

    await page.fill('#new-rule-pattern', 'main');
    await page.fill('#new-rule-approvals', '1');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await expect
      .poll(() => page.locator('[role=status]').textContent())
      .toContain('Branch rule main saved');
    const table = page.locator('#branches + p + table');
    expect(await table.textContent()).toContain('1 approval');
    expect(await table.textContent()).toContain('no force pushes');
    await page.screenshot({ path: join(ARTIFACTS, 'branch-rules.png'), fullPage: true });

    await g.commitFile(src, 'change.txt', 'a change\n', 'a change');
    const refused = await g.git(src, ['push', url, 'main']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      '! [remote rejected] main -> main (protected branch: 1 approving review required)',
    );

    // Edit: no approvals required; the same push now lands.
    await table.getByRole('link', { name: 'Edit' }).click();
    await page.waitForURL(/\/settings\/branches\?pattern=main$/);
    expect(await page.locator('#edit-rule-approvals').inputValue()).toBe('1');
    await page.fill('#edit-rule-approvals', '0');
    await page.screenshot({ path: join(ARTIFACTS, 'branch-rule-edit.png'), fullPage: true });
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.waitForURL(`${base}/${o}/${name}/settings`);
    expect(await table.textContent()).not.toContain('1 approval');
    const pushed = await g.git(src, ['push', url, 'main']);
    expect(pushed.code, pushed.stderr).toBe(0);
    // Still protected against deletion.
    expect((await g.git(src, ['push', url, ':main'])).stderr).toContain(
      '(protected branch: deletion prohibited)',
    );

    await page.getByRole('button', { name: 'Delete rule main' }).click();
    await expect
      .poll(() => page.locator('[role=status]').textContent())
      .toContain('Branch rule main deleted');
    expect(await table.textContent()).toContain('No branch is protected');
    await ctx.close();
  });
});
