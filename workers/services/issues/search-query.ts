/**
 * GitHub's issue search syntax to a structured filter: `is:open is:closed label:bug
 * -label:wontfix author:x assignee:y mentions:z milestone:"v1" no:assignee no:label
 * no:milestone sort:updated-desc` and free text; values may be quoted. Pure: no I/O.
 */
import type { IssueFilter } from '../../../db/queries/issues-search';

/** The default query of the issue list, as on GitHub. */
export const DEFAULT_QUERY = 'is:open';

/** Splits a query into words, keeping `key:"quoted value"` and `"a phrase"` together. */
function words(q: string): string[] {
  return [...q.slice(0, 1024).matchAll(/(-?[\w]+:)?"([^"]*)"?|\S+/g)].map((m) =>
    m[2] !== undefined ? `${m[1] ?? ''}\u0000${m[2]}` : m[0],
  );
}

/** Parses a query; unknown qualifiers are searched as text, like GitHub does. */
export function parseIssueQuery(q: string): IssueFilter {
  const f: IssueFilter = {
    labels: [],
    notLabels: [],
    noAssignee: false,
    noLabel: false,
    text: '',
    sort: 'created',
    direction: 'desc',
  };
  const text: string[] = [];
  for (const w of words(q)) {
    const quoted = w.includes('\u0000');
    const [rawKey, ...rest] = w.replace('\u0000', '').split(':');
    const value = rest.join(':');
    const key = (rawKey ?? '').toLowerCase();
    if (rest.length === 0 || (value === '' && !quoted)) {
      text.push(w.replace('\u0000', quoted ? '"' : '') + (quoted ? '"' : ''));
      continue;
    }
    const v = value.toLowerCase();
    if ((key === 'is' || key === 'state') && (v === 'open' || v === 'closed')) f.state = v;
    else if (key === 'is' && (v === 'issue' || v === 'all')) continue;
    else if (key === 'label' && f.labels.length < 10) f.labels.push(value);
    else if (key === '-label' && f.notLabels.length < 10) f.notLabels.push(value);
    else if (key === 'author') f.author = value.replace(/^@/, '');
    else if (key === 'assignee') f.assignee = value.replace(/^@/, '');
    else if (key === 'mentions') f.mentions = value.replace(/^@/, '');
    else if (key === 'milestone') f.milestone = value;
    else if (key === 'no' && v === 'assignee') f.noAssignee = true;
    else if (key === 'no' && v === 'label') f.noLabel = true;
    else if (key === 'no' && v === 'milestone') f.milestone = null;
    else if (key === 'sort') {
      const m = /^(created|updated|comments)(?:-(asc|desc))?$/.exec(v);
      if (m) {
        f.sort = m[1] as IssueFilter['sort'];
        f.direction = (m[2] ?? 'desc') as IssueFilter['direction'];
      }
    } else text.push(w.replace('\u0000', '"') + (quoted ? '"' : ''));
  }
  f.text = text.join(' ').slice(0, 256);
  return f;
}
