/**
 * A diff as HTML: the file list with +/− counts, then each file in a disclosure (open unless it
 * is large), with hunk headers and old/new line numbers, unified or split (`?diff=split`, a
 * link in the URL so each link keeps its mode; the file list a table or, with `fileList="tree"`,
 * a directory tree); a renamed file shows "old → new" with its
 * similarity and only the lines that changed. Works without JavaScript.
 */
import type { Child } from 'hono/jsx';
import type { FileDiff } from '../../services/browse/diff/file-diff';
import { DiffFileTree } from './diff-file-tree';
import { SplitRows, UnifiedRows, type LineHooks } from './diff-rows';

const COLLAPSE_LINES = 400;
const STATUS: Record<string, string> = { added: 'A', removed: 'D', modified: 'M', renamed: 'R' };

/** The file's name, or `old → new (N% similar)` for a rename. */
function FileName(props: { f: FileDiff }) {
  const f = props.f;
  if (f.status !== 'renamed') return <>{f.path}</>;
  return (
    <>
      <span class="old-name">{f.previousPath}</span> → {f.path}{' '}
      <span class="similarity">({f.similarity}% similar)</span>
    </>
  );
}

function fileId(i: number): string {
  return `diff-${i}`;
}

export function DiffStat(props: { additions: number; deletions: number }) {
  return (
    <span class="diffstat">
      <span class="add">+{props.additions}</span> <span class="del">−{props.deletions}</span>
    </span>
  );
}

/** "Unified | Split": links to the same page in each mode, the current one marked. */
export function DiffModeToggle(p: { split: boolean; href: (split: boolean) => string }) {
  return (
    <p class="diff-mode" aria-label="Diff view">
      View:{' '}
      <a href={p.href(false)} aria-current={p.split ? undefined : 'true'}>
        Unified
      </a>{' '}
      |{' '}
      <a href={p.href(true)} aria-current={p.split ? 'true' : undefined}>
        Split
      </a>
    </p>
  );
}

/** `?diff=split` of a page's query (anything else is unified). */
export const isSplit = (q: string | undefined): boolean => q === 'split';

/** `url` with `diff=split` set or removed. */
export function withDiffMode(url: string, split: boolean): string {
  const u = new URL(url, 'http://x');
  if (split) u.searchParams.set('diff', 'split');
  else u.searchParams.delete('diff');
  return `${u.pathname}${u.search}${u.hash}`;
}

/** A diff page's mode: split or not, and its own URL (path and query) for the toggle's links. */
export interface DiffMode {
  split: boolean;
  here: string;
}

/** DiffView's `split` and `modeHref` for a page in `mode`. */
export function modeProps(mode: DiffMode | undefined) {
  if (!mode) return {};
  return { split: mode.split, modeHref: (split: boolean) => withDiffMode(mode.here, split) };
}

export function DiffView(
  props: {
    files: FileDiff[];
    truncated?: boolean;
    renameLimitReached?: boolean;
    /** Side by side instead of unified. */
    split?: boolean;
    /** The Unified / Split links: the page's URL in each mode. */
    modeHref?: (split: boolean) => string;
    /** A note under a file's name (e.g. the interdiff's rebase conflict). */
    fileNote?: (f: FileDiff) => Child;
    /** The changed files as a flat table (default) or a nested directory tree. */
    fileList?: 'table' | 'tree';
  } & LineHooks,
) {
  const hooks: LineHooks = {
    ...(props.annotate ? { annotate: props.annotate } : {}),
    ...(props.lineAction ? { lineAction: props.lineAction } : {}),
    ...(props.hunkNote ? { hunkNote: props.hunkNote } : {}),
  };
  const split = props.split === true;
  const total = props.files.reduce(
    (acc, f) => ({ a: acc.a + f.additions, d: acc.d + f.deletions }),
    { a: 0, d: 0 },
  );
  return (
    <section aria-label="Changes">
      {props.modeHref ? <DiffModeToggle split={split} href={props.modeHref} /> : null}
      <p>
        {props.files.length} file{props.files.length === 1 ? '' : 's'} changed,{' '}
        <DiffStat additions={total.a} deletions={total.d} />
        {props.truncated ? ' (more files changed than are listed)' : ''}
        {props.renameLimitReached
          ? ' (too many added and removed files to look for renamed ones; only unchanged renames are shown)'
          : ''}
      </p>
      {props.fileList === 'tree' ? (
        <DiffFileTree files={props.files} anchor={fileId} />
      ) : (
        <table class="files">
          <tbody>
            {props.files.map((f, i) => (
              <tr>
                <td class="mono" title={f.status}>
                  {STATUS[f.status] ?? '?'}
                </td>
                <td class="msg name">
                  <a href={`#${fileId(i)}`}>
                    <FileName f={f} />
                  </a>
                </td>
                <td class="when">
                  {f.binary ? (
                    'binary'
                  ) : (
                    <DiffStat additions={f.additions} deletions={f.deletions} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {props.files.map((f, i) => {
        const big = f.additions + f.deletions > COLLAPSE_LINES;
        return (
          <details class="file" id={fileId(i)} open={!big}>
            <summary>
              {STATUS[f.status]} <FileName f={f} />{' '}
              {f.binary ? '(binary)' : <DiffStat additions={f.additions} deletions={f.deletions} />}
              {big ? ' — large diff, click to show' : ''}
            </summary>
            {props.fileNote ? props.fileNote(f) : null}
            {f.binary ? (
              <p class="notice">Binary file changed.</p>
            ) : f.omitted ? (
              <p class="notice">{f.omitted}.</p>
            ) : f.status === 'renamed' && (f.hunks ?? []).length === 0 ? (
              <p class="notice">File renamed without changes.</p>
            ) : (
              <div class="code-wrap">
                <table class={split ? 'diff split' : 'diff'}>
                  <tbody>
                    {split ? (
                      <SplitRows path={f.path} hunks={f.hunks ?? []} hooks={hooks} />
                    ) : (
                      <UnifiedRows path={f.path} hunks={f.hunks ?? []} hooks={hooks} />
                    )}
                  </tbody>
                </table>
              </div>
            )}
          </details>
        );
      })}
    </section>
  );
}
