/**
 * Reactions of an issue page grouped for display: per target (the issue, or one comment), each
 * reaction content with its count, who reacted, and the viewer's own reaction id (to remove it).
 */
import {
  listAllReactions,
  type ReactionContent,
  type ReactionRow,
} from '../../../db/queries/issue-comments';
import type { IssueRow } from '../../../db/queries/issues';
import { REACTIONS } from './inputs';
import type { RepoScope } from './access';

export interface ReactionGroup {
  content: ReactionContent;
  logins: string[];
  /** The viewer's reaction of this content, if any. */
  mine?: string | undefined;
}

/** Key '' is the issue itself; other keys are comment ids. Groups in GitHub's order. */
export type ReactionSummary = Map<string, ReactionGroup[]>;

/** Groups rows by target and content, in the order of REACTIONS. */
export function summarise(rows: ReactionRow[], viewerId: string | undefined): ReactionSummary {
  const byTarget = new Map<string, Map<ReactionContent, ReactionGroup>>();
  for (const r of rows) {
    const key = r.comment_id ?? '';
    const groups = byTarget.get(key) ?? new Map<ReactionContent, ReactionGroup>();
    const g = groups.get(r.content) ?? { content: r.content, logins: [] };
    g.logins.push(r.login);
    if (viewerId !== undefined && r.user_id === viewerId) g.mine = r.id;
    groups.set(r.content, g);
    byTarget.set(key, groups);
  }
  const out: ReactionSummary = new Map();
  for (const [key, groups] of byTarget) {
    out.set(
      key,
      REACTIONS.flatMap((c) => groups.get(c) ?? []),
    );
  }
  return out;
}

/** The reactions of an issue and its comments, grouped for the viewer. */
export async function reactionSummary(s: RepoScope, issue: IssueRow): Promise<ReactionSummary> {
  return summarise(await listAllReactions(s.db, issue.id), s.actor.user?.id);
}
