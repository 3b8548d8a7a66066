/**
 * Porting a review comment to a later revision (docs/design/landing-requests.md §4). A comment is
 * stored where it was written: path, side, line range and a hash of the anchored text, on revision
 * A. To show it on revision B, the file's diff between the two moves lines outside changed hunks;
 * a line inside a changed hunk goes to the line that replaced it, else to the nearest line that
 * survived (as Gerrit does); a path
 * that is gone is followed through a rename (the browse code's detection), or else the comment
 * becomes a file-level one. Independently of where it lands, it is `outdated` when the text under
 * it is not the text it was written on (as GitHub does).
 */
import { fromUtf8, utf8 } from '../../../../common/git/bytes';
import { sha1Hex } from '../../../../common/git/native';
import { splitLines } from '../../browse/diff/hunks';
import { diffLines } from '../../browse/diff/myers';
import { detectRenames } from '../../browse/diff/renames';
import { diffTrees } from '../../browse/diff/tree-diff';
import { entryAt, readBlob, readCommit, splitPath, type ObjectReader } from '../../browse/objects';

export interface CommentAnchor {
  path: string;
  /** 1-based, inclusive. */
  startLine: number;
  endLine: number;
  /** `anchorHash` of the anchored lines when the comment was written. */
  textHash: string;
}

export interface PortedComment {
  path: string;
  /** Absent for a file-level comment (the file is gone). */
  startLine?: number;
  endLine?: number;
  /** The anchored text is not what the comment was written on. */
  outdated: boolean;
  /** The comment now sits elsewhere (another line or path, or file level). */
  moved: boolean;
}

/** The hash a comment stores of the lines it anchors (without their newlines). */
export function anchorHash(lines: readonly string[]): string {
  return sha1Hex(utf8(lines.join('\n')));
}

/** The lines of a file as the diff view numbers them. */
export function fileLines(bytes: Uint8Array): string[] {
  return splitLines(fromUtf8(bytes));
}

/**
 * Ports a line range from `oldLines` to `newLines`: where it sits in the new file and whether
 * the text under it changed. Undefined lines mean the new file is empty.
 */
export function portLines(
  oldLines: readonly string[],
  newLines: readonly string[],
  anchor: Pick<CommentAnchor, 'startLine' | 'endLine' | 'textHash'>,
): { startLine?: number; endLine?: number; outdated: boolean } {
  if (newLines.length === 0) return { outdated: true };
  const map = survivingLines(oldLines, newLines);
  const clamp = (l: number) => Math.min(Math.max(1, Math.floor(l)), Math.max(1, oldLines.length));
  const start = mapLine(map, clamp(anchor.startLine) - 1, newLines.length);
  const end = Math.max(start, mapLine(map, clamp(anchor.endLine) - 1, newLines.length));
  const text = newLines.slice(start, end + 1);
  return { startLine: start + 1, endLine: end + 1, outdated: anchorHash(text) !== anchor.textHash };
}

/**
 * For each old line (0-based): the new line it survives as (`kept`, -1 inside a changed hunk),
 * and for a changed line, the line that took its place in the hunk (`replaced`, -1 if none).
 */
function survivingLines(
  oldLines: readonly string[],
  newLines: readonly string[],
): { kept: Int32Array; replaced: Int32Array } {
  const kept = new Int32Array(oldLines.length).fill(-1);
  const replaced = new Int32Array(oldLines.length).fill(-1);
  let o = 0;
  let n = 0;
  let removed: number[] = [];
  let added: number[] = [];
  const closeHunk = () => {
    removed.forEach((line, k) => {
      if (k < added.length) replaced[line] = added[k] as number;
    });
    removed = [];
    added = [];
  };
  for (const op of diffLines(oldLines, newLines)) {
    if (op.op === ' ') {
      closeHunk();
      kept[o++] = n++;
    } else if (op.op === '-') removed.push(o++);
    else added.push(n++);
  }
  closeHunk();
  return { kept, replaced };
}

/**
 * The new line of old line `line`: itself if it survived, the line that replaced it inside its
 * hunk, else the nearest survivor's.
 */
function mapLine(
  map: { kept: Int32Array; replaced: Int32Array },
  line: number,
  newLength: number,
): number {
  const { kept, replaced } = map;
  if (kept.length === 0) return 0;
  const at = Math.min(line, kept.length - 1);
  const direct = replaced[at] as number;
  if ((kept[at] as number) < 0 && direct >= 0) return direct;
  for (let d = 0; d < kept.length; d++) {
    // Ties go to the line after: what replaced a deleted run sits before it.
    const after = kept[at + d];
    if (after !== undefined && after >= 0) return after;
    const before = d > 0 ? kept[at - d] : undefined;
    if (before !== undefined && before >= 0) return before;
  }
  // Nothing survived: keep the same line number, within the new file.
  return Math.min(at, newLength - 1);
}

/**
 * Ports `anchor`, written on the file at `anchor.path` in tree `fromTree`, to tree `toTree`
 * (the same side, base or head, of the later revision).
 */
export async function portComment(
  reader: ObjectReader,
  anchor: CommentAnchor,
  fromTree: string,
  toTree: string,
): Promise<PortedComment> {
  const parts = splitPath(anchor.path);
  const before = await entryAt(reader, fromTree, parts);
  if (!before || before.kind === 'tree') {
    return { path: anchor.path, outdated: true, moved: true };
  }
  let path = anchor.path;
  let after = await entryAt(reader, toTree, parts);
  if (!after || after.kind === 'tree') {
    const renamed = await followRename(reader, anchor.path, fromTree, toTree);
    after = renamed ? await entryAt(reader, toTree, splitPath(renamed)) : undefined;
    if (!renamed || !after) return { path: anchor.path, outdated: true, moved: true };
    path = renamed;
  }
  const same = { startLine: anchor.startLine, endLine: anchor.endLine };
  if (after.oid === before.oid) {
    const lines = fileLines(await readBlob(reader, after.oid));
    const outdated = anchorHash(lines.slice(same.startLine - 1, same.endLine)) !== anchor.textHash;
    return { path, ...same, outdated, moved: path !== anchor.path };
  }
  const [a, b] = await Promise.all([readBlob(reader, before.oid), readBlob(reader, after.oid)]);
  const ported = portLines(fileLines(a), fileLines(b), anchor);
  const moved =
    path !== anchor.path ||
    ported.startLine !== anchor.startLine ||
    ported.endLine !== anchor.endLine;
  return { path, ...ported, moved };
}

/** Where `path` went between the trees, when a rename took it. */
async function followRename(
  reader: ObjectReader,
  path: string,
  fromTree: string,
  toTree: string,
): Promise<string | undefined> {
  const { changes } = await diffTrees(reader, fromTree, toTree);
  const { changes: paired } = await detectRenames(reader, changes);
  return paired.find((c) => c.status === 'renamed' && c.previousPath === path)?.path;
}

/** Which side of a revision's diff a comment was written on: its base (left) or head (right). */
export type CommentSide = 'base' | 'head';

/**
 * Ports a comment written on `side` of revision `from` to the same side of revision `to`
 * (revisions as commit ids: the head and the commit its range sits on).
 */
export async function portCommentToRevision(
  reader: ObjectReader,
  anchor: CommentAnchor & { side: CommentSide },
  from: { head: string; base: string },
  to: { head: string; base: string },
): Promise<PortedComment> {
  const treeOf = async (r: { head: string; base: string }) =>
    (await readCommit(reader, anchor.side === 'head' ? r.head : r.base)).tree;
  return portComment(reader, anchor, await treeOf(from), await treeOf(to));
}
