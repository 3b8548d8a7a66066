/**
 * A diff's changed files as a tree (GitHub's "file tree" beside a pull request's files): the
 * paths grouped into nested directories (a chain of single-directory levels shown as one
 * `a/b/c/` entry), each directory a `<details>` with its files' summed +/− counts, each file
 * its status letter, name, counts and a link to its diff's anchor. No script needed.
 */
import type { FileDiff } from '../../services/browse/diff/file-diff';

/** A directory of the tree: its name (possibly `a/b` for collapsed levels), children, sums. */
export interface DirNode {
  kind: 'dir';
  name: string;
  /** The directory's full path (`a/b`). */
  path: string;
  children: TreeNode[];
  additions: number;
  deletions: number;
}

/** A changed file: its base name and its index in the diff (the anchor `#diff-{index}`). */
export interface FileNode {
  kind: 'file';
  name: string;
  index: number;
  file: FileDiff;
}

export type TreeNode = DirNode | FileNode;

/** Directories first, then files, each by name (as a tree view lists them). */
function byKindAndName(a: TreeNode, b: TreeNode): number {
  if (a.kind !== b.kind) return a.kind === 'dir' ? -1 : 1;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Merges a directory whose only child is a directory into one `a/b` entry, recursively. */
function collapse(node: DirNode): DirNode {
  let n = node;
  for (;;) {
    const only = n.children.length === 1 ? n.children[0] : undefined;
    if (!only || only.kind !== 'dir' || n.path === '') break;
    n = { ...only, name: `${n.name}/${only.name}` };
  }
  return {
    ...n,
    children: n.children.map((c) => (c.kind === 'dir' ? collapse(c) : c)).sort(byKindAndName),
  };
}

/** The tree of `files` (by their new path), its root being the unnamed top directory. */
export function fileTree(files: FileDiff[]): DirNode {
  const root: DirNode = {
    kind: 'dir',
    name: '',
    path: '',
    children: [],
    additions: 0,
    deletions: 0,
  };
  files.forEach((file, index) => {
    const parts = file.path.split('/');
    const name = parts.pop() ?? file.path;
    let dir = root;
    const seen: DirNode[] = [root];
    for (const part of parts) {
      let next = dir.children.find((c): c is DirNode => c.kind === 'dir' && c.name === part);
      if (!next) {
        next = {
          kind: 'dir',
          name: part,
          path: dir.path === '' ? part : `${dir.path}/${part}`,
          children: [],
          additions: 0,
          deletions: 0,
        };
        dir.children.push(next);
      }
      dir = next;
      seen.push(dir);
    }
    dir.children.push({ kind: 'file', name, index, file });
    for (const d of seen) {
      d.additions += file.additions;
      d.deletions += file.deletions;
    }
  });
  return collapse(root);
}

const STATUS: Record<string, string> = { added: 'A', removed: 'D', modified: 'M', renamed: 'R' };

function Counts(p: { additions: number; deletions: number; binary?: boolean }) {
  if (p.binary) return <span class="diffstat">binary</span>;
  return (
    <span class="diffstat">
      <span class="add">+{p.additions}</span> <span class="del">−{p.deletions}</span>
    </span>
  );
}

function Nodes(p: { nodes: TreeNode[]; anchor: (i: number) => string }) {
  return (
    <ul>
      {p.nodes.map((n) =>
        n.kind === 'dir' ? (
          <li class="dir">
            <details open>
              <summary>
                <span class="mono">{n.name}/</span>{' '}
                <Counts additions={n.additions} deletions={n.deletions} />
              </summary>
              <Nodes nodes={n.children} anchor={p.anchor} />
            </details>
          </li>
        ) : (
          <li class="file">
            <span class="mono status" title={n.file.status}>
              {STATUS[n.file.status] ?? '?'}
            </span>{' '}
            <a
              class="mono"
              href={`#${p.anchor(n.index)}`}
              title={
                n.file.status === 'renamed'
                  ? `${n.file.previousPath} → ${n.file.path}`
                  : n.file.path
              }
            >
              {n.name}
            </a>{' '}
            <Counts
              additions={n.file.additions}
              deletions={n.file.deletions}
              binary={n.file.binary}
            />
          </li>
        ),
      )}
    </ul>
  );
}

/** The nested list of changed files; `anchor(i)` is file i's diff anchor id. */
export function DiffFileTree(p: { files: FileDiff[]; anchor: (i: number) => string }) {
  const root = fileTree(p.files);
  return (
    <nav class="file-tree" aria-label="File tree">
      <Nodes nodes={root.children} anchor={p.anchor} />
    </nav>
  );
}
