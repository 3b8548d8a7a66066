/**
 * Approve and land from the landing page in Chromium (JavaScript off): a writer opens a landing
 * from a branch through the API on a repository whose main needs one approval; the owner's
 * page shows the refusal, the writer's approve button is absent on their own landing, the owner
 * approves, the writer lands by rebase from the page, sees it landed and deletes the branch.
 * Screenshots go to test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { forgeClient, uniq } from './forge-client';

const base = inject('baseUrl');
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const { json } = forgeClient(base);

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

describe('approve and land from the page', () => {
  let browser: Browser;
  let owner: SignUp;
  let writer: SignUp;
  let name = '';
  let remote = '';
  const g = new GitSandbox();
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    [owner, writer] = await Promise.all([signUp(base), signUp(base)]);
    name = uniq('lland');
    await owner.createRepo(name);
    const api = `/repos/${owner.user.login}/${name}`;
    await json(
      owner,
      'PUT',
      `${api}/collaborators/${writer.user.login}`,
      { permission: 'write' },
      204,
    );
    const dir = await g.makeRepo('w', 2);
    remote = remoteUrl(base, owner.user.login, name, await owner.token());
    await g.ok(dir, ['push', '-q', remote, 'main']);
    await json(owner, 'PUT', `${api}/branches/main/protection`, {
      required_status_checks: null,
      enforce_admins: false,
      required_pull_request_reviews: { required_approving_review_count: 1 },
      restrictions: null,
    });
    await g.ok(dir, ['checkout', '-q', '-b', 'feature']);
    await g.commitFile(dir, 'feature.md', 'feature\n', 'Add the feature');
    await g.ok(dir, [
      'push',
      '-q',
      remoteUrl(base, owner.user.login, name, await writer.token()),
      'feature',
    ]);
    await json(
      writer,
      'POST',
      `${api}/landings`,
      { base: 'main', head: 'feature', title: 'Feature' },
      201,
    );
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    g.cleanup();
  });

  it('approves, lands by rebase and deletes the branch', async () => {
    const url = `${base}/${owner.user.login}/${name}/landings/1`;
    const mine = await (await contextFor(browser, writer)).newPage();
    mine.setDefaultTimeout(20_000);
    await mine.goto(url);
    expect(await mine.textContent('.land-refusal')).toContain(
      'protected branch: 1 approving review required',
    );
    expect(await mine.isDisabled('.land-box button:has-text("Land")')).toBe(true);
    expect(await mine.locator('.review-form button:has-text("Approve")').count()).toBe(0);

    const theirs = await (await contextFor(browser, owner)).newPage();
    theirs.setDefaultTimeout(20_000);
    await theirs.goto(url);
    await theirs.fill('#review-body', 'Ship it');
    await theirs.click('.review-form button:has-text("Approve")');
    await theirs.waitForURL(url);
    expect(await theirs.textContent('.reviewers')).toContain(`${owner.user.login} approved`);
    expect(await theirs.textContent('.review')).toContain('Ship it');

    await mine.goto(url);
    expect(await mine.locator('.land-refusal').count()).toBe(0);
    await mine.selectOption('#land-method', 'rebase');
    await mine.click('.land-box button:has-text("Land")');
    await mine.waitForURL(url);
    await mine.screenshot({ path: join(ARTIFACTS, 'landing-landed.png'), fullPage: true });
    expect(await mine.textContent('.land-box')).toContain('Landed on main');
    expect(await mine.textContent('.issue-state')).toContain('Landed');
    await mine.click('button:has-text("Delete branch feature")');
    await mine.waitForURL(url);
    expect(await mine.locator('button:has-text("Delete branch")').count()).toBe(0);
    const refs = await g.ok(g.root, ['ls-remote', remote]);
    expect(refs).not.toContain('refs/heads/feature');
    const landed = await json(writer, 'GET', `/repos/${owner.user.login}/${name}/landings/1`);
    expect(landed.landing_state).toBe('landed');
  });
});
