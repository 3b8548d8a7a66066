import { describe, expect, it } from 'vitest';
import { urlProblem } from './url-check';

describe('URL check', () => {
  it('refuses NUL bytes anywhere, and malformed or non-UTF-8 escapes in the path', () => {
    expect(urlProblem('/alice/r%00', '')).toMatch(/NUL/);
    expect(urlProblem('/%00alice/repo/tree/main', '')).toMatch(/NUL/);
    expect(urlProblem('/api/v1/repos/a/b/contents', '?path=%00')).toMatch(/NUL/);
    expect(urlProblem('/alice/%zz', '')).toMatch(/percent-escape/);
    expect(urlProblem('/alice/%', '')).toMatch(/percent-escape/);
    expect(urlProblem('/alice/%C3%28', '')).toMatch(/UTF-8/);
    expect(urlProblem('/alice/%FF', '')).toMatch(/UTF-8/);
  });

  it('lets ordinary and encoded paths through', () => {
    expect(urlProblem('/alice/repo/blob/main/a%20b.txt', '?plain=1')).toBeUndefined();
    expect(urlProblem('/alice/repo/tree/main/%C3%A9t%C3%A9', '')).toBeUndefined();
    expect(urlProblem('/', '')).toBeUndefined();
  });

  it('answers random paths without throwing', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    for (let i = 0; i < 2000; i++) {
      let p = '/';
      const n = Math.floor(rand() * 40);
      for (let k = 0; k < n; k++) {
        p +=
          rand() < 0.3
            ? `%${Math.floor(rand() * 256).toString(16)}`
            : String.fromCharCode(33 + Math.floor(rand() * 94));
      }
      expect(() => urlProblem(p, '')).not.toThrow();
    }
  });
});
