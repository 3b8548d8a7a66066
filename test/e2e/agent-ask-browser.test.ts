/**
 * The "Ask @plue" prompt box, in Chromium with JavaScript off: shown on issue and landing pages
 * of a repository whose workflow answers `@plue`, to people who may comment; absent elsewhere.
 * Asking posts a comment starting with `@plue` through the page's same-origin form, which starts
 * the agent run; its reply appears in the thread (real Worker, a runner controller in this
 * process, the loopback Messages API server).
 */
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { SignUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';
import { remoteUrl } from '../helpers/git';
import {
  agentSuite,
  mentionPrompt,
  mentionWorkflow,
  repoApi,
  waitForCommentRun,
  type CommentJson,
  waitForWorkflows,
} from './agent-client';
import { pushRepo } from './workflows-client';

const base = inject('baseUrl');

describe('the Ask @plue box', () => {
  const suite = agentSuite(base);
  const { g } = suite;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function signedIn(who: SignUp | undefined): Promise<BrowserContext> {
    const context = await browser.newContext({ javaScriptEnabled: false });
    if (who) {
      const eq = who.cookie.indexOf('=');
      await context.addCookies([
        { name: who.cookie.slice(0, eq), value: who.cookie.slice(eq + 1), url: base },
      ]);
    }
    return context;
  }

  it('asks from an issue page; the agent answers in the thread', async () => {
    const { repo, dir } = await pushRepo(base, g, suite.alice, suite.token, 'ask-box', {
      '.plue/prompts/answer.prompt.md': mentionPrompt('comment'),
      '.plue/workflows/mention.py': mentionWorkflow('answer'),
    });
    await waitForWorkflows(repo);
    const issue = await repoApi<{ number: number }>(repo, 'POST', '/issues', {
      title: 'A question',
      body: 'Asked from the box.',
    });
    suite.stack.script.push(
      { blocks: [{ tool: 'comment', input: { body: 'Answered from **the box**.' } }] },
      { blocks: [{ text: 'Done.' }] },
    );
    const context = await signedIn(suite.alice);
    try {
      const page = await context.newPage();
      const url = `${base}/${suite.alice.user.login}/ask-box/issues/${issue.json.number}`;
      await page.goto(url);
      await page.fill('#ask-plue', 'what does this repository hold?');
      await page.click('form.ask-plue button[type="submit"]');
      await page.waitForURL(/#issuecomment-\d+$/);
      const run = await waitForCommentRun(repo);
      await repo.waitForRun(run.id);
      const comments = await repoApi<CommentJson[]>(
        repo,
        'GET',
        `/issues/${issue.json.number}/comments`,
      );
      expect(comments.json[0]?.body).toBe('@plue what does this repository hold?');
      // The provider saw the asked text as the request.
      expect(JSON.stringify(suite.stack.fake.requests.at(-2)?.body.messages[0])).toContain(
        '<request>@plue what does this repository hold?</request>',
      );
      await page.goto(url);
      const reply = page.locator('.entry', { hasText: 'Answered from' });
      expect(await reply.locator('strong').first().textContent()).toBe('the box');
      expect(await reply.textContent()).toContain('plue-agent');
      await page.screenshot({ path: 'test/artifacts/ask-plue-issue.png', fullPage: true });

      // A landing request's page has the box too.
      await g.ok(dir, ['checkout', '-q', '-b', 'topic']);
      await g.commitFile(dir, 'notes.md', 'notes\n', 'Add notes');
      await g.ok(dir, [
        'push',
        '-q',
        remoteUrl(base, suite.alice.user.login, 'ask-box', suite.token),
        'topic',
      ]);
      const landing = await repoApi<{ number: number }>(repo, 'POST', '/landings', {
        head: 'topic',
        base: 'main',
      });
      expect(landing.status).toBe(201);
      await page.goto(`${base}/${suite.alice.user.login}/ask-box/landings/${landing.json.number}`);
      expect(await page.locator('form.ask-plue textarea[name="ask"]').count()).toBe(1);
    } finally {
      await context.close();
    }
  });

  it('is absent without a workflow answering @plue, and for people who may not comment', async () => {
    const { repo } = await pushRepo(base, g, suite.alice, suite.token, 'ask-none', {
      'README.md': 'hi\n',
    });
    const issue = await repoApi<{ number: number }>(repo, 'POST', '/issues', { title: 'x' });
    const mine = await signedIn(suite.alice);
    const stranger = await signedIn(undefined);
    try {
      const page = await mine.newPage();
      await page.goto(`${base}/${suite.alice.user.login}/ask-none/issues/${issue.json.number}`);
      expect(await page.locator('#comment-body').count()).toBe(1);
      expect(await page.locator('form.ask-plue').count()).toBe(0);
      const anon = await stranger.newPage();
      await anon.goto(`${base}/${suite.alice.user.login}/ask-box/issues/1`);
      expect(await anon.locator('form.ask-plue').count()).toBe(0);
    } finally {
      await mine.close();
      await stranger.close();
    }
  });
});
