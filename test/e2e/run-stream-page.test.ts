import { mkdirSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { launchChromium } from '../helpers/browser';
import { makeRun, outputs, post } from '../../scripts/clients/run-stream-client';

const base = inject('baseUrl');

describe('run page in Chromium', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('shows live output with colours, anchors, collapsing and a 100,000-line log', async () => {
    const run = await makeRun(base, { steps: ['build', 'big'] });
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    try {
      const url = `${base}/${run.owner.user.login}/${run.repo}/actions/runs/${run.runId}`;
      expect((await page.goto(url))?.status()).toBe(200);
      await expect(page.locator('details.step .name').allTextContents()).resolves.toEqual([
        'build',
        'big',
      ]);

      // Output posted after the page loaded arrives live.
      await post(base, run, [
        { event: 'run_started' },
        { event: 'step_started', step_id: 'build' },
      ]);
      await post(
        base,
        run,
        outputs('build', 1, [
          '$ npm test\n',
          '\u001b[32mPASS\u001b[0m src/a.test.ts\n',
          'par',
          'tial\n',
        ]),
      );
      await page.locator('#build-L3').waitFor({ timeout: 10_000 });
      expect(await page.locator('#build-L2 .a-fg2').textContent()).toBe('PASS');
      expect(await page.locator('#build-L3').textContent()).toBe('3partial');
      expect(await page.locator('#run-status').textContent()).toMatch(/running/);

      // A 100,000-line log renders incrementally without stalling the page.
      await post(base, run, [{ event: 'step_started', step_id: 'big' }]);
      const block = (from: number) =>
        Array.from({ length: 5000 }, (_, i) => `line ${from + i} \u001b[1mok\u001b[0m`).join('\n') +
        '\n';
      const t0 = Date.now();
      for (let b = 0; b < 20; b++)
        await post(base, run, outputs('big', b + 1, [block(b * 5000 + 1)]));
      await page.locator('#big-L100000').waitFor({ state: 'attached', timeout: 60_000 });
      console.log(`100,000 lines posted and rendered in ${Date.now() - t0} ms`);
      expect(await page.locator('#big-L100000').textContent()).toBe('100000line 100000 ok');
      expect(await page.locator('#big .line, details[data-step="big"] .line').count()).toBe(
        100_000,
      );

      await post(base, run, [
        { event: 'step_completed', step_id: 'big', status: 'success', exit_code: 0 },
        { event: 'step_completed', step_id: 'build', status: 'failure', exit_code: 1 },
        { event: 'run_completed', conclusion: 'failure' },
      ]);
      await page.waitForFunction(
        () => document.getElementById('run-status')?.textContent?.includes('failure'),
        undefined,
        { timeout: 10_000 },
      );
      // The successful step collapsed; the failed one stays open.
      expect(await page.locator('details[data-step="big"]').getAttribute('open')).toBeNull();
      expect(await page.locator('details[data-step="build"]').getAttribute('open')).not.toBeNull();
      mkdirSync('test/artifacts', { recursive: true });
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: 'test/artifacts/run-page.png' });

      // The runs list links the run.
      await page.goto(`${base}/${run.owner.user.login}/${run.repo}/actions`);
      expect(await page.locator(`a[href$="/actions/runs/${run.runId}"]`).count()).toBe(1);
      await page.screenshot({ path: 'test/artifacts/runs-list.png' });

      // A line anchor opens the page at that line, replayed from the archive.
      await page.goto(`${url}#build-L2`);
      await page.locator('#build-L2.target').waitFor({ timeout: 20_000 });
    } finally {
      await page.close();
    }
  }, 120_000);
});
