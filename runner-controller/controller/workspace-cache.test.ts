import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { WorkspaceCache } from './workspace-cache';
import type { Workspace } from './workspace';

const root = mkdtempSync(join(tmpdir(), 'plue-wscache-test-'));
const SHA = 'a'.repeat(40);

/** A checkout-like directory: a file, an executable, a relative symlink and a .git. */
function workspace(name: string, commit = SHA): Workspace {
  const dir = join(root, name);
  mkdirSync(join(dir, '.git'), { recursive: true });
  writeFileSync(join(dir, '.git', 'HEAD'), `${commit}\n`);
  writeFileSync(join(dir, 'README.md'), `hello from ${name}\n`);
  writeFileSync(join(dir, 'run.sh'), '#!/bin/sh\necho hi\n', { mode: 0o755 });
  symlinkSync('README.md', join(dir, 'link'));
  return { dir, commit, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('WorkspaceCache', () => {
  const caches: WorkspaceCache[] = [];
  const cache = (ttlMs?: number, max?: number) => {
    const c = new WorkspaceCache(ttlMs, max);
    caches.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of caches.splice(0)) c.clear();
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('copies a kept checkout of the same repository and commit, with modes and links', async () => {
    const c = cache();
    const ws = workspace('one');
    c.keep('alice/app', ws);
    const copy = await c.copy('alice/app', SHA, root);
    if (!copy) throw new Error('no copy');
    try {
      expect(copy.dir).not.toBe(ws.dir);
      expect(copy.commit).toBe(SHA);
      expect(readFileSync(join(copy.dir, 'README.md'), 'utf8')).toBe('hello from one\n');
      expect(statSync(join(copy.dir, 'run.sh')).mode & 0o777).toBe(0o755);
      expect(readlinkSync(join(copy.dir, 'link'))).toBe('README.md');
      expect(statSync(copy.dir).mode & 0o777).toBe(0o755);
      // The copy is the run's own: writing to it leaves the kept checkout as it was.
      writeFileSync(join(copy.dir, 'README.md'), 'changed\n');
      expect(readFileSync(join(ws.dir, 'README.md'), 'utf8')).toBe('hello from one\n');
    } finally {
      copy.remove();
    }
  });

  it('has nothing for another repository or commit', async () => {
    const c = cache();
    c.keep('alice/app', workspace('two'));
    expect(await c.copy('alice/other', SHA, root)).toBeUndefined();
    expect(await c.copy('alice/app', 'b'.repeat(40), root)).toBeUndefined();
  });

  it('removes kept checkouts when they expire, when pushed out, and on clear', async () => {
    const short = cache(50);
    const expiring = workspace('three');
    short.keep('alice/app', expiring);
    await vi.waitFor(() => expect(existsSync(expiring.dir)).toBe(false), { timeout: 5000 });
    expect(await short.copy('alice/app', SHA, root)).toBeUndefined();

    const small = cache(60_000, 2);
    const a = workspace('a', '1'.repeat(40));
    const b = workspace('b', '2'.repeat(40));
    const d = workspace('d', '3'.repeat(40));
    small.keep('alice/app', a);
    small.keep('alice/app', b);
    small.keep('alice/app', d);
    expect(existsSync(a.dir)).toBe(false);
    expect(existsSync(b.dir) && existsSync(d.dir)).toBe(true);
    small.clear();
    expect(existsSync(b.dir) || existsSync(d.dir)).toBe(false);
  });

  it('waits for a checkout still being fetched, and has nothing when that fetch failed', async () => {
    const c = cache();
    let arrive: (ws: Workspace | undefined) => void = () => undefined;
    c.keepPending('alice/app', SHA, new Promise((r) => (arrive = r)));
    const asked = c.copy('alice/app', SHA, root);
    const late = workspace('late');
    arrive(late);
    const copy = await asked;
    expect(copy && readFileSync(join(copy.dir, 'README.md'), 'utf8')).toBe('hello from late\n');
    copy?.remove();

    c.keepPending('alice/app', '4'.repeat(40), Promise.reject(new Error('fetch failed')));
    expect(await c.copy('alice/app', '4'.repeat(40), root)).toBeUndefined();
  });

  it('hands the directory itself to the last expected run, copies to the others', async () => {
    const c = cache();
    const ws = workspace('taken');
    c.keep('alice/app', ws);
    c.expect('alice/app', SHA, 2);
    const first = await c.copy('alice/app', SHA, root);
    expect(first?.dir).not.toBe(ws.dir);
    const last = await c.copy('alice/app', SHA, root);
    expect(last?.dir).toBe(ws.dir);
    // It left the cache: clearing does not remove the run's workspace, and no one else gets it.
    c.clear();
    expect(existsSync(ws.dir)).toBe(true);
    expect(await c.copy('alice/app', SHA, root)).toBeUndefined();
    first?.remove();
    last?.remove();

    // No run expected: the checkout goes at once, also while it is still being fetched.
    let arrive: (w: Workspace | undefined) => void = () => undefined;
    c.keepPending('alice/app', '5'.repeat(40), new Promise((r) => (arrive = r)));
    c.expect('alice/app', '5'.repeat(40), 0);
    const unused = workspace('unused', '5'.repeat(40));
    arrive(unused);
    await vi.waitFor(() => expect(existsSync(unused.dir)).toBe(false));
  });
});
