/**
 * The paths an agent's landing may change: workspace-relative, no `.`/`..` parts, nothing under
 * `.git` (in any case), no empty parts or NUL; anything else is a clean `invalid` error.
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../common/errors';
import { pathParts } from './forge-landing';

describe('pathParts', () => {
  it('splits workspace paths', () => {
    expect(pathParts('src/a.ts')).toEqual(['src', 'a.ts']);
    expect(pathParts('.github/x')).toEqual(['.github', 'x']);
    expect(pathParts('a..b')).toEqual(['a..b']);
  });

  it('refuses paths that leave the tree or reach .git', () => {
    for (const bad of [
      '',
      '/etc/passwd',
      'a//b',
      'a/',
      './a',
      'a/../b',
      '..',
      '.git/config',
      'x/.GIT/hooks/pre-commit',
      'a\0b',
    ]) {
      expect(() => pathParts(bad), bad).toThrow(AppError);
    }
  });
});
