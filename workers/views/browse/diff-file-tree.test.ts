import { describe, expect, it } from 'vitest';
import type { FileDiff } from '../../services/browse/diff/file-diff';
import { DiffFileTree, fileTree, type DirNode, type TreeNode } from './diff-file-tree';

const file = (path: string, additions: number, deletions: number, extra = {}): FileDiff =>
  ({ path, status: 'modified', additions, deletions, binary: false, ...extra }) as FileDiff;

/** The tree as indented text lines, for readable expectations. */
function lines(n: TreeNode, depth = 0): string[] {
  const pad = '  '.repeat(depth);
  if (n.kind === 'file') return [`${pad}${n.name} #${n.index}`];
  return [
    `${pad}${n.name}/ +${n.additions} -${n.deletions}`,
    ...n.children.flatMap((c) => lines(c, depth + 1)),
  ];
}

describe('fileTree (the Files tab tree)', () => {
  it('nests paths, lists directories first, sums counts and keeps each file’s diff index', () => {
    const root = fileTree([
      file('src/b.ts', 1, 0),
      file('README.md', 2, 2),
      file('src/a.ts', 3, 1),
      file('src/lib/deep/x.ts', 5, 0),
    ]);
    expect(root.children.flatMap((c) => lines(c))).toEqual([
      'src/ +9 -1',
      '  lib/deep/ +5 -0',
      '    x.ts #3',
      '  a.ts #2',
      '  b.ts #0',
      'README.md #1',
    ]);
  });
  it('collapses chains of single directories into one entry with the full path', () => {
    const root = fileTree([file('a/b/c/one.txt', 1, 1), file('a/b/c/two.txt', 0, 4)]);
    const [only] = root.children as DirNode[];
    expect(only?.name).toBe('a/b/c');
    expect(only?.path).toBe('a/b/c');
    expect(only?.additions).toBe(1);
    expect(only?.deletions).toBe(5);
  });
  it('is empty for no files', () => {
    expect(fileTree([]).children).toEqual([]);
  });
  it('renders details per directory and anchors per file, with the rename in the title', async () => {
    const html = String(
      await DiffFileTree({
        files: [
          file('docs/new.md', 0, 0, { status: 'renamed', previousPath: 'docs/old.md' }),
          file('x.bin', 0, 0, { binary: true }),
        ],
        anchor: (i) => `diff-${i}`,
      }),
    );
    expect(html).toContain('<details open=""><summary><span class="mono">docs/</span>');
    expect(html).toContain('href="#diff-0" title="docs/old.md → docs/new.md">new.md</a>');
    expect(html).toContain('href="#diff-1"');
    expect(html).toContain('binary');
  });
});
