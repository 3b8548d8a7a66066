/**
 * Renames and sizes end to end: a repository pushed with the real git client whose second commit
 * `git mv`s one file and edits it, moves another unchanged, and rewrites a third under a new
 * name. The commit and compare APIs report the renames in GitHub's shape with git's own
 * similarity (`git diff -M`), the commit page shows "old → new" with only the changed lines, and
 * the tree and contents listings carry each blob's size as `git cat-file -s` gives it.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';

const base = inject('baseUrl');

async function json<T>(path: string): Promise<T> {
  const res = await fetch(`${base}${path}`);
  const body = await res.text();
  expect(res.status, `${path}: ${body.slice(0, 300)}`).toBe(200);
  return JSON.parse(body) as T;
}

interface ApiFile {
  filename: string;
  status: string;
  previous_filename?: string;
  similarity?: number;
  additions: number;
  deletions: number;
  patch?: string;
}

const module = (n: number) =>
  Array.from({ length: n }, (_, i) => `export const value${i} = ${i}; // line ${i}\n`).join('');

describe('renames and sizes of a pushed repository', () => {
  const g = new GitSandbox();
  let dir = '';
  let R = '';
  let A = '';
  let first = '';
  let second = '';
  /** git's own similarity for each renamed path, from `git diff -M --raw`. */
  const gitRenames = new Map<string, { from: string; score: number }>();

  beforeAll(async () => {
    const alice = await signUp(base);
    const token = await alice.token(['repo:read', 'repo:write']);
    await alice.createRepo('moves');
    dir = join(g.root, 'moves');
    await g.ok(g.root, ['init', '-q', '-b', 'main', dir]);
    const w = (p: string, data: string) => {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), data);
    };
    w('src/values.ts', module(40));
    w('docs/guide.md', '# Guide\n\nHow to use it.\n');
    w('notes/old.txt', 'alpha\nbeta\ngamma\n');
    w('keep.txt', 'unchanged\n');
    await g.ok(dir, ['add', '-A']);
    await g.ok(dir, ['commit', '-q', '-m', 'Start']);
    first = (await g.ok(dir, ['rev-parse', 'HEAD'])).trim();

    mkdirSync(join(dir, 'lib'));
    await g.ok(dir, ['mv', 'src/values.ts', 'lib/values.ts']);
    w('lib/values.ts', module(40).replace('value20 = 20;', 'value20 = 2000;'));
    await g.ok(dir, ['mv', 'docs/guide.md', 'docs/handbook.md']);
    await g.ok(dir, ['rm', '-q', 'notes/old.txt']);
    w('notes/new.txt', 'something\nentirely\ndifferent\n');
    await g.ok(dir, ['add', '-A']);
    await g.ok(dir, ['commit', '-q', '-m', 'Move things']);
    second = (await g.ok(dir, ['rev-parse', 'HEAD'])).trim();
    const raw = await g.ok(dir, ['diff', '-M', '--raw', first, second]);
    for (const m of raw.matchAll(/ R(\d{3})\t(\S+)\t(\S+)/g)) {
      gitRenames.set(m[3] ?? '', { from: m[2] ?? '', score: Number(m[1]) });
    }
    await g.ok(dir, ['push', '-q', remoteUrl(base, alice.user.login, 'moves', token), 'main']);
    R = `/${alice.user.login}/moves`;
    A = `/api/v1/repos/${alice.user.login}/moves`;
  }, 120_000);
  afterAll(() => g.cleanup());

  it('reports renames in the commit and compare APIs with git similarity', async () => {
    expect([...gitRenames.keys()].sort()).toEqual(['docs/handbook.md', 'lib/values.ts']);
    const commit = await json<{ files: ApiFile[]; stats: { total: number } }>(
      `${A}/commits/${second}`,
    );
    const byName = new Map(commit.files.map((f) => [f.filename, f]));
    expect([...byName.keys()]).toEqual([
      'docs/handbook.md',
      'lib/values.ts',
      'notes/new.txt',
      'notes/old.txt',
    ]);
    const edited = byName.get('lib/values.ts');
    expect(edited).toMatchObject({
      status: 'renamed',
      previous_filename: 'src/values.ts',
      similarity: gitRenames.get('lib/values.ts')?.score,
      additions: 1,
      deletions: 1,
    });
    expect(edited?.similarity).toBeLessThan(100);
    expect(edited?.patch).toContain('-export const value20 = 20; // line 20');
    expect(edited?.patch).toContain('+export const value20 = 2000; // line 20');
    expect(edited?.patch).not.toContain('value0 ');
    const moved = byName.get('docs/handbook.md');
    expect(moved).toMatchObject({
      status: 'renamed',
      previous_filename: 'docs/guide.md',
      similarity: 100,
      additions: 0,
      deletions: 0,
    });
    expect(moved?.patch).toBeUndefined();
    expect(byName.get('notes/new.txt')?.status).toBe('added');
    expect(byName.get('notes/old.txt')?.status).toBe('removed');
    expect(byName.get('notes/new.txt')?.previous_filename).toBeUndefined();
    expect(commit.stats.total).toBe(2 + 3 + 3);

    const cmp = await json<{ files: ApiFile[] }>(`${A}/compare/${first}...${second}`);
    expect(
      cmp.files.map((f) => [f.status, f.previous_filename ?? null, f.filename, f.similarity]),
    ).toEqual(
      commit.files.map((f) => [f.status, f.previous_filename ?? null, f.filename, f.similarity]),
    );
  });

  it('shows old → new with the similarity and only the changed lines on the commit page', async () => {
    const res = await fetch(`${base}${R}/commit/${second}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const score = gitRenames.get('lib/values.ts')?.score;
    expect(html).toContain(
      `<span class="old-name">src/values.ts</span> → lib/values.ts <span class="similarity">(${score}% similar)</span>`,
    );
    expect(html).toContain(
      '<span class="old-name">docs/guide.md</span> → docs/handbook.md <span class="similarity">(100% similar)</span>',
    );
    expect(html).toContain('File renamed without changes.');
    expect(html).toContain('export const value20 = 2000; // line 20');
    // Three lines of context around the edit, nothing of the rest of the file.
    expect(html).toContain('export const value17 = 17;');
    expect(html).not.toContain('export const value16 = 16;');
    expect(html).not.toContain('export const value0 = 0;');
    expect(html).toMatch(/>\s*A\s*<\/td>[\s\S]*notes\/new\.txt/);
  });

  it('gives blob sizes in tree and contents listings', async () => {
    const sizes = new Map<string, number>();
    for (const line of (await g.ok(dir, ['ls-tree', '-r', '-l', second])).trim().split('\n')) {
      const m = /^\d+ blob [0-9a-f]{40}\s+(\d+)\t(.+)$/.exec(line);
      if (m) sizes.set(m[2] ?? '', Number(m[1]));
    }
    expect(sizes.get('lib/values.ts')).toBeGreaterThan(1000);
    const commit = await json<{ commit: { tree: { sha: string } } }>(`${A}/commits/${second}`);
    const tree = await json<{ tree: Array<{ path: string; type: string; size?: number }> }>(
      `${A}/git/trees/${commit.commit.tree.sha}?recursive=1`,
    );
    const blobs = tree.tree.filter((e) => e.type === 'blob');
    expect(new Map(blobs.map((e) => [e.path, e.size]))).toEqual(sizes);
    for (const e of tree.tree.filter((x) => x.type === 'tree')) expect(e.size).toBeUndefined();

    const listing = await json<Array<{ name: string; type: string; size: number }>>(
      `${A}/contents/lib?ref=${second}`,
    );
    expect(listing).toMatchObject([
      { name: 'values.ts', type: 'file', size: sizes.get('lib/values.ts') },
    ]);
    const root = await json<Array<{ name: string; type: string; size: number }>>(
      `${A}/contents?ref=${second}`,
    );
    expect(root.find((e) => e.name === 'keep.txt')?.size).toBe(10);
  });
});
