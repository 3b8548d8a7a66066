/**
 * A landing's Files tab: a revision picker (a plain GET form: the whole change of revision B, or
 * the interdiff from revision A to B with the base's move factored out), the diff unified or
 * split, the review threads under their lines, and for those who may comment a "+" beside each
 * line number that reopens the page with a comment form under that line (`?path=&side=&line=`,
 * no script needed). The changed files are listed as a directory tree. Links keep the view's
 * mode (`diff=split`) and revisions.
 */
import type { RevisionRow } from '../../../db/queries/landings';
import type { FileDiff, TreeDiff } from '../../services/browse/diff/file-diff';
import type {
  InterdiffFile,
  InterdiffHunk,
  RevisionInterdiff,
} from '../../services/landings/engine/interdiff';
import { ShortSha } from '../browse/common';
import type { DiffSide } from '../browse/diff-rows';
import { DiffView } from '../browse/diff-view';
import { lineKey, ThreadRows, type ShownThread, type ThreadActions } from './review-threads';

/** Where the Files view is: revision shown, interdiff start, mode, an open comment form. */
export interface FilesState {
  revision: number;
  from?: number | undefined;
  split: boolean;
  comment?: { path: string; side: DiffSide; line: number } | undefined;
}

/** The Files tab's URL for `st` (`#new-comment` when a comment form is open). */
export function filesHref(self: string, st: FilesState): string {
  const q = new URLSearchParams({ tab: 'files' });
  if (st.from !== undefined) {
    q.set('from', String(st.from));
    q.set('to', String(st.revision));
  } else q.set('revision', String(st.revision));
  if (st.split) q.set('diff', 'split');
  if (st.comment) {
    q.set('path', st.comment.path);
    q.set('side', st.comment.side === 'base' ? 'LEFT' : 'RIGHT');
    q.set('line', String(st.comment.line));
  }
  return `${self}?${q.toString()}${st.comment ? '#new-comment' : ''}`;
}

export interface FilesViewProps {
  self: string;
  revisions: RevisionRow[];
  state: FilesState;
  diff: TreeDiff | undefined;
  interdiff?: RevisionInterdiff | undefined;
  threads?: Map<string, ShownThread[]> | undefined;
  /** The viewer may write review comments. */
  canComment: boolean;
  actions?: ThreadActions | undefined;
}

function Picker(p: { self: string; revisions: RevisionRow[]; state: FilesState }) {
  const newest = [...p.revisions].reverse();
  return (
    <form method="get" action={p.self} class="bar revision-picker" aria-label="Revision picker">
      <input type="hidden" name="tab" value="files" />
      {p.state.split ? <input type="hidden" name="diff" value="split" /> : null}
      <label>
        Changes from{' '}
        <select name="from">
          <option value="" selected={p.state.from === undefined}>
            the base (whole change)
          </option>
          {newest.map((r) => (
            <option value={String(r.number)} selected={p.state.from === r.number}>
              revision {r.number}
            </option>
          ))}
        </select>
      </label>{' '}
      <label>
        to{' '}
        <select name="to">
          {newest.map((r) => (
            <option value={String(r.number)} selected={p.state.revision === r.number}>
              revision {r.number}
            </option>
          ))}
        </select>
      </label>{' '}
      <button type="submit">Show</button>
    </form>
  );
}

const VERDICT = {
  unchanged: '= unchanged',
  changed: '≠ changed',
  added: '+ added',
  removed: '− removed',
};

function InterdiffSummary(p: { d: RevisionInterdiff; from: number; to: number }) {
  const w = p.d.whole;
  return (
    <div class="interdiff-summary">
      <h3>
        Interdiff: revision {p.from} → revision {p.to}
      </h3>
      <p>
        {w.empty ? 'No file differs between these revisions. ' : ''}
        {w.rebased
          ? `Revision ${p.from} was rebased onto revision ${p.to}'s base before comparing, so the base's own changes are left out.`
          : 'Both revisions sit on the same base.'}
        {w.conflicts.length > 0
          ? ` That rebase conflicted in ${w.conflicts.map((c) => c.path).join(', ')}: changes shown there may come from the rebase.`
          : ''}
      </p>
      {p.d.commits.length > 1 ? (
        <table class="issues" aria-label="Commits compared">
          <tbody>
            {p.d.commits.map((c) => (
              <tr>
                <td>{VERDICT[c.verdict]}</td>
                <td>{c.old ? <ShortSha oid={c.old} /> : '—'}</td>
                <td>→ {c.new ? <ShortSha oid={c.new} /> : '—'}</td>
                <td class="chg">{c.changeId?.slice(0, 8) ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

function NewCommentRow(p: {
  self: string;
  state: FilesState;
  at: NonNullable<FilesState['comment']>;
  cols: number;
}) {
  const back = filesHref(p.self, { ...p.state, comment: undefined });
  return (
    <tr class="review-thread new-comment" id="new-comment">
      <td colspan={p.cols}>
        <form method="post" action={`${p.self}/comments`} class="comment-form">
          <input type="hidden" name="path" value={p.at.path} />
          <input type="hidden" name="side" value={p.at.side === 'base' ? 'LEFT' : 'RIGHT'} />
          <input type="hidden" name="line" value={String(p.at.line)} />
          <input type="hidden" name="revision" value={String(p.state.revision)} />
          <input type="hidden" name="back" value={back} />
          <label for="line-comment-body">
            Comment on {p.at.path} line {p.at.line} (Markdown; a ```suggestion block proposes a
            replacement)
          </label>
          <textarea id="line-comment-body" name="body" required />
          <p class="bar">
            <label>
              from line{' '}
              <input
                name="start_line"
                inputmode="numeric"
                size={5}
                placeholder={String(p.at.line)}
              />
            </label>
            <button type="submit">Add review comment</button> <a href={back}>Cancel</a>
          </p>
        </form>
      </td>
    </tr>
  );
}

function conflictNote(f: FileDiff) {
  const kind = (f as InterdiffFile).rebaseConflict;
  if (!kind) return null;
  return <p class="notice">Rebasing the older revision conflicted here ({kind}).</p>;
}

export function FilesView(p: FilesViewProps) {
  const st = p.state;
  const interdiff = st.from !== undefined ? p.interdiff : undefined;
  const files = interdiff ? interdiff.whole.files : (p.diff?.files ?? []);
  const open = st.comment;
  // In an interdiff the old side is the rebased older revision: comments go on the new side only.
  const commentable = (side: DiffSide) => p.canComment && (!interdiff || side === 'head');
  return (
    <section class="landing-files" aria-label="Files">
      <Picker self={p.self} revisions={p.revisions} state={st} />
      {interdiff && st.from !== undefined ? (
        <InterdiffSummary d={interdiff} from={st.from} to={st.revision} />
      ) : null}
      <DiffView
        files={files}
        truncated={interdiff ? interdiff.whole.truncated : p.diff?.truncated}
        renameLimitReached={interdiff ? undefined : p.diff?.renameLimitReached}
        split={st.split}
        fileList="tree"
        modeHref={(split) => filesHref(p.self, { ...st, split, comment: undefined })}
        fileNote={conflictNote}
        hunkNote={(h) =>
          (h as InterdiffHunk).fromRebaseConflict
            ? '  ⚠ touches a region where the rebase conflicted: may come from the rebase'
            : undefined
        }
        lineAction={(path, side, line) =>
          commentable(side) ? (
            <a
              class="add-comment"
              href={filesHref(p.self, { ...st, comment: { path, side, line } })}
              aria-label={`Comment on ${path} line ${line}`}
              title="Comment on this line"
            >
              +
            </a>
          ) : null
        }
        annotate={(path, side, line, cols) => (
          <>
            <ThreadRows
              threads={
                interdiff && side === 'base' ? undefined : p.threads?.get(lineKey(path, side, line))
              }
              cols={cols}
              actions={p.actions}
            />
            {open && open.path === path && open.side === side && open.line === line ? (
              <NewCommentRow self={p.self} state={st} at={open} cols={cols} />
            ) : null}
          </>
        )}
      />
    </section>
  );
}
