/**
 * Signs in through /login in Chromium with a test wallet injected as `window.ethereum`
 * (EIP-1193): the page's own script asks for the account, builds the SIWE message and asks for
 * `personal_sign`, which a viem account answers from Node. Saves screenshots for review.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../helpers/browser';

const base = inject('baseUrl');
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

describe('the sign-in page', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
    mkdirSync(ARTIFACTS, { recursive: true });
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('signs in with an injected wallet and lands on the home page signed in', async () => {
    const account = privateKeyToAccount(generatePrivateKey());
    const context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    const page = await context.newPage();
    page.setDefaultTimeout(20_000);
    const signed: string[] = [];
    await page.exposeFunction('__plueTestSign', async (hex: `0x${string}`) => {
      signed.push(Buffer.from(hex.slice(2), 'hex').toString('utf8'));
      return account.signMessage({ message: { raw: hex } });
    });
    await page.addInitScript((address: string) => {
      const w = window as unknown as {
        ethereum: unknown;
        __plueTestSign(hex: string): Promise<string>;
      };
      w.ethereum = {
        isTestWallet: true,
        async request({ method, params }: { method: string; params?: unknown[] }) {
          if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [address];
          if (method === 'eth_chainId') return '0x1';
          if (method === 'personal_sign') return w.__plueTestSign(String(params?.[0]));
          throw new Error(`unsupported method ${method}`);
        },
      };
    }, account.address);

    await page.goto(`${base}/login`);
    await expect.poll(() => page.locator('h1').textContent()).toBe('Sign in');
    await page.screenshot({ path: join(ARTIFACTS, 'login.png'), fullPage: true });

    await page.getByRole('button', { name: 'Sign in with Ethereum' }).click();
    // A first sign-in asks for a username, offering the generated one.
    await page.waitForURL(`${base}/welcome?next=%2F`);
    const generated = `u-${account.address.slice(2, 10).toLowerCase()}`;
    expect(await page.locator('#login').inputValue()).toBe(generated);
    await page.screenshot({ path: join(ARTIFACTS, 'welcome.png'), fullPage: true });
    // A name that is not allowed is refused with the form again.
    await page.fill('#login', 'settings');
    await page.evaluate(() => document.querySelector('form')?.setAttribute('novalidate', ''));
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.locator('[role=alert]').textContent()).toContain('reserved');
    const login = `pick-${account.address.slice(2, 10).toLowerCase()}`;
    await page.fill('#login', login);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(`${base}/`);
    await expect.poll(() => page.locator('header.site nav').textContent()).toContain(login);
    expect(signed).toHaveLength(1);
    expect(signed[0]).toContain(
      `${new URL(base).host} wants you to sign in with your Ethereum account:`,
    );
    expect(signed[0]).toContain(`URI: ${new URL(base).origin}`);

    // The session cookie is HttpOnly: page scripts cannot read it.
    expect(await page.evaluate(() => document.cookie)).not.toContain('plue_session');

    // Settings: create a token with a real form post; it is shown once.
    await page.goto(`${base}/settings`);
    await page.fill('#token-name', 'from-browser');
    await page.getByRole('button', { name: 'Create token' }).click();
    await expect
      .poll(() => page.locator('#new-token').textContent())
      .toMatch(/^plue_pat_[0-9A-Za-z]{43}$/);
    await page.screenshot({ path: join(ARTIFACTS, 'settings.png'), fullPage: true });
    await page.goto(`${base}/settings`);
    expect(await page.locator('#new-token').count()).toBe(0);
    await expect.poll(() => page.locator('table').first().textContent()).toContain('from-browser');

    // Sign out from the header.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${base}/`);
    await expect.poll(() => page.locator('header.site nav').textContent()).toContain('Sign in');

    // Signing in again goes straight on: the username was chosen once.
    await page.goto(`${base}/login?next=/settings`);
    await page.getByRole('button', { name: 'Sign in with Ethereum' }).click();
    await page.waitForURL(`${base}/settings`);
    expect(await page.locator('#login').inputValue()).toBe(login);
    await context.close();
  });

  it('says what to do when there is no wallet', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/login`);
    await page.getByRole('button', { name: 'Sign in with Ethereum' }).click();
    await expect.poll(() => page.locator('#status').textContent()).toContain('No wallet found');
    await page.close();
  });
});
