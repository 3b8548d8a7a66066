/**
 * Reactions under an issue body or a comment: each reaction with its count and, in a title, who
 * reacted; for viewers who may comment each is a small form (adds it, or removes the viewer's
 * own), and a menu of the others adds one. Words in labels, never the symbol alone.
 */
import type { ReactionContent } from '../../../db/queries/issue-comments';
import type { ReactionGroup } from '../../services/issues/reaction-summary';

const LOOK: Record<ReactionContent, [string, string]> = {
  '+1': ['👍', 'thumbs up'],
  '-1': ['👎', 'thumbs down'],
  laugh: ['😄', 'laugh'],
  confused: ['😕', 'confused'],
  heart: ['❤️', 'heart'],
  hooray: ['🎉', 'hooray'],
  rocket: ['🚀', 'rocket'],
  eyes: ['👀', 'eyes'],
};
const ALL = Object.keys(LOOK) as ReactionContent[];

function who(g: ReactionGroup): string {
  const shown = g.logins.slice(0, 10).join(', ');
  const more = g.logins.length > 10 ? ` and ${g.logins.length - 10} more` : '';
  return `${shown}${more} reacted with ${LOOK[g.content][1]}`;
}

export function Reactions(p: {
  groups: ReactionGroup[];
  /** Where the add form posts (…/reactions of the issue or the comment); none: read-only. */
  addAction?: string | undefined;
  /** `/{owner}/{repo}/issues/{n}` (removal goes to …/reactions/{id}/delete). */
  issuePath: string;
}) {
  const { groups, addAction } = p;
  if (groups.length === 0 && !addAction) return <></>;
  const present = new Set(groups.map((g) => g.content));
  return (
    <div class="reactions" aria-label="Reactions">
      {groups.map((g) => {
        const [symbol, word] = LOOK[g.content];
        const label = `${symbol} ${g.logins.length}`;
        if (!addAction) {
          return (
            <span class="reaction" title={who(g)} aria-label={`${word}: ${g.logins.length}`}>
              {label}
            </span>
          );
        }
        const mine = g.mine;
        return (
          <form
            method="post"
            action={mine ? `${p.issuePath}/reactions/${mine}/delete` : addAction}
            class="reaction-form"
          >
            {mine ? null : <input type="hidden" name="content" value={g.content} />}
            <button
              type="submit"
              class={mine ? 'reaction mine' : 'reaction'}
              title={who(g)}
              aria-label={`${word}: ${g.logins.length}${mine ? ', yours (remove)' : ' (add yours)'}`}
              aria-pressed={mine ? 'true' : 'false'}
            >
              {label}
            </button>
          </form>
        );
      })}
      {addAction && present.size < ALL.length ? (
        <details class="reaction-menu">
          <summary>Add reaction</summary>
          <form method="post" action={addAction}>
            {ALL.filter((c) => !present.has(c)).map((c) => (
              <button
                type="submit"
                name="content"
                value={c}
                aria-label={LOOK[c][1]}
                title={LOOK[c][1]}
              >
                {LOOK[c][0]} {LOOK[c][1]}
              </button>
            ))}
          </form>
        </details>
      ) : null}
    </div>
  );
}
