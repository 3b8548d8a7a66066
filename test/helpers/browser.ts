/**
 * Headless Chromium for the UI tests: Debian's package, driven by playwright-core, with the
 * flags this machine needs (no sandbox as root, no background or update traffic offline).
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
    ],
    timeout: 60_000,
  });
}

/**
 * Makes `window.ethereum` a fresh wallet (EIP-1193) whose signatures come from a viem account in
 * Node; returns the login Plue gives its first sign-in (`u-` + the address's first 8 hex digits).
 */
export async function injectTestWallet(page: Page): Promise<string> {
  const account = privateKeyToAccount(generatePrivateKey());
  await page.exposeFunction('__plueTestSign', (hex: `0x${string}`) =>
    account.signMessage({ message: { raw: hex } }),
  );
  await page.addInitScript((address: string) => {
    const w = window as unknown as {
      ethereum: unknown;
      __plueTestSign(hex: string): Promise<string>;
    };
    w.ethereum = {
      async request({ method, params }: { method: string; params?: unknown[] }) {
        if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [address];
        if (method === 'eth_chainId') return '0x1';
        if (method === 'personal_sign') return w.__plueTestSign(String(params?.[0]));
        throw new Error(`unsupported method ${method}`);
      },
    };
  }, account.address);
  return `u-${account.address.slice(2, 10).toLowerCase()}`;
}
