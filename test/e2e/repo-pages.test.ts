/**
 * Repository pages as a reader sees them without a browser: the commit page has no empty message
 * box for a one-line message, annotated tags show their message, branches their distance from
 * the default branch, /compare has ref pickers, and the commit-states endpoint behind commit-list icons is authorised and
 * bounded like every read.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');

describe('repository pages', () => {
  const g = new GitSandbox();
  let alice: SignUp;
  let stranger: SignUp;
  let head = '';
  let R = '';

  beforeAll(async () => {
    alice = await signUp(base);
    stranger = await signUp(base);
    await alice.createRepo('pages', { private: true });
    const src = await g.makeRepo('pages', 3);
    await g.ok(src, ['tag', '-a', 'v1', '-m', 'First release\n\nWith notes.']);
    await g.ok(src, ['checkout', '-q', '-b', 'side', 'HEAD~1']);
    await g.commitFile(src, 'side.txt', 'side\n', 'side 1');
    await g.commitFile(src, 'side2.txt', 'side\n', 'side 2');
    await g.ok(src, ['checkout', '-q', 'main']);
    const url = remoteUrl(base, alice.user.login, 'pages', await alice.token());
    await g.ok(src, ['push', url, 'main', 'side', 'v1']);
    head = (await g.ok(src, ['rev-parse', 'main'])).trim();
    R = `${base}/${alice.user.login}/pages`;
  });
  afterAll(() => g.cleanup());

  const page = async (path: string, who: SignUp = alice) => {
    const res = await fetch(`${R}${path}`, { headers: who.headers });
    expect(res.status, path).toBe(200);
    return res.text();
  };

  it('shows no message box for a commit without a body', async () => {
    const html = await page(`/commit/${head}`);
    expect(html).toContain('commit 3');
    expect(html).not.toContain('<pre class="message">');
  });

  it('shows annotated tag messages and branch divergence', async () => {
    const tags = await page('/tags');
    expect(tags).toContain('First release');
    expect(tags).toContain('With notes.');
    const branches = await page('/branches');
    expect(branches).toContain('1 behind · 2 ahead');
    expect(await page('')).toContain('2 branches');
  });

  it('offers ref pickers on /compare that work without JavaScript', async () => {
    const start = await page('/compare');
    expect(start).toContain('name="base" value="main"');
    expect(start).toContain('name="head" value="side"');
    const go = await fetch(`${R}/compare?base=main&head=side`, {
      headers: alice.headers,
      redirect: 'manual',
    });
    expect(go.status).toBe(302);
    expect(go.headers.get('location')).toBe(`/${alice.user.login}/pages/compare/main...side`);
    const view = await page('/compare/main...side');
    expect(view).toContain('<option value="v1">');
    expect(view).toContain('name="head" value="side"');
    expect(view).toContain('side 2');
  });

  it('answers commit states for readers only, with bounds', async () => {
    const q = `/commit-states?sha=${head}&sha=${'0'.repeat(40)}`;
    const res = await fetch(`${R}${q}`, { headers: alice.headers });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    expect(await res.json()).toEqual({ states: {} });
    expect((await fetch(`${R}${q}`, { headers: stranger.headers })).status).toBe(404);
    expect((await fetch(`${R}${q}`)).status).toBe(404);
    expect((await fetch(`${R}/commit-states?sha=abc`, { headers: alice.headers })).status).toBe(
      400,
    );
    const many = Array.from({ length: 101 }, () => `sha=${head}`).join('&');
    expect((await fetch(`${R}/commit-states?${many}`, { headers: alice.headers })).status).toBe(
      400,
    );
  });
});
