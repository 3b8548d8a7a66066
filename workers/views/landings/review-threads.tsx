/**
 * Review threads inline in a landing's Files view: under the line a thread sits on (on the
 * revision shown, after porting), its comments with their rendered bodies, "outdated" when the
 * text under it changed since it was written, "resolved" when it is, and a suggested change as
 * the commented lines against their proposed replacement.
 */
import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';
import type { ShownComment } from '../../services/landings/line-comments';
import { parseSuggestion } from '../../services/landings/suggestion';

export interface ShownThread {
  root: ShownComment;
  replies: ShownComment[];
  /** Rendered bodies by comment id. */
  html: Map<string, string>;
}

/** Groups shown comments into threads, keyed by `path\0side\0line` of where they end. */
export function threadsByLine(
  comments: ShownComment[],
  html: Map<string, string>,
): Map<string, ShownThread[]> {
  const threads = new Map<string, ShownThread>();
  for (const c of comments) {
    const t = threads.get(c.root.id);
    if (c.row.id === c.root.id) threads.set(c.row.id, { root: c, replies: t?.replies ?? [], html });
    else t?.replies.push(c);
  }
  const byLine = new Map<string, ShownThread[]>();
  for (const t of threads.values()) {
    if (t.root.endLine === undefined) continue;
    const key = lineKey(t.root.row.path, t.root.row.side, t.root.endLine);
    byLine.set(key, [...(byLine.get(key) ?? []), t]);
  }
  return byLine;
}

export const lineKey = (path: string, side: string, line: number) => `${path}\0${side}\0${line}`;

function Comment(p: { c: ShownComment; html: string | undefined }) {
  const suggestion = parseSuggestion(p.c.row.body);
  return (
    <div class="review-comment" id={`comment-${p.c.row.id}`}>
      <p class="meta">
        <b>{p.c.row.author_login ?? 'ghost'}</b> on revision {p.c.row.revision_number}
      </p>
      {p.html !== undefined ? <div class="markdown">{raw(p.html)}</div> : <p>{p.c.row.body}</p>}
      {suggestion ? (
        <table class="diff suggestion" aria-label="Suggested change">
          <tbody>
            {suggestion.map((l) => (
              <tr class="a">
                <td>+{l}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}

/** The rows under a diff line holding its threads. */
export function ThreadRows(p: { threads: ShownThread[] | undefined }): Child {
  if (!p.threads || p.threads.length === 0) return null;
  return (
    <>
      {p.threads.map((t) => (
        <tr class="review-thread">
          <td colspan={3}>
            <p class="meta">
              {t.root.row.path}:
              {t.root.row.start_line === t.root.row.end_line ? '' : `${t.root.startLine}–`}
              {t.root.endLine}
              {t.root.outdated ? <span class="label"> outdated</span> : null}
              {t.root.root.resolved_at !== null ? <span class="label"> resolved</span> : null}
            </p>
            {[t.root, ...t.replies].map((c) => (
              <Comment c={c} html={t.html.get(c.row.id)} />
            ))}
          </td>
        </tr>
      ))}
    </>
  );
}
