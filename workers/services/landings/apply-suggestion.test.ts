import { describe, expect, it } from 'vitest';
import { replaceLines } from './apply-suggestion';

describe('replaceLines (a suggestion replacing commented lines)', () => {
  it('replaces a range and keeps the final newline', () => {
    expect(replaceLines('a\nb\nc\n', 2, 2, ['B'])).toBe('a\nB\nc\n');
    expect(replaceLines('a\nb\nc\n', 1, 3, ['x'])).toBe('x\n');
    expect(replaceLines('a\nb\nc', 3, 3, ['C', 'D'])).toBe('a\nb\nC\nD');
  });
  it('deletes lines with an empty suggestion', () => {
    expect(replaceLines('a\nb\nc\n', 2, 2, [])).toBe('a\nc\n');
    expect(replaceLines('a\n', 1, 1, [])).toBe('');
  });
  it('keeps CRLF line ends where the replaced lines had them', () => {
    expect(replaceLines('a\r\nb\r\nc\r\n', 2, 2, ['B'])).toBe('a\r\nB\r\nc\r\n');
  });
});
