import { describe, expect, it } from 'vitest';
import { parseSuggestion } from './suggestion';

describe('parseSuggestion', () => {
  it('reads the first suggestion block, with tildes, longer fences and CRLF', () => {
    expect(parseSuggestion('Try:\n```suggestion\na\n  b\n```\nthanks')).toEqual(['a', '  b']);
    expect(parseSuggestion('~~~suggestion\r\nx\r\n~~~')).toEqual(['x']);
    expect(parseSuggestion('````suggestion\n```\nin\n````')).toEqual(['```', 'in']);
    expect(parseSuggestion('```suggestion\n```')).toEqual([]);
  });

  it('ignores other fences and plain text', () => {
    expect(parseSuggestion('```ts\nconst a = 1;\n```')).toBeUndefined();
    expect(parseSuggestion('suggestion')).toBeUndefined();
    expect(parseSuggestion('')).toBeUndefined();
  });

  it('takes an unclosed or truncated block to the end of the text', () => {
    const body = '```suggestion\none\ntwo\n```';
    for (let cut = 0; cut <= body.length; cut++) {
      const got = parseSuggestion(body.slice(0, cut));
      if (got !== undefined) expect(['one', 'two', ''].concat(got)).toEqual(expect.any(Array));
    }
    expect(parseSuggestion('```suggestion\none\ntw')).toEqual(['one', 'tw']);
  });

  it('answers random text without throwing', () => {
    const alphabet = '`~ \n\r\tsuggestion{}[]x';
    for (let k = 0; k < 500; k++) {
      let s = '';
      for (let i = 0; i < 60; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
      const got = parseSuggestion(s);
      expect(got === undefined || Array.isArray(got)).toBe(true);
    }
  });
});
