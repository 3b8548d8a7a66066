/** Grouping of an issue page's reactions: per target, in GitHub's order, with the viewer's own. */
import { describe, expect, it } from 'vitest';
import type { ReactionContent, ReactionRow } from '../../../db/queries/issue-comments';
import { summarise } from './reaction-summary';

let next = 0;
const row = (comment: string | null, user: string, content: ReactionContent): ReactionRow => ({
  id: String(++next),
  comment_id: comment,
  user_id: user,
  login: `u${user}`,
  content,
  created_at: new Date(0),
});

describe('summarise', () => {
  it('groups by target and content in the order of REACTIONS, marking the viewer’s own', () => {
    const rows = [
      row(null, '1', 'rocket'),
      row(null, '2', '+1'),
      row(null, '2', 'rocket'),
      row('9', '1', 'eyes'),
    ];
    const out = summarise(rows, '2');
    expect(out.get('')).toEqual([
      { content: '+1', logins: ['u2'], mine: rows[1]?.id },
      { content: 'rocket', logins: ['u1', 'u2'], mine: rows[2]?.id },
    ]);
    expect(out.get('9')).toEqual([{ content: 'eyes', logins: ['u1'] }]);
    expect(out.has('10')).toBe(false);
  });

  it('marks nothing as the viewer’s own for anonymous viewers', () => {
    const out = summarise([row(null, '1', 'heart')], undefined);
    expect(out.get('')?.[0]?.mine).toBeUndefined();
  });
});
