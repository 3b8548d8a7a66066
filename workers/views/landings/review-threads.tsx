/**
 * Review threads inline in a landing's Files view: under the line a thread sits on (on the
 * revision shown, after porting), its comments with their rendered bodies, "outdated" when the
 * text under it changed since it was written, "resolved" when it is, and a suggested change as
 * the commented lines against their proposed replacement; for those who may, a reply form and a
 * Resolve / Unresolve button (plain form posts to landing-review.tsx's routes).
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

/** What the viewer may do on threads, and where the forms post and return to. */
export interface ThreadActions {
  /** The landing's page path (`/{owner}/{repo}/landings/{n}`); forms post under it. */
  action: string;
  /** The page to come back to after a post (path and query). */
  back: string;
  reply: boolean;
  /** Whether the viewer may resolve a thread whose first comment `authorId` wrote. */
  resolve: (authorId: string | null) => boolean;
  /** Present when the viewer may apply suggestions here: the head they apply to. */
  apply?: { head: string } | undefined;
}

/** "Apply suggestion": amends the head with it (landing-review.tsx's route). */
function ApplyForm(p: { c: ShownComment; a: ThreadActions }) {
  const { apply } = p.a;
  const root = p.c.root;
  if (!apply || p.c.outdated || root.side !== 'head' || root.resolved_at !== null) return null;
  if (!parseSuggestion(p.c.row.body)) return null;
  return (
    <form method="post" action={`${p.a.action}/comments/${p.c.row.id}/apply`} class="bar">
      <input type="hidden" name="head" value={apply.head} />
      <button type="submit">Apply suggestion</button>
    </form>
  );
}

function ThreadForms(p: { t: ShownThread; a: ThreadActions }) {
  const root = p.t.root.row;
  const resolved = p.t.root.root.resolved_at !== null;
  return (
    <>
      {p.a.reply ? (
        <details class="reply">
          <summary>Reply</summary>
          <form method="post" action={`${p.a.action}/comments`} class="comment-form">
            <input type="hidden" name="in_reply_to" value={root.id} />
            <input type="hidden" name="back" value={p.a.back} />
            <label for={`reply-${root.id}`}>Reply (Markdown)</label>
            <textarea id={`reply-${root.id}`} name="body" required />
            <p class="bar">
              <button type="submit">Reply</button>
            </p>
          </form>
        </details>
      ) : null}
      {p.a.resolve(root.author_id) ? (
        <form method="post" action={`${p.a.action}/comments/${root.id}/resolution`} class="bar">
          <input type="hidden" name="back" value={p.a.back} />
          <button type="submit" name="resolved" value={resolved ? 'false' : 'true'}>
            {resolved ? 'Unresolve conversation' : 'Resolve conversation'}
          </button>
        </form>
      ) : null}
    </>
  );
}

/** The rows under a diff line holding its threads. */
export function ThreadRows(p: {
  threads: ShownThread[] | undefined;
  cols?: number;
  actions?: ThreadActions | undefined;
}): Child {
  if (!p.threads || p.threads.length === 0) return null;
  return (
    <>
      {p.threads.map((t) => (
        <tr class="review-thread" id={`thread-${t.root.row.id}`}>
          <td colspan={p.cols ?? 3}>
            <p class="meta">
              {t.root.row.path}:
              {t.root.row.start_line === t.root.row.end_line ? '' : `${t.root.startLine}–`}
              {t.root.endLine}
              {t.root.outdated ? <span class="label"> outdated</span> : null}
              {t.root.root.resolved_at !== null ? <span class="label"> resolved</span> : null}
            </p>
            {[t.root, ...t.replies].map((c) => (
              <>
                <Comment c={c} html={t.html.get(c.row.id)} />
                {p.actions ? <ApplyForm c={c} a={p.actions} /> : null}
              </>
            ))}
            {p.actions ? <ThreadForms t={t} a={p.actions} /> : null}
          </td>
        </tr>
      ))}
    </>
  );
}
