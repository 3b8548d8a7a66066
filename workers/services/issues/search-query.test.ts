import { describe, expect, it } from 'vitest';
import { parseIssueQuery } from './search-query';

describe('parseIssueQuery', () => {
  it('reads every qualifier GitHub users type', () => {
    const f = parseIssueQuery(
      'is:closed label:bug label:"good first issue" -label:wontfix author:@al assignee:bo ' +
        'mentions:cy milestone:"v 1" no:assignee no:label sort:updated-asc crash "two words"',
    );
    expect(f).toEqual({
      state: 'closed',
      labels: ['bug', 'good first issue'],
      notLabels: ['wontfix'],
      author: 'al',
      assignee: 'bo',
      mentions: 'cy',
      milestone: 'v 1',
      noAssignee: true,
      noLabel: true,
      text: 'crash "two words"',
      sort: 'updated',
      direction: 'asc',
    });
  });

  it('defaults to newest first, treats unknown qualifiers as text and survives junk', () => {
    expect(parseIssueQuery('')).toMatchObject({ sort: 'created', direction: 'desc', text: '' });
    expect(parseIssueQuery('no:milestone').milestone).toBeNull();
    expect(parseIssueQuery('foo:bar sort:nope').text).toBe('foo:bar');
    expect(parseIssueQuery('is:open').state).toBe('open');
    for (const junk of ['"', ':::', '-label:', 'label:"', '\u0000', 'x'.repeat(5000)]) {
      expect(() => parseIssueQuery(junk)).not.toThrow();
    }
    expect(parseIssueQuery('x'.repeat(5000)).text.length).toBeLessThanOrEqual(256);
  });
});
