/**
 * A new user's walk, as the README tells it, in Chromium: sign in with a wallet, create a token
 * from the form with its default scopes, create a repository, push to it with the real git client
 * (the token as git's password), browse (description, counts, a ZIP download, the compare
 * picker), open settings, meet an error page while signed in, push
 * a workflow and see its run (with the run's buttons for the owner, none for a reader), revoke the
 * token — and on every page, no link that leads to a 404 and, at 390 px wide, no sideways
 * scrolling. Asserts on what the pages show. Writes nothing outside a temporary directory.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startController } from '../../runner-controller/controller/controller';
import { signUp } from '../../scripts/clients/auth';
import { injectTestWallet, launchChromium } from '../helpers/browser';
import { GitSandbox } from '../helpers/git';
import { DEV_SECRET, poll } from './workflows-client';

const base = inject('baseUrl');
const origin = new URL(base).origin;

/** Every same-origin link on the page, as absolute URLs without fragments. */
async function linksOf(page: Page): Promise<string[]> {
  const hrefs = await page.$$eval('a[href]', (as) => as.map((a) => (a as HTMLAnchorElement).href));
  return [...new Set(hrefs.map((h) => h.replace(/#.*$/, '')))].filter((h) => h.startsWith(origin));
}

describe('a new user follows the README', () => {
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const g = new GitSandbox();
  /** Same-origin responses of 400 or more the walk met without asking for them. */
  const unexpected: string[] = [];
  let expectingError = false;
  // What the first part of the walk leaves for the second.
  let login = '';
  let token = '';
  let askpass = '';
  let dir = '';

  beforeAll(async () => {
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
    page = await context.newPage();
    page.setDefaultTimeout(20_000);
    page.on('response', (r) => {
      if (r.url().startsWith(origin) && r.status() >= 400 && !expectingError) {
        unexpected.push(`${r.status()} ${r.url()}`);
      }
    });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    g.cleanup();
  });

  it('signs in, makes a token, pushes, browses, and meets nothing broken', async () => {
    // Sign in with the wallet; the header then names the user.
    login = await injectTestWallet(page);
    await page.goto(`${base}/login`);
    await page.getByRole('button', { name: 'Sign in with Ethereum' }).click();
    // The first sign-in offers the generated username; the walk keeps it.
    await page.waitForURL(`${base}/welcome?next=%2F`);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${base}/`);
    await expect.poll(() => page.locator('header.site nav').textContent()).toContain(login);

    // The favicon is served (browsers ask for it on every site).
    const icon = await page.request.get(`${base}/favicon.ico`);
    expect(icon.status()).toBe(200);
    expect(icon.headers()['content-type']).toBe('image/x-icon');

    // Settings → a token from the form with its default scopes.
    await page.locator('header.site nav').getByRole('link', { name: login }).click();
    await page.waitForURL(`${base}/settings`);
    const scope = (s: string) => page.locator(`input[name="scopes"][value="${s}"]`);
    expect(await scope('repo:read').isChecked()).toBe(true);
    expect(await scope('repo:write').isChecked()).toBe(true);
    expect(await scope('admin').isChecked()).toBe(false);
    await expect
      .poll(() => page.locator('fieldset').textContent())
      .toContain('push, and start, cancel and re-run workflow runs');
    await page.fill('#token-name', 'laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    // POST/redirect/GET: the page is a GET of /settings, showing the token once.
    await page.waitForURL(`${base}/settings`);
    token = (await page.locator('#new-token').textContent()) ?? '';
    expect(token).toMatch(/^plue_pat_[0-9A-Za-z]{43}$/);
    await expect
      .poll(() => page.locator('.new-token').textContent())
      .toContain('shown only this once');
    await page.getByRole('button', { name: 'Copy token' }).click();
    await expect.poll(() => page.getByRole('button', { name: /Copied/ }).count()).toBe(1);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(token);
    await expect
      .poll(() => page.locator('[role="status"].ok').textContent())
      .toContain('Token “laptop” created.');
    // Reloading neither re-posts the form nor shows the token again.
    await page.reload();
    expect(await page.locator('#new-token').count()).toBe(0);
    expect(await page.locator('table').first().locator('tbody tr').count()).toBe(1);

    // A repository from the header's "New repository".
    await page.getByRole('link', { name: 'New repository' }).first().click();
    await page.fill('#name', 'walk');
    await page.fill('#description', 'A first repository');
    await page.getByRole('button', { name: 'Create repository' }).click();
    await page.waitForURL(`${base}/${login}/walk`);
    await expect
      .poll(() => page.locator('h2').first().textContent())
      .toBe('This repository is empty');
    await expect
      .poll(() => page.locator('.notice').textContent())
      .toContain('personal access token');

    // The push commands the empty repository shows, run with git, the token as the password.
    const commands = (await page.locator('.notice pre').first().textContent()) ?? '';
    const remote = /git remote add origin (\S+)/.exec(commands)?.[1] ?? '';
    expect(remote).toBe(`${base}/${login}/walk.git`);
    askpass = join(g.root, 'askpass.sh');
    writeFileSync(askpass, `#!/bin/sh\necho '${token}'\n`);
    chmodSync(askpass, 0o700);
    dir = await g.makeRepo('walk', 2);
    await g.commitFile(dir, 'README.md', '# walk\n\nHello from the walkthrough.\n', 'readme');
    await g.ok(dir, ['remote', 'add', 'origin', remote]);
    await g.ok(dir, ['push', '-u', 'origin', 'main'], { env: { GIT_ASKPASS: askpass } });

    // Browse: the repository home shows the README; the tabs are the ones that exist (Settings
    // for the owner).
    await page.reload();
    await expect
      .poll(() => page.locator('.markdown').textContent())
      .toContain('Hello from the walkthrough.');
    const tabs = await page.locator('nav.tabs a').allTextContents();
    expect(tabs).toEqual(['Code', 'Issues', 'Landings', 'Runs', 'Settings']);
    // The description, "1 branch" (not "1 branches"), and a download of the tree that unzips.
    expect(await page.locator('main').textContent()).toContain('A first repository');
    expect(await page.locator('.bar').first().textContent()).toContain('1 branch');
    const zipHref = await page.getByRole('link', { name: 'ZIP' }).first().getAttribute('href');
    const zip = await page.request.get(new URL(zipHref ?? '', base).toString());
    expect(zip.status()).toBe(200);
    expect(zip.headers()['content-type']).toBe('application/zip');
    expect((await zip.body()).subarray(0, 2).toString()).toBe('PK');
    // /compare offers ref fields and shows the comparison they pick.
    await page.goto(`${base}/${login}/walk/compare`);
    const older = (await g.ok(dir, ['rev-parse', '--short=10', 'HEAD~1'])).trim();
    await page.fill('input[name="base"]', older);
    await page.getByRole('button', { name: 'Compare' }).click();
    await page.waitForURL(`${base}/${login}/walk/compare/${older}...main`);
    await expect.poll(() => page.locator('ol.commits').textContent()).toContain('readme');
    await page.goto(`${base}/${login}/walk`);
    await page.getByRole('link', { name: 'README.md' }).first().click();
    await page.waitForURL(/\/blob\/main\/README\.md$/);
    await page.goto(`${base}/${login}/walk/commits/main`);
    await expect.poll(() => page.locator('ol.commits li').count()).toBe(3);
    await page.locator('nav.tabs').getByRole('link', { name: 'Runs' }).click();
    await page.waitForURL(`${base}/${login}/walk/actions`);

    // No page on the walk links to a page that is not there.
    const pages = [
      `${base}/`,
      `${base}/explore`,
      `${base}/settings`,
      `${base}/new`,
      `${base}/${login}/walk`,
      `${base}/${login}/walk/blob/main/README.md`,
      `${base}/${login}/walk/commits/main`,
      `${base}/${login}/walk/branches`,
      `${base}/${login}/walk/tags`,
      `${base}/${login}/walk/compare`,
      `${base}/${login}/walk/actions`,
      `${base}/${login}/walk/actions/workflows`,
    ];
    const checked = new Set<string>();
    for (const url of pages) {
      await page.goto(url);
      for (const link of await linksOf(page)) {
        if (checked.has(link)) continue;
        checked.add(link);
        const r = await page.request.get(link, { maxRedirects: 5 });
        expect(r.status(), `${link} (linked from ${url})`).toBeLessThan(400);
      }
    }
    expect(checked.size).toBeGreaterThan(15);

    // An error while signed in: the header still shows the user, and a 400 blames the request.
    expectingError = true;
    const bad = await page.goto(`${base}/${login}/walk/compare/main`);
    expect(bad?.status()).toBe(400);
    const box = (await page.locator('.error-box').textContent()) ?? '';
    expect(box).toContain('400');
    expect(box).not.toContain('our side');
    expect(await page.locator('header.site nav').textContent()).toContain(login);
    const missing = await page.goto(`${base}/${login}/walk/blob/main/no-such-file`);
    expect(missing?.status()).toBe(404);
    expect(await page.locator('header.site nav').textContent()).toContain(login);
    expectingError = false;

    // At 390 px wide (a phone) no main page scrolls sideways.
    await page.setViewportSize({ width: 390, height: 844 });
    const commit = (await g.ok(dir, ['rev-parse', 'HEAD'])).trim();
    for (const url of [
      ...pages,
      `${base}/${login}/walk/commit/${commit}`,
      `${base}/${login}/walk/compare/main`,
    ]) {
      expectingError = url.endsWith('/compare/main');
      await page.goto(url);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${url} is ${width}px wide at 390px`).toBeLessThanOrEqual(390);
    }
    expectingError = false;
    await page.setViewportSize({ width: 1000, height: 800 });

    expect(unexpected, unexpected.join('\n')).toEqual([]);
  });

  it('runs a workflow: writers get its buttons, a reader does not, and run pages fit a phone', async () => {
    // The walk's own runner controller, taking only this user's repositories.
    const controller = await startController({
      url: base,
      secret: DEV_SECRET,
      repoOwner: login,
      heartbeatMs: 1000,
      maxIdleMs: 300,
      log: () => undefined,
    });
    try {
      await g.commitFile(
        dir,
        '.plue/workflows/ci.py',
        [
          'from plue import workflow, push, manual',
          '',
          '@workflow(triggers=[push(branches=["main"]), manual()])',
          'def ci(ctx):',
          '    ctx.run("hello", "echo hello from the walk")',
          '',
        ].join('\n'),
        'add a workflow',
      );
      await g.ok(dir, ['push', 'origin', 'main'], { env: { GIT_ASKPASS: askpass } });
      const api = `${base}/api/v1/repos/${login}/walk/actions/runs`;
      const auth = { authorization: `Bearer ${token}` };
      // The run, finished: observed through the API the run page is built from.
      const run = await poll(async () => {
        const r = await page.request.get(api, { headers: auth });
        const runs = ((await r.json()) as { workflow_runs: Array<{ id: number; status: string }> })
          .workflow_runs;
        return runs.find((x) => x.status === 'completed');
      }, 90_000);
      const runUrl = `${base}/${login}/walk/actions/runs/${run.id}`;
      const workflowsUrl = `${base}/${login}/walk/actions/workflows`;

      // The owner may re-run and start runs by hand.
      await page.goto(runUrl);
      await expect.poll(() => page.locator('#run-status').textContent()).toContain('success');
      expect(await page.getByRole('button', { name: 'Re-run' }).count()).toBe(1);
      await page.goto(workflowsUrl);
      expect(await page.getByRole('button', { name: 'Run workflow' }).count()).toBe(1);

      // Another signed-in user can read the public repository but not act on it: no buttons.
      const reader = await signUp(base);
      const readerContext = await browser.newContext({ viewport: { width: 390, height: 844 } });
      try {
        const [name, value] = reader.cookie.split('=') as [string, string];
        await readerContext.addCookies([{ name, value, url: base }]);
        const rp = await readerContext.newPage();
        await rp.goto(runUrl);
        expect(await rp.locator('header.site nav').textContent()).toContain(reader.user.login);
        await expect.poll(() => rp.locator('#run-status').textContent()).toContain('success');
        expect(await rp.locator('.run-actions button').count()).toBe(0);
        expect(await rp.getByRole('button', { name: /Re-run|Cancel/ }).count()).toBe(0);
        await rp.goto(workflowsUrl);
        await expect.poll(() => rp.locator('h2').first().textContent()).toContain('ci');
        expect(await rp.getByRole('button', { name: 'Run workflow' }).count()).toBe(0);
      } finally {
        await readerContext.close();
      }

      // Run pages at 390 px wide.
      await page.setViewportSize({ width: 390, height: 844 });
      for (const url of [runUrl, workflowsUrl, `${base}/${login}/walk/actions`]) {
        await page.goto(url);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `${url} is ${width}px wide at 390px`).toBeLessThanOrEqual(390);
      }
      await page.setViewportSize({ width: 1000, height: 800 });
    } finally {
      await controller.stop({ abandon: true });
    }

    // Revoking asks first: "Revoke…" opens the named button; then the token stops working.
    await page.goto(`${base}/settings`);
    const revokeFinal = page.getByRole('button', { name: 'Revoke “laptop”' });
    expect(await revokeFinal.isVisible()).toBe(false);
    await page.getByText('Revoke…').click();
    await revokeFinal.click();
    await page.waitForURL(`${base}/settings`);
    await expect
      .poll(() => page.locator('[role="status"].ok').textContent())
      .toContain('Token revoked.');
    const after = await g.git(dir, ['push', 'origin', 'main:refs/heads/after-revoke'], {
      env: { GIT_ASKPASS: askpass },
    });
    expect(after.code).not.toBe(0);

    expect(unexpected, unexpected.join('\n')).toEqual([]);
  });
});
