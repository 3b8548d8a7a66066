// The agent's sandboxed side with the real local sandbox: the file tools (exact-match edits,
// paths kept inside the workspace, symbolic links resolved first, binary files refused) and
// template rendering, where a template that reaches for JavaScript's constructors finds only the
// step's own process: the controller's environment (and its provider key) is not there.
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalBackend } from '../sandbox/local';
import { fileTool, renderTemplate, type SandboxSite } from './sandbox-calls';

const backend = new LocalBackend({ killGraceMs: 200 });
const workspace = mkdtempSync(join(tmpdir(), 'plue-kit-'));
afterAll(() => {
  backend.close();
  rmSync(workspace, { recursive: true, force: true });
});
const site: SandboxSite = {
  backend,
  workspace,
  env: { STEP_VAR: 'step-value' },
  network: false,
  signal: new AbortController().signal,
};

describe('agent file tools in the sandbox', () => {
  it('writes, reads, lists and greps', async () => {
    expect(
      await fileTool(site, 'write_file', { path: 'src/a.txt', content: 'one\ntwo\nthree\n' }),
    ).toEqual({
      ok: true,
      text: 'wrote 14 bytes to src/a.txt',
    });
    expect(readFileSync(join(workspace, 'src/a.txt'), 'utf8')).toBe('one\ntwo\nthree\n');
    expect(await fileTool(site, 'read_file', { path: 'src/a.txt' })).toEqual({
      ok: true,
      text: 'one\ntwo\nthree\n',
    });
    expect(await fileTool(site, 'list', { path: '.' })).toMatchObject({
      ok: true,
      text: expect.stringContaining('src/'),
    });
    expect((await fileTool(site, 'list', { path: '.', recursive: true })).text).toContain(
      'src/a.txt',
    );
    expect(await fileTool(site, 'grep', { pattern: 't[wh]', path: 'src' })).toEqual({
      ok: true,
      text: 'src/a.txt:2: two\nsrc/a.txt:3: three',
    });
    expect((await fileTool(site, 'grep', { pattern: '(' })).text).toContain('invalid pattern');
  });

  it('edits exactly one match, and refuses none or several', async () => {
    // Written by the step's user, as a step's files are.
    expect((await fileTool(site, 'write_file', { path: 'e.txt', content: 'aXa\n' })).ok).toBe(true);
    expect(
      await fileTool(site, 'edit_file', { path: 'e.txt', old_string: 'X', new_string: 'Y' }),
    ).toEqual({
      ok: true,
      text: 'edited e.txt',
    });
    const none = await fileTool(site, 'edit_file', {
      path: 'e.txt',
      old_string: 'Z',
      new_string: 'Y',
    });
    expect(none).toMatchObject({
      ok: false,
      text: expect.stringContaining('old_string not found'),
    });
    const two = await fileTool(site, 'edit_file', {
      path: 'e.txt',
      old_string: 'a',
      new_string: 'b',
    });
    expect(two).toMatchObject({ ok: false, text: expect.stringContaining('occurs 2 times') });
    expect(readFileSync(join(workspace, 'e.txt'), 'utf8')).toBe('aYa\n');
  });

  it('keeps paths inside the workspace, symbolic links included', async () => {
    symlinkSync('/etc', join(workspace, 'etc-link'));
    for (const path of ['../../etc/passwd', '/etc/passwd', 'etc-link/hostname']) {
      expect(await fileTool(site, 'read_file', { path })).toEqual({
        ok: false,
        text: `${path}: outside the workspace`,
      });
    }
    expect((await fileTool(site, 'write_file', { path: '../x', content: '' })).ok).toBe(false);
    writeFileSync(join(workspace, 'bin.dat'), Buffer.from([1, 0, 2]));
    expect(await fileTool(site, 'read_file', { path: 'bin.dat' })).toEqual({
      ok: false,
      text: 'bin.dat: binary file',
    });
    expect(await fileTool(site, 'read_file', { path: 'missing' })).toEqual({
      ok: false,
      text: 'missing: no such file or directory',
    });
  });
});

describe('prompt templates in the sandbox', () => {
  it('renders nunjucks and reports errors with their line', async () => {
    expect(
      await renderTemplate(site, '{% for x in xs %}{{ x }},{% endfor %}{% if f %}!{% endif %}', {
        xs: [1, 2],
        f: true,
      }),
    ).toEqual({
      text: '1,2,!',
    });
    const err = await renderTemplate(site, 'a\nb\n{% if %}', {});
    expect(err).toMatchObject({ line: 3 });
  });

  it("gives a template that escapes to JavaScript only the step's process", async () => {
    process.env.PLUE_TEST_CONTROLLER_SECRET = 'controller-only-value';
    try {
      const r = await renderTemplate(
        site,
        '{{ range.constructor("return JSON.stringify(process.env)")() }}',
        {},
      );
      expect('text' in r).toBe(true);
      const env = JSON.parse((r as { text: string }).text) as Record<string, string>;
      expect(env.STEP_VAR).toBe('step-value');
      expect(env.PLUE_TEST_CONTROLLER_SECRET).toBeUndefined();
      expect(JSON.stringify(env)).not.toContain('controller-only-value');
    } finally {
      delete process.env.PLUE_TEST_CONTROLLER_SECRET;
    }
  });
});
