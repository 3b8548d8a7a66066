/**
 * The run pages stay true while runs move, in Chromium: the run page's header, durations, steps
 * (exit codes, skip reasons, stderr) and buttons follow the run's stream; Cancel clears when the
 * run ends; the runs list shows new runs and new states by itself; "Run workflow" shows the
 * request and then its run; the plain-text logs answer for every step.
 */
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';
import { GitSandbox } from '../helpers/git';
import {
  OPERATOR,
  makeRun,
  outputs,
  post,
  type TestRun,
} from '../../scripts/clients/run-stream-client';
import { poll, pushRepo, testController } from './workflows-client';

const base = inject('baseUrl');

async function contextOf(browser: Browser, who: SignUp): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const [name, value] = who.cookie.split('=') as [string, string];
  await context.addCookies([{ name, value, url: base }]);
  return context;
}

const runUrl = (r: TestRun) => `${base}/${r.owner.user.login}/${r.repo}/actions/runs/${r.runId}`;
const text = async (page: Page, sel: string) => (await page.locator(sel).textContent()) ?? '';

/** The times the stream stamped on a run's records, by event (and step). */
async function stamps(r: TestRun): Promise<Map<string, number>> {
  const res = await fetch(`${r.api}/events`, { headers: { cookie: r.owner.cookie } });
  const body = (await res.json()) as {
    records: Array<{ event: string; step_id?: string; t: number }>;
  };
  return new Map(body.records.map((x) => [`${x.event}:${x.step_id ?? ''}`, x.t]));
}

describe('live run pages in Chromium', () => {
  let browser: Browser;
  const g = new GitSandbox();
  beforeAll(async () => {
    browser = await launchChromium();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    g.cleanup();
  });

  it('the run page follows the run to its end: state, durations, steps and buttons', async () => {
    const run = await makeRun(base, { steps: ['build', 'lint', 'deploy'] });
    const context = await contextOf(browser, run.owner);
    const page = await context.newPage();
    try {
      await page.goto(runUrl(run));
      expect(await page.locator('#run-cancel').isVisible()).toBe(true);
      expect(await page.locator('#run-rerun').isVisible()).toBe(false);
      expect(await page.locator('#run-commit').getAttribute('href')).toBe(
        `/${run.owner.user.login}/${run.repo}/commit/${'ab'.repeat(20)}`,
      );

      await post(base, run, [
        { event: 'run_started' },
        { event: 'step_started', step_id: 'build' },
      ]);
      // The run's duration appears and ticks while it runs.
      await page.waitForFunction(() =>
        /took \ds/.test(document.getElementById('run-took')?.textContent ?? ''),
      );
      const first = await text(page, '#run-took');
      await page.waitForFunction(
        (was) => document.getElementById('run-took')?.textContent !== was,
        first,
        { timeout: 10_000 },
      );

      // stderr is told apart from stdout.
      await post(base, run, [
        ...outputs('build', 1, ['compiling\n']),
        { event: 'step_output', step_id: 'build', stream: 'stderr', seq: 2, data: 'error: boom\n' },
      ]);
      await page.locator('#build-L2').waitFor();
      expect(await page.locator('#build-L1').getAttribute('class')).toBe('line');
      expect(await page.locator('#build-L2').getAttribute('class')).toBe('line err');
      // …and marking it leaves no empty line behind.
      await post(base, run, outputs('build', 3, ['linking\n']));
      await page.locator('#build-L3').waitFor();
      expect(await text(page, '#build-L3')).toBe('3linking');
      expect(await page.locator('#build-L3').getAttribute('class')).toBe('line');
      expect(await page.locator('details[data-step="build"] .line').count()).toBe(3);

      // A failed step shows its exit code; a skipped one its reason.
      await post(base, run, [
        { event: 'step_completed', step_id: 'build', status: 'failure', exit_code: 2 },
        {
          event: 'step_completed',
          step_id: 'lint',
          status: 'skipped',
          exit_code: null,
          note: 'dependency build failure',
        },
        {
          event: 'step_completed',
          step_id: 'deploy',
          status: 'skipped',
          exit_code: null,
          note: 'dependency build failure',
        },
        { event: 'run_completed', conclusion: 'failure' },
      ]);
      await page.waitForFunction(() =>
        document.getElementById('run-status')?.textContent?.includes('failure'),
      );
      expect(await text(page, 'details[data-step="build"] .why')).toBe('exit 2');
      expect(await text(page, 'details[data-step="lint"] .why')).toBe('dependency build failure');
      // The ended run offers Re-run, not Cancel, and its duration is the run's, no longer ticking.
      expect(await page.locator('#run-cancel').isVisible()).toBe(false);
      expect(await page.locator('#run-rerun').isVisible()).toBe(true);
      const t = await stamps(run);
      const took = Math.round(
        ((t.get('run_completed:') ?? 0) - (t.get('run_started:') ?? 0)) / 1000,
      );
      expect(await text(page, '#run-took')).toBe(`took ${took}s`);

      mkdirSync('test/artifacts', { recursive: true });
      await page.screenshot({ path: 'test/artifacts/run-page-ended.png' });

      // Reloaded, the page says the same without the stream's help.
      await page.goto(runUrl(run));
      expect(await page.locator('#run-cancel').isVisible()).toBe(false);
      expect(await text(page, 'details[data-step="build"] .why')).toBe('exit 2');
      const served = await (await page.request.get(runUrl(run))).text();
      expect(served).toContain('<span class="why">dependency build failure</span>');

      // Every step's text log answers, also for a step that wrote nothing; and the whole run
      // downloads as plain text.
      for (const step of ['build', 'lint', 'deploy']) {
        const r = await page.request.get(`${run.api}/steps/${step}/log`);
        expect(r.status(), step).toBe(200);
      }
      const all = await page.request.get(`${run.api}/logs/text`);
      expect(all.status()).toBe(200);
      expect(all.headers()['content-disposition']).toMatch(/^attachment; filename="ci-\d+\.log"$/);
      expect(await all.text()).toBe(
        '== build: failure, exit 2 ==\ncompiling\nerror: boom\nlinking\n\n== lint: skipped (dependency build failure) ==\n\n== deploy: skipped (dependency build failure) ==\n\n',
      );
    } finally {
      await context.close();
    }
  });

  it('"Cancelling…" clears when the run ends', async () => {
    const run = await makeRun(base, { steps: ['build', 'test'] });
    const context = await contextOf(browser, run.owner);
    const page = await context.newPage();
    try {
      await post(base, run, [
        { event: 'run_started' },
        { event: 'step_started', step_id: 'build' },
      ]);
      await page.goto(runUrl(run));
      await page.getByRole('button', { name: 'Cancel run' }).click();
      await page.getByRole('button', { name: 'Cancelling…' }).waitFor();
      // The controller sees the request and reports the run cancelled.
      await post(base, run, [
        {
          event: 'step_completed',
          step_id: 'build',
          status: 'cancelled',
          exit_code: null,
          note: 'cancelled',
        },
        { event: 'run_completed', conclusion: 'cancelled' },
      ]);
      await page.waitForFunction(() =>
        document.getElementById('run-status')?.textContent?.includes('cancelled'),
      );
      expect(await page.getByRole('button', { name: 'Cancelling…' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Re-run' }).count()).toBe(1);
      // The step that never started is settled as the server settles it.
      expect(await text(page, 'details[data-step="test"] .st')).toBe('⊘ cancelled');
    } finally {
      await context.close();
    }
  });

  it('a queued run cancelled from its page ends there at once, its steps cancelled', async () => {
    const run = await makeRun(base, { steps: ['build', 'test'] });
    const context = await contextOf(browser, run.owner);
    const page = await context.newPage();
    try {
      await page.goto(runUrl(run));
      await page.getByRole('button', { name: 'Cancel run' }).click();
      await page.waitForFunction(() =>
        document.getElementById('run-status')?.textContent?.includes('cancelled'),
      );
      expect(await text(page, '#run-took')).toBe('not started');
      await expect
        .poll(() => page.locator('details.step .st').allTextContents())
        .toEqual(['⊘ cancelled', '⊘ cancelled']);
    } finally {
      await context.close();
    }
  });

  it('the runs list shows new runs and their states by itself', async () => {
    const run = await makeRun(base, { steps: ['build'] });
    const context = await contextOf(browser, run.owner);
    const page = await context.newPage();
    try {
      await page.goto(`${base}/${run.owner.user.login}/${run.repo}/actions`);
      await page.locator(`tr[data-run="${run.runId}"]`).waitFor();
      const c = await fetch(`${base}/internal/runs`, {
        method: 'POST',
        headers: { ...OPERATOR, 'content-type': 'application/json' },
        body: JSON.stringify({
          owner: run.owner.user.login,
          repo: run.repo,
          workflow: 'later',
          event: 'push',
          head_sha: 'cd'.repeat(20),
          plan: { steps: [{ id: 'x', name: 'x', type: 'run' }] },
        }),
      });
      expect(c.status).toBe(201);
      const second = ((await c.json()) as { run: { id: number } }).run.id;
      await page.locator(`tr[data-run="${second}"]`).waitFor({ timeout: 15_000 });
      await post(base, run, [
        { event: 'run_started' },
        { event: 'run_completed', conclusion: 'success' },
      ]);
      await page.waitForFunction(
        (id) => document.querySelector(`tr[data-run="${id}"] td`)?.textContent?.includes('success'),
        run.runId,
        { timeout: 15_000 },
      );
    } finally {
      await context.close();
    }
  });

  it('"Run workflow" shows the request, then its run, whose header links the commit', async () => {
    const owner = await signUp(base);
    const token = await owner.token(['repo:read', 'repo:write']);
    const workflow = [
      'from plue import workflow, manual',
      '',
      '@workflow(triggers=[manual()])',
      'def ci(ctx):',
      '    ctx.run("hello", "echo hello")',
      '',
    ].join('\n');
    let controller = await testController(base, owner);
    const { repo, sha } = await pushRepo(base, g, owner, token, 'dispatch', {
      '.plue/workflows/ci.py': workflow,
    });
    await poll(async () => {
      const w = await repo.get<{ total_count: number }>('/actions/workflows');
      return w.total_count > 0 ? w : undefined;
    }, 60_000);
    await controller.stop();
    const context = await contextOf(browser, owner);
    const page = await context.newPage();
    // The runs list follows the repository's live feed (runs-list-script.ts).
    const feeds: string[] = [];
    page.on('request', (r) => {
      if (r.url().endsWith('/actions/live')) feeds.push(r.url());
    });
    try {
      await page.goto(`${base}/${owner.user.login}/dispatch/actions/workflows`);
      await page.getByRole('button', { name: 'Run workflow' }).click();
      await page.waitForURL(/\/actions\?workflow=ci&requested=\d+$/);
      // No runner has it yet: the page says so, not "No runs yet".
      expect(await text(page, '#run-request')).toContain('Requested a run of ci on main');
      expect(await text(page, '#runs-live')).not.toContain('No runs yet');
      mkdirSync('test/artifacts', { recursive: true });
      await page.screenshot({ path: 'test/artifacts/runs-list-requested.png' });
      controller = await testController(base, owner);
      const link = page.locator('#run-request a');
      await link.waitFor({ timeout: 60_000 });
      expect(await link.textContent()).toBe('ci #1');
      expect(feeds[0]).toBe(`${base}/api/v1/repos/${owner.user.login}/dispatch/actions/live`);
      await page.locator('tr[data-run]').first().waitFor();
      await link.click();
      await page.waitForFunction(
        () => document.getElementById('run-status')?.textContent?.includes('success'),
        undefined,
        { timeout: 60_000 },
      );
      expect(await page.locator('#run-commit').getAttribute('href')).toBe(
        `/${owner.user.login}/dispatch/commit/${sha}`,
      );
      expect(await text(page, '#run-commit-subject')).toBe(' “add .plue/workflows/ci.py”');
    } finally {
      await controller.stop();
      await context.close();
    }
  });
});
