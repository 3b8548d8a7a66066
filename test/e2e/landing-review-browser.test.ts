/**
 * The review loop on a landing's pages in Chromium with JavaScript off, two users and real
 * pushes: the author pushes revision 1 of a change and asks the reviewer for a review from the
 * sidebar; the reviewer comments on two lines from the Files view's "+" links; main moves and
 * the author amends the change (same change id) on top of it, making revision 2; the first
 * comment shows ported to its moved line, the second outdated; "compare with previous" shows
 * the interdiff 1 → 2 with only the amended lines (main's own change left out), as the API's
 * interdiff does; a reply, resolve and unresolve from the page; split diffs on the landing and
 * on a commit page. Screenshots go to test/artifacts/.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { forgeClient, uniq, type Json } from './forge-client';
import { jjCommit, pushForReview, startChange } from './landing-fixture';

const base = inject('baseUrl');
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const { json } = forgeClient(base);

const lines = (n: number, f: (i: number) => string) =>
  Array.from({ length: n }, (_, i) => f(i + 1)).join('\n') + '\n';

async function contextFor(browser: Browser, u: SignUp): Promise<BrowserContext> {
  const context = await browser.newContext({
    javaScriptEnabled: false,
    viewport: { width: 1200, height: 900 },
  });
  const eq = u.cookie.indexOf('=');
  await context.addCookies([
    { name: u.cookie.slice(0, eq), value: u.cookie.slice(eq + 1), url: base },
  ]);
  return context;
}

/** The new-side line number of the diff row just above a thread's row. */
async function lineAbove(page: Page, commentId: string): Promise<string> {
  return page.evaluate((id) => {
    let row = document.getElementById(`comment-${id}`)?.closest('tr')?.previousElementSibling;
    while (row && row.classList.contains('review-thread')) row = row.previousElementSibling;
    const cells = row?.querySelectorAll('td.ln');
    return (cells?.[cells.length - 1]?.textContent ?? '').replace(/[^0-9]/g, '');
  }, commentId);
}

describe('landing review loop in the browser', () => {
  let browser: Browser;
  let author: SignUp;
  let reviewer: SignUp;
  let full = '';
  let dir = '';
  let remote = '';
  const g = new GitSandbox();

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await launchChromium();
    [author, reviewer] = await Promise.all([signUp(base), signUp(base)]);
    const name = uniq('review');
    await author.createRepo(name);
    full = `${author.user.login}/${name}`;
    await json(
      author,
      'PUT',
      `/repos/${full}/collaborators/${reviewer.user.login}`,
      { permission: 'write' },
      204,
    );
    dir = await g.makeRepo(uniq('w'), 1);
    remote = remoteUrl(base, author.user.login, name, await author.token());
    await g.ok(dir, ['push', '-q', remote, 'main']);
  }, 90_000);
  afterAll(async () => {
    await browser?.close();
    g.cleanup();
  });

  it('comments, ports, interdiffs, resolves and splits', async () => {
    const repoUrl = `${base}/${full}`;
    const { change } = await startChange(g, dir, 'work', {
      file: 'code.txt',
      content: lines(10, (i) => `line ${i}`),
      message: 'Add code',
    });
    const { n } = await pushForReview(g, dir, remote);
    const L = `${repoUrl}/landings/${n}`;

    // The author asks the reviewer for a review from the sidebar.
    const actx = await contextFor(browser, author);
    const ap = await actx.newPage();
    ap.setDefaultTimeout(20_000);
    await ap.goto(L);
    await ap.fill('#request-reviewers', `@${reviewer.user.login}`);
    await ap.click('button:has-text("Request review")');
    await ap.waitForURL(new RegExp(`/landings/${n}$`));
    expect(await ap.textContent('aside.requested-reviewers')).toContain(reviewer.user.login);

    // The reviewer comments on line 5 and on line 8 of revision 1 from the Files view.
    const rctx = await contextFor(browser, reviewer);
    const rp = await rctx.newPage();
    rp.setDefaultTimeout(20_000);
    await rp.goto(`${L}?tab=files`);
    expect(await rp.textContent('aside.requested-reviewers')).toContain(reviewer.user.login);
    await rp.click('a[aria-label="Comment on code.txt line 5"]');
    await rp.waitForURL(/line=5/);
    await rp.fill('#line-comment-body', 'Why five?');
    await rp.click('button:has-text("Add review comment")');
    await rp.waitForURL(/#comment-\d+$/);
    const kept = /#comment-(\d+)$/.exec(rp.url())?.[1] ?? '';
    expect(await rp.textContent(`#comment-${kept}`)).toContain('Why five?');
    expect(await lineAbove(rp, kept)).toBe('5');
    await rp.click('a[aria-label="Comment on code.txt line 8"]');
    await rp.fill('#line-comment-body', 'Name it:\n```suggestion\nline eight\n```');
    await rp.click('button:has-text("Add review comment")');
    await rp.waitForURL(/#comment-\d+$/);
    const changed = /#comment-(\d+)$/.exec(rp.url())?.[1] ?? '';
    expect(changed).not.toBe(kept);
    expect(await rp.locator('table[aria-label="Suggested change"]').count()).toBe(1);
    await rp.screenshot({ path: join(ARTIFACTS, 'landing-review-comments.png'), fullPage: true });

    // main moves on (another file), and the author amends the change on top of it: revision 2
    // adds two lines on top (line 5 moves to 7) and rewrites line 8.
    await g.ok(dir, ['checkout', '-q', 'main']);
    await g.commitFile(dir, 'other.txt', 'main moved\n', 'Move main');
    await g.ok(dir, ['push', '-q', remote, 'main']);
    await g.ok(dir, ['checkout', '-q', '-B', 'work', 'main']);
    await jjCommit(g, dir, {
      file: 'code.txt',
      content: 'head 1\nhead 2\n' + lines(10, (i) => (i === 8 ? 'line EIGHT' : `line ${i}`)),
      message: 'Add code',
      changeId: change,
    });
    const again = await g.git(dir, ['push', '-f', remote, 'HEAD:refs/for/main']);
    expect(again.stderr).toContain(`Landing !${n} revision 2`);

    // Revision 2's Files view: the first comment on its moved line, the second outdated.
    await rp.goto(`${L}?tab=files`);
    expect(await lineAbove(rp, kept)).toBe('7');
    expect(await rp.textContent(`#thread-${changed}`)).toContain('outdated');
    expect(await rp.textContent(`#thread-${kept}`)).not.toContain('outdated');
    // main's own change is not part of the landing's files.
    expect(await rp.textContent('section[aria-label="Changes"]')).not.toContain('other.txt');

    // "compare with previous": the interdiff 1 → 2 holds only the amended lines.
    await rp.click('table.revisions >> text=compare with previous');
    await rp.waitForURL(/from=1&to=2/);
    const summary = await rp.textContent('.interdiff-summary');
    expect(summary).toContain('revision 1 → revision 2');
    expect(summary).toContain('rebased');
    const changes = (await rp.textContent('section[aria-label="Changes"]')) ?? '';
    expect(changes).toContain('code.txt');
    expect(changes).not.toContain('other.txt');
    const code = (op: string) =>
      rp
        .locator(`table.diff:not(.suggestion) > tbody > tr.${op} > td:last-child`)
        .allTextContents();
    expect(await code('a')).toEqual(['+head 1', '+head 2', '+line EIGHT']);
    expect(await code('d')).toEqual(['−line 8']);
    await rp.screenshot({ path: join(ARTIFACTS, 'landing-interdiff.png'), fullPage: true });
    // The picker names the same view.
    expect(await rp.inputValue('select[name="from"]')).toBe('1');
    expect(await rp.inputValue('select[name="to"]')).toBe('2');
    // The API's interdiff agrees.
    const api = await json(reviewer, 'GET', `/repos/${full}/landings/${n}/interdiff?from=1&to=2`);
    expect(api).toMatchObject({ from: { number: 1 }, to: { number: 2 }, rebased: true });
    expect((api.files as Json[]).map((f) => f.filename)).toEqual(['code.txt']);
    expect(String((api.files as Json[])[0]?.patch)).toContain('+line EIGHT');

    // Split view, kept by the page's links.
    await rp.click('.diff-mode >> text=Split');
    await rp.waitForURL(/diff=split/);
    expect(await rp.locator('table.diff.split').count()).toBeGreaterThan(0);
    expect(await rp.textContent('table.diff.split')).toContain('line EIGHT');
    expect(
      await rp.getAttribute('nav[aria-label="Landing request"] >> text=Commits (1)', 'href'),
    ).toContain('diff=split');
    await rp.screenshot({ path: join(ARTIFACTS, 'landing-split.png'), fullPage: true });

    // A thread on revision 2: the reviewer comments, the author replies and resolves it.
    await rp.goto(`${L}?tab=files&diff=split`);
    await rp.click('a[aria-label="Comment on code.txt line 1"]');
    await rp.fill('#line-comment-body', 'Why a header?');
    await rp.click('button:has-text("Add review comment")');
    await rp.waitForURL(/diff=split.*#comment-\d+$/);
    const third = /#comment-(\d+)$/.exec(rp.url())?.[1] ?? '';
    await ap.goto(`${L}?tab=files`);
    await ap.click(`#thread-${third} summary:has-text("Reply")`);
    await ap.fill(`#reply-${third}`, 'It documents the file.');
    await ap.click(`#thread-${third} button:has-text("Reply")`);
    await ap.waitForURL(/#comment-\d+$/);
    expect(await ap.textContent(`#thread-${third}`)).toContain('It documents the file.');
    await ap.click(`#thread-${third} button:has-text("Resolve conversation")`);
    await ap.waitForURL(/#comment-\d+$/);
    expect(await ap.textContent(`#thread-${third}`)).toContain('resolved');
    await ap.click(`#thread-${third} button:has-text("Unresolve conversation")`);
    await ap.waitForURL(/#comment-\d+$/);
    expect(await ap.textContent(`#thread-${third} .meta`)).not.toContain('resolved');
    await ap.screenshot({ path: join(ARTIFACTS, 'landing-review-thread.png'), fullPage: true });

    // The author applies a suggestion made on revision 2: revision 3 of the same change.
    await rp.goto(`${L}?tab=files`);
    await rp.click('a[aria-label="Comment on code.txt line 12"]');
    await rp.fill('#line-comment-body', '```suggestion\nline ten\n```');
    await rp.click('button:has-text("Add review comment")');
    await rp.waitForURL(/#comment-\d+$/);
    const fourth = /#comment-(\d+)$/.exec(rp.url())?.[1] ?? '';
    // Only writers see the button; the reviewer is one, so it shows for them too.
    await ap.goto(`${L}?tab=files`);
    await ap.click(`#thread-${fourth} button:has-text("Apply suggestion")`);
    await ap.waitForURL(/\?tab=files$/);
    expect(await ap.textContent('table.revisions')).toContain('#3');
    expect(await ap.textContent('section[aria-label="Changes"]')).toContain('line ten');
    const revs = await json(author, 'GET', `/repos/${full}/landings/${n}/revisions`);
    expect(revs.map((r: Json) => r.change_id)).toEqual([change, change, change]);
    await ap.screenshot({
      path: join(ARTIFACTS, 'landing-suggestion-applied.png'),
      fullPage: true,
    });

    // A commit page in split view.
    const head = (await g.ok(dir, ['rev-parse', 'HEAD'])).trim();
    await rp.goto(`${repoUrl}/commit/${head}?diff=split`);
    expect(await rp.locator('table.diff.split').count()).toBe(1);
    expect(await rp.getAttribute('.diff-mode >> text=Unified', 'href')).not.toContain('diff=');
    await rp.screenshot({ path: join(ARTIFACTS, 'commit-split.png'), fullPage: true });
    await actx.close();
    await rctx.close();
  });
});
