/**
 * A diff as HTML: the file list with +/− counts, then each file in a disclosure (open unless it
 * is large), with hunk headers and old/new line numbers; a renamed file shows "old → new" with
 * its similarity and only the lines that changed. Works without JavaScript.
 */
import type { Child } from 'hono/jsx';
import type { FileDiff } from '../../services/browse/diff/file-diff';
import { hunkHeader } from '../../services/browse/diff/hunks';

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

export function DiffView(props: {
  files: FileDiff[];
  truncated?: boolean;
  renameLimitReached?: boolean;
  /** Rows shown under a line (review threads): by path, side and that side's line number. */
  annotate?: (path: string, side: 'base' | 'head', line: number) => Child;
}) {
  const total = props.files.reduce(
    (acc, f) => ({ a: acc.a + f.additions, d: acc.d + f.deletions }),
    { a: 0, d: 0 },
  );
  return (
    <section aria-label="Changes">
      <p>
        {props.files.length} file{props.files.length === 1 ? '' : 's'} changed,{' '}
        <DiffStat additions={total.a} deletions={total.d} />
        {props.truncated ? ' (more files changed than are listed)' : ''}
        {props.renameLimitReached
          ? ' (too many added and removed files to look for renamed ones; only unchanged renames are shown)'
          : ''}
      </p>
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
                {f.binary ? 'binary' : <DiffStat additions={f.additions} deletions={f.deletions} />}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.files.map((f, i) => {
        const big = f.additions + f.deletions > COLLAPSE_LINES;
        return (
          <details class="file" id={fileId(i)} open={!big}>
            <summary>
              {STATUS[f.status]} <FileName f={f} />{' '}
              {f.binary ? '(binary)' : <DiffStat additions={f.additions} deletions={f.deletions} />}
              {big ? ' — large diff, click to show' : ''}
            </summary>
            {f.binary ? (
              <p class="notice">Binary file changed.</p>
            ) : f.omitted ? (
              <p class="notice">{f.omitted}.</p>
            ) : f.status === 'renamed' && (f.hunks ?? []).length === 0 ? (
              <p class="notice">File renamed without changes.</p>
            ) : (
              <div class="code-wrap">
                <table class="diff">
                  <tbody>
                    {(f.hunks ?? []).map((h) => (
                      <>
                        <tr class="h">
                          <td class="ln">…</td>
                          <td class="ln">…</td>
                          <td>{hunkHeader(h)}</td>
                        </tr>
                        {h.lines.map((l) => (
                          <>
                            <tr class={l.op === '+' ? 'a' : l.op === '-' ? 'd' : undefined}>
                              <td class="ln">{l.oldNo ?? ''}</td>
                              <td class="ln">{l.newNo ?? ''}</td>
                              <td>
                                {l.op === '+' ? '+' : l.op === '-' ? '−' : ' '}
                                {l.text}
                              </td>
                            </tr>
                            {props.annotate && l.op === '-' && l.oldNo !== undefined
                              ? props.annotate(f.path, 'base', l.oldNo)
                              : null}
                            {props.annotate && l.op !== '-' && l.newNo !== undefined
                              ? props.annotate(f.path, 'head', l.newNo)
                              : null}
                          </>
                        ))}
                      </>
                    ))}
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
