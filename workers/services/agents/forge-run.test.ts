/**
 * The server's reading of a prompt's declared forge tools (its safe outputs): only a list under
 * `tools:` in well-formed frontmatter declares anything; truncated, malformed and random input
 * declares nothing and never throws. And which comments start an `issue_comment` event.
 */
import { describe, expect, it } from 'vitest';
import { commentTriggerMatches } from './comment-events';
import { forgeToolsDeclaredIn } from './forge-run';

const GOOD = '---\nname: a\ntype: agent\ntools: [read_file, comment, review]\n---\nBody\n';

describe('forgeToolsDeclaredIn', () => {
  it('reads the tools list of the frontmatter', () => {
    expect(forgeToolsDeclaredIn(GOOD)).toEqual(['comment', 'review']);
    expect(forgeToolsDeclaredIn('---\ntools:\n  - comment\n---\n')).toEqual(['comment']);
  });

  it('declares nothing without a tools list, or with tools named only in the body', () => {
    expect(forgeToolsDeclaredIn(undefined)).toEqual([]);
    expect(forgeToolsDeclaredIn('---\nname: a\n---\ntools: [comment]\n')).toEqual([]);
    expect(forgeToolsDeclaredIn('tools: [comment]\n')).toEqual([]);
    expect(forgeToolsDeclaredIn('---\ntools: comment\n---\n')).toEqual([]);
    expect(forgeToolsDeclaredIn('---\n- comment\n---\n')).toEqual([]);
  });

  it('declares nothing for truncated or random input, without throwing', () => {
    for (let i = 0; i < GOOD.length; i++) {
      const cut = forgeToolsDeclaredIn(GOOD.slice(0, i));
      // Only a prefix that still closes the frontmatter can declare anything.
      if (!GOOD.slice(0, i).includes('\n---', 3)) expect(cut).toEqual([]);
    }
    for (let n = 0; n < 300; n++) {
      const bytes = new Uint8Array(1 + Math.floor(Math.random() * 200));
      crypto.getRandomValues(bytes);
      const text = `---\n${new TextDecoder().decode(bytes)}\n---\n`;
      const got = forgeToolsDeclaredIn(text);
      expect(Array.isArray(got)).toBe(true);
    }
    expect(forgeToolsDeclaredIn('---\ntools: [comment\n---\n')).toEqual([]);
  });
});

describe('commentTriggerMatches', () => {
  it('matches issue_comment triggers by case-insensitive substring', () => {
    const t = [{ type: 'issue_comment', contains: '@plue' }];
    expect(commentTriggerMatches(t, 'hey @PLUE look')).toBe(true);
    expect(commentTriggerMatches(t, 'hey plue')).toBe(false);
    expect(commentTriggerMatches([{ type: 'issue_comment', contains: null }], 'x')).toBe(true);
    expect(commentTriggerMatches([{ type: 'push' }, null, 'x', 7], '@plue')).toBe(false);
  });
});
