import { describe, expect, it } from 'vitest';
import { matchesPattern } from './branch-pattern';

describe('patterns', () => {
  it.each([
    ['main', 'main', true],
    ['main', 'mainx', false],
    ['main', 'MAIN', false],
    ['release/*', 'release/1.0', true],
    ['release/*', 'release/1.0/hotfix', false],
    ['release/*', 'release/', true],
    ['release/**', 'release/1.0/hotfix', true],
    ['release/**/*', 'release/1.0', true],
    ['**/fix', 'a/b/fix', true],
    ['**/fix', 'fix', true],
    ['*', 'feature/x', false],
    ['*', 'feature', true],
    ['v?', 'v1', true],
    ['v?', 'v10', false],
    ['v[0-9]', 'v7', true],
    ['v[0-9]', 'vx', false],
    ['v[!0-9]', 'vx', true],
    ['v[!0-9]', 'v7', false],
    ['a.b', 'axb', false],
    ['a.b', 'a.b', true],
    ['a\\*', 'a*', true],
    ['a\\*', 'ab', false],
    ['feat(x)+', 'feat(x)+', true],
    ['[', '[', true],
    ['x[', 'x[', true],
  ])('%s against %s is %s', (pattern, branch, want) => {
    expect(matchesPattern(pattern, branch)).toBe(want);
  });

  it('classes never match /, and a backwards range matches nothing', () => {
    expect(matchesPattern('a[!x]b', 'a/b')).toBe(false);
    expect(matchesPattern('a[/]b', 'a/b')).toBe(false);
    expect(matchesPattern('v[9-0]', 'v5')).toBe(false);
    expect(matchesPattern('v[a\\]]', 'v]')).toBe(true);
  });

  it('answers truncated and random patterns as a reference regular expression does', () => {
    const pieces = ['*', '**', '**/', '?', '/', 'a', 'b', '.', '(', '$'];
    const names = ['', 'a', 'ab', 'a/b', 'a/b/a', 'aa/ba', '/a', 'a/', 'b.a', 'a(b', 'a$b'];
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      let p = '';
      const len = 1 + rand(8);
      for (let j = 0; j < len; j++) p += pieces[rand(pieces.length)];
      for (let cut = 1; cut <= p.length; cut++) {
        const q = p.slice(0, cut);
        const re = reference(q);
        for (const n of names) expect(matchesPattern(q, n), `${q} vs ${n}`).toBe(re.test(n));
      }
    }
    // Random printable strings, classes and escapes included, never throw.
    for (let i = 0; i < 2000; i++) {
      const s = String.fromCharCode(...Array.from({ length: rand(20) }, () => 33 + rand(94)));
      expect(() => matchesPattern(s, 'release/1.0')).not.toThrow();
      if (!/[*?[\\]/.test(s)) expect(matchesPattern(s, s)).toBe(true);
    }
  });

  it('matches a pattern built to backtrack against a 255-character name', () => {
    const name = 'a'.repeat(255);
    expect(matchesPattern(`${'*a'.repeat(40)}*b`, name)).toBe(false);
    expect(matchesPattern(`${'**a'.repeat(40)}`, name)).toBe(true);
  });
});

/** The same patterns (without classes or escapes) as a regular expression, to compare with. */
function reference(p: string): RegExp {
  const src = p
    .replace(/[.()$]/g, '\\$&')
    .replace(/\*\*\/|\*\*|\*|\?/g, (m) =>
      m === '**/' ? '\u0000' : m === '**' ? '\u0001' : m === '*' ? '[^/]*' : '[^/]',
    )
    .replace(/\u0000/g, '(?:.*/)?')
    .replace(/\u0001/g, '.*');
  return new RegExp(`^${src}$`, 's');
}
