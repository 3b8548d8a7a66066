import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import {
  MAX_REF_NAME_BYTES,
  ZERO_OID,
  isServableRefName,
  isValidOid,
  isValidRefName,
  pushedRefNameProblem,
  refNameProblem,
} from './refs';

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

  test.each(NAMES)('refNameProblem(%j) names a reason exactly when git refuses', (name) => {
    const git = spawnSync('/usr/bin/git', ['check-ref-format', name], { timeout: 10_000 });
    expect(refNameProblem(name) === undefined).toBe(git.status === 0);
  });

  test('pushed names: refs/ prefix, byte length limit, readable reasons', () => {
    expect(pushedRefNameProblem('refs/heads/main')).toBeUndefined();
    expect(pushedRefNameProblem('refs/heads/a..b')).toBe('invalid ref name: contains ".."');
    expect(pushedRefNameProblem('heads/main')).toBe('invalid ref name: must start with "refs/"');
    expect(pushedRefNameProblem('HEAD')).toBe('invalid ref name: must start with "refs/"');
    const max = `refs/heads/${'a'.repeat(MAX_REF_NAME_BYTES - 11)}`;
    expect(pushedRefNameProblem(max)).toBeUndefined();
    expect(pushedRefNameProblem(`${max}b`)).toBe(
      'invalid ref name: 256 bytes long, the limit is 255',
    );
    // Bytes, not characters: 122 two-byte letters plus "refs/heads/" is 255; one more is 257.
    const wide = `refs/heads/${'é'.repeat(122)}`;
    expect(pushedRefNameProblem(wide)).toBeUndefined();
    expect(pushedRefNameProblem(`${wide}é`)).toMatch(/257 bytes long/);
    expect(pushedRefNameProblem(`refs/heads/${'🎉'.repeat(61)}`)).toBeUndefined();
    expect(pushedRefNameProblem(`refs/heads/${'🎉'.repeat(62)}`)).toMatch(/259 bytes long/);
    expect(pushedRefNameProblem('refs/heads/\ufffd')).toBe('invalid ref name: not valid UTF-8');
    expect(pushedRefNameProblem(`refs/heads/${'x'.repeat(65_000)}`)).toMatch(/65011 bytes long/);
  });

  test('refs stored before push checked names are not served to fetches', () => {
    expect(isServableRefName('refs/heads/main')).toBe(true);
    expect(isServableRefName(`refs/heads/${'x'.repeat(300)}`)).toBe(false);
    expect(isServableRefName('refs/heads/a b')).toBe(false);
  });

  test('random names never throw and agree with isValidRefName', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    const alphabet = 'ab./@{}~^:?*[\\ \t.lock-é';
    for (let i = 0; i < 5000; i++) {
      let name = 'refs/';
      const n = rand() % 20;
      for (let k = 0; k < n; k++) name += alphabet[rand() % alphabet.length];
      const p = refNameProblem(name);
      expect(p === undefined).toBe(isValidRefName(name));
      expect(() => pushedRefNameProblem(name)).not.toThrow();
    }
  });
});
