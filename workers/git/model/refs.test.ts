import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { ZERO_OID, isValidOid, isValidRefName } from './refs';

const NAMES = [
  'refs/heads/main',
  'refs/heads/feature/x-1',
  'refs/tags/v1.0.0',
  'refs/heads/ünïcödé',
  'refs/heads/a.b',
  'refs/heads/with@sign',
  'refs/heads/emoji-🎉',
  'HEAD',
  'main',
  '@',
  'refs/heads/@',
  '',
  '/refs/heads/x',
  'refs/heads/x/',
  'refs//heads',
  'refs/heads/x.',
  'refs/heads/.hidden',
  'refs/heads/x.lock',
  'refs/heads/x.lock/y',
  'refs/heads/a..b',
  'refs/heads/a@{b',
  'refs/heads/a b',
  'refs/heads/a~1',
  'refs/heads/a^',
  'refs/heads/a:b',
  'refs/heads/a?',
  'refs/heads/a*',
  'refs/heads/a[1]',
  'refs/heads/a\\b',
  'refs/heads/tab\there',
  'refs/heads/del\x7f',
  'refs/heads/.',
  'refs/heads/..',
  'refs/./heads',
  'refs/heads/-dash',
  'refs/heads/a.lockx',
  'refs/heads/{braces}',
  'refs/heads/a@b{c',
];

describe('refs', () => {
  test.each(NAMES)('isValidRefName(%j) agrees with git check-ref-format', (name) => {
    const git = spawnSync('/usr/bin/git', ['check-ref-format', name], { timeout: 10_000 });
    expect(git.status === 0 || git.status === 1).toBe(true);
    expect(isValidRefName(name)).toBe(git.status === 0);
  });

  test.each(['HEAD', 'main', '@', 'a.lock', 'x..y'])('--allow-onelevel %j', (name) => {
    const git = spawnSync('/usr/bin/git', ['check-ref-format', '--allow-onelevel', name]);
    expect(isValidRefName(name, { allowOneLevel: true })).toBe(git.status === 0);
  });

  test('oids', () => {
    expect(isValidOid(ZERO_OID)).toBe(true);
    expect(isValidOid('a'.repeat(40))).toBe(true);
    expect(isValidOid('A'.repeat(40))).toBe(false);
    expect(isValidOid('a'.repeat(39))).toBe(false);
    expect(isValidOid('g'.repeat(40))).toBe(false);
  });
});
