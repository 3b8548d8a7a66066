/**
 * Opening a landing from a jj change id, as a newcomer would: through the API by `change_id` or
 * `head` given a unique prefix of the id (jj prints short ids), from a change only a landing's
 * revision ref still carries, with clear 400s for an unknown or an ambiguous prefix; through the
 * new-landing form (a plain POST); and in Chromium from the change's page, then reading the
 * Files tab's directory tree. And a stack of three pushed to refs/for/main: every landing's page
 * lists the whole stack in order with each one's state (the bottom shown as landed once it
 * landed), and the middle landing's Files and Commits tabs (and API) show its own change only.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { launchChromium } from '../helpers/browser';
import { GitSandbox, remoteUrl } from '../helpers/git';
import { forgeClient, uniq, type Json } from './forge-client';
import { jjCommit, newChangeId } from './landing-fixture';

const base = inject('baseUrl');
const { call, json, page, post } = forgeClient(base);
const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');

/** The `{error: {code, message}}` of a refused API call. */
async function refusal(res: Response): Promise<{ code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return body.error;
}

/** The text between the first `open` match and the next `close` in `html`. */
function section(html: string, open: RegExp, close: string): string {
  const m = open.exec(html);
  if (!m) return '';
  const from = m.index + m[0].length;
  return html.slice(from, html.indexOf(close, from));
}

describe('opening a landing from a change id', () => {
  let owner: SignUp;
  let full = '';
  let api = '';
  let dir = '';
  let remote = '';
  let browser: Browser | undefined;
  const g = new GitSandbox();
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    owner = await signUp(base);
    const name = uniq('bychange');
    await owner.createRepo(name);
    full = `${owner.user.login}/${name}`;
    api = `/repos/${full}`;
    dir = await g.makeRepo(uniq('w'), 1);
    remote = remoteUrl(base, owner.user.login, name, await owner.token());
    await g.ok(dir, ['push', '-q', remote, 'main']);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    g.cleanup();
  });

  it('takes a unique prefix as change_id or head, and names unknown and ambiguous ones', async () => {
    // Two changes sharing their first 12 letters, and a third, on one branch.
    const shared = 'kkkkllllmmmm';
    const one = shared + newChangeId().slice(12);
    const two = shared + newChangeId().slice(12);
    const three = newChangeId();
    await g.ok(dir, ['checkout', '-q', '-b', 'work', 'main']);
    await jjCommit(g, dir, { file: 'one.txt', content: '1\n', message: 'One', changeId: one });
    await jjCommit(g, dir, { file: 'two.txt', content: '2\n', message: 'Two', changeId: two });
    await jjCommit(g, dir, { file: '3.txt', content: '3\n', message: 'Three', changeId: three });
    await g.ok(dir, ['push', '-q', remote, 'work']);

    const ambiguous = await call(owner, 'POST', `${api}/landings`, {
      base: 'main',
      change_id: shared,
    });
    expect(ambiguous.status).toBe(400);
    const why = await refusal(ambiguous);
    expect(why.code).toBe('change_id_ambiguous');
    expect(why.message).toContain(one);
    expect(why.message).toContain(two);
    const unknown = await call(owner, 'POST', `${api}/landings`, {
      base: 'main',
      change_id: 'zzzzyyyy',
    });
    expect(unknown.status).toBe(400);
    const none = await refusal(unknown);
    expect(none.code).toBe('change_id_invalid');
    expect(none.message).toContain('no branch or landing revision carries a change starting with');
    const malformed = await call(owner, 'POST', `${api}/landings`, {
      base: 'main',
      change_id: 'abc',
    });
    expect(malformed.status).toBe(400);

    // A unique prefix as change_id: the landing tracks the whole id.
    const byPrefix = await json(
      owner,
      'POST',
      `${api}/landings`,
      { base: 'main', change_id: one.slice(0, 14) },
      201,
    );
    expect(byPrefix).toMatchObject({ title: 'One', change_id: one, head: { ref: null } });
    // …and as head (no branch has that name), GitHub's field.
    const byHead = await json(
      owner,
      'POST',
      `${api}/landings`,
      { base: 'main', head: three.slice(0, 8) },
      201,
    );
    expect(byHead).toMatchObject({ title: 'Three', change_id: three, head: { ref: null } });
    const revs = await json(owner, 'GET', `${api}/landings/${Number(byHead.number)}/revisions`);
    expect(revs[0]).toMatchObject({ change_id: three, parent_change_id: two });
    const noBranch = await call(owner, 'POST', `${api}/landings`, {
      base: 'main',
      head: 'no-such',
    });
    expect((await refusal(noBranch)).message).toContain('there is no branch no-such');
    const typo = await call(owner, 'POST', `${api}/landings`, { base: 'main', head: 'story' });
    expect((await refusal(typo)).message).toContain(
      'there is no branch story, and no branch or landing revision carries a change starting with story',
    );

    // The new-landing form (a browser without JavaScript): a prefix works, an ambiguous one is
    // shown on the form again with the reason.
    const formBad = await post(owner, `/${full}/landings/new`, {
      base: 'main',
      head: shared,
      title: 'Ambiguous',
    });
    expect(formBad.status).toBe(400);
    expect(await formBad.text()).toContain('is ambiguous');
    const formOk = await post(owner, `/${full}/landings/new`, {
      base: 'main',
      head: two.slice(0, 16),
      title: 'Two by form',
    });
    expect(formOk.status).toBe(303);
    const n = Number(/\/landings\/(\d+)$/.exec(formOk.headers.get('location') ?? '')?.[1]);
    expect(await json(owner, 'GET', `${api}/landings/${n}`)).toMatchObject({
      title: 'Two by form',
      change_id: two,
    });
    const [status, form] = await page(owner, `/${full}/landings/new?base=main&head=${two}`);
    expect(status).toBe(200);
    expect(form).toContain(`href="/${full}/change/${two}"`);
    expect(form).toContain('a jj change id (a unique prefix will do)');
    // Reached without a source, from Compare's start page: the same form, fields empty.
    const [, compare] = await page(owner, `/${full}/compare`);
    expect(compare).toContain(`href="/${full}/landings/new"`);
    const [blankStatus, blank] = await page(owner, `/${full}/landings/new`);
    expect(blankStatus).toBe(200);
    expect(blank).toContain('<h2>New landing request</h2>');
    expect(blank).toMatch(/<input name="head" value="" required/);
  });

  it('finds a change that only a landing revision ref still carries', async () => {
    const lone = newChangeId();
    await g.ok(dir, ['checkout', '-q', '-B', 'lone', 'main']);
    await jjCommit(g, dir, { file: 'lone.txt', content: 'l\n', message: 'Lone', changeId: lone });
    const push = await g.git(dir, ['push', remote, 'HEAD:refs/for/main']);
    expect(push.code, push.stderr).toBe(0);
    const first = Number(/Landing !(\d+)/.exec(push.stderr)?.[1]);
    await json(owner, 'PATCH', `${api}/landings/${first}`, { state: 'closed' });
    const again = await json(
      owner,
      'POST',
      `${api}/landings`,
      { base: 'main', change_id: lone.slice(0, 10), title: 'Lone again' },
      201,
    );
    expect(again).toMatchObject({ change_id: lone, title: 'Lone again' });
    expect(Number(again.number)).not.toBe(first);
  });

  it('opens from the change page in Chromium and shows the Files tab as a tree', async () => {
    const change = newChangeId();
    await g.ok(dir, ['checkout', '-q', '-B', 'tree', 'main']);
    mkdirSync(join(dir, 'src', 'lib', 'deep'), { recursive: true });
    writeFileSync(join(dir, 'src', 'lib', 'deep', 'util.ts'), 'export const u = 1;\n');
    writeFileSync(join(dir, 'src', 'main.ts'), 'import "./lib/deep/util";\nmain();\n');
    await g.ok(dir, ['add', 'src']);
    await jjCommit(g, dir, {
      file: 'README.md',
      content: '# Tree\n',
      message: 'Lay out the tree',
      changeId: change,
    });
    await g.ok(dir, ['push', '-q', remote, 'tree']);

    browser = await launchChromium();
    const ctx = await browser.newContext({
      javaScriptEnabled: false,
      viewport: { width: 1100, height: 900 },
    });
    const eq = owner.cookie.indexOf('=');
    await ctx.addCookies([
      { name: owner.cookie.slice(0, eq), value: owner.cookie.slice(eq + 1), url: base },
    ]);
    const tab = await ctx.newPage();
    tab.setDefaultTimeout(20_000);
    await tab.goto(`${base}/${full}/change/${change}`);
    await tab.click('summary:has-text("Open landing request")');
    expect(await tab.inputValue('.open-landing input[name="base"]')).toBe('main');
    expect(await tab.inputValue('.open-landing input[name="head"]')).toBe(change);
    await tab.fill('#landing-title', 'Tree from a change');
    await tab.click('button:has-text("Open landing request")');
    await tab.waitForURL(/\/landings\/\d+$/);
    const n = Number(/\/landings\/(\d+)$/.exec(tab.url())?.[1]);
    expect(await json(owner, 'GET', `${api}/landings/${n}`)).toMatchObject({
      change_id: change,
      title: 'Tree from a change',
    });

    await tab.goto(`${base}/${full}/landings/${n}?tab=files`);
    const tree = tab.locator('nav.file-tree');
    // src/ holds lib/deep/ (one collapsed entry) and main.ts; README.md sits at the top.
    const dirs = await tree.locator('li.dir > details > summary').allTextContents();
    expect(dirs.map((d) => d.replace(/\s+/g, ' ').trim())).toEqual([
      'src/ +3 −0',
      'lib/deep/ +1 −0',
    ]);
    const files = await tree.locator('li.file a').allTextContents();
    expect(files).toEqual(['util.ts', 'main.ts', 'README.md']);
    const href = await tree.locator('li.file a', { hasText: 'main.ts' }).getAttribute('href');
    expect(href).toMatch(/^#diff-\d+$/);
    expect(await tab.textContent(`${href ?? ''} summary`)).toContain('src/main.ts');
    await tab.screenshot({ path: join(ARTIFACTS, 'landing-file-tree.png'), fullPage: true });
    // A directory folds away without any script.
    await tree.locator('li.dir > details > summary', { hasText: 'src/' }).first().click();
    expect(await tree.locator('li.file a', { hasText: 'main.ts' }).isVisible()).toBe(false);
    await ctx.close();
  });

  it('shows a stack of three in order with states, each with its own changes only', async () => {
    const ids = [newChangeId(), newChangeId(), newChangeId()];
    await g.ok(dir, ['checkout', '-q', '-B', 'stack3', 'main']);
    const shas: string[] = [];
    for (const [i, title] of ['Bottom', 'Middle', 'Top'].entries()) {
      shas.push(
        await jjCommit(g, dir, {
          file: `layer${i}.txt`,
          content: `${title}\n`,
          message: title,
          changeId: ids[i],
        }),
      );
    }
    const push = await g.git(dir, ['push', remote, 'HEAD:refs/for/main']);
    expect(push.code, push.stderr).toBe(0);
    const nums = [...push.stderr.matchAll(/Landing !(\d+) revision 1/g)].map((m) => Number(m[1]));
    expect(nums).toHaveLength(3);
    const [a, b, c] = nums as [number, number, number];
    const stackLine = async (n: number) => {
      const [status, html] = await page(owner, `/${full}/landings/${n}`);
      expect(status).toBe(200);
      return section(html, /<p class="landing-stack"[^>]*>/, '</p>');
    };
    for (const n of nums) {
      const line = await stackLine(n);
      const at = [`!${a} Bottom`, `!${b} Middle`, `!${c} Top`].map((t) => line.indexOf(t));
      expect(
        at.every((x) => x >= 0),
        line,
      ).toBe(true);
      expect([...at].sort((x, y) => x - y)).toEqual(at);
      expect(line).toContain(`!${n} ${['Bottom', 'Middle', 'Top'][nums.indexOf(n)]} (this one)`);
      expect(line.match(/○ open/g)).toHaveLength(3);
    }

    // The middle landing: its own file and commit only, on the page and through the API.
    const L = `${api}/landings/${b}`;
    const files = await json(owner, 'GET', `${L}/files`);
    expect(files.map((f: Json) => f.filename ?? f.path)).toEqual(['layer1.txt']);
    const commits = await json(owner, 'GET', `${L}/commits`);
    expect(commits.map((x: Json) => x.sha)).toEqual([shas[1]]);
    const [, filesHtml] = await page(owner, `/${full}/landings/${b}?tab=files`);
    const tree = section(filesHtml, /<nav class="file-tree"[^>]*>/, '</nav>');
    expect(tree).toContain('layer1.txt');
    expect(tree).not.toContain('layer0.txt');
    expect(tree).not.toContain('layer2.txt');
    const [, commitsHtml] = await page(owner, `/${full}/landings/${b}?tab=commits`);
    const list = section(commitsHtml, /<ol class="commits"[^>]*>/, '</ol>');
    expect(list).toContain(shas[1]);
    expect(list).not.toContain(shas[0]);
    expect(list).not.toContain(shas[2]);

    // Landing the bottom: the others show it as landed, still in order.
    await json(owner, 'PUT', `${api}/landings/${a}/merge`, { merge_method: 'rebase' });
    const middle = await stackLine(b);
    expect(middle).toMatch(new RegExp(`!${a} Bottom</a> <span class="stack-state">⇥ landed`));
    expect(middle.indexOf(`!${a} Bottom`)).toBeLessThan(middle.indexOf(`!${b} Middle`));
    expect(middle.indexOf(`!${b} Middle`)).toBeLessThan(middle.indexOf(`!${c} Top`));
  });
});
