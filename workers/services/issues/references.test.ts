import { describe, expect, it } from 'vitest';
import { findReferences, withoutCode } from './references';

describe('findReferences', () => {
  it('finds issue references, closing keywords, mentions and commit ids', () => {
    const sha = 'a'.repeat(39) + 'b';
    const r = findReferences(
      `Fixes #12, see #3 and alice/tools#7.\ncloses: #3\n@bob and @Carol-x, ${sha}`,
    );
    expect(r.issues).toEqual([
      { number: 12, closes: true },
      { number: 3, closes: true },
      { owner: 'alice', repo: 'tools', number: 7, closes: false },
    ]);
    expect(r.mentions).toEqual(['bob', 'Carol-x']);
    expect(r.commits).toEqual([sha]);
  });

  it('ignores references inside code, words, e-mail addresses and URLs', () => {
    const r = findReferences(
      'a`#1`b\n```\n#2 @carl\n```\nx#3 me@example.com https://h/x#4 #5abc ##6 @-bad',
    );
    expect(r).toEqual({ issues: [], mentions: [], commits: [] });
  });

  it('keeps offsets when blanking code and copes with unclosed fences and hostile text', () => {
    expect(withoutCode('a `b` c').length).toBe(7);
    expect(findReferences('```\n#1 never closed').issues).toEqual([]);
    expect(() => findReferences('#'.repeat(100_000) + '@'.repeat(1000))).not.toThrow();
  });
});
