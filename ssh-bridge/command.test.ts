/** Command-line and repository-path parsing for SSH exec requests, including hostile input. */
import { describe, expect, it } from 'vitest';
import { parseGitCommand, parseRepoPath, splitWords } from './command';

const ok = (line: string) => {
  const r = parseGitCommand(line);
  if (!r.ok) throw new Error(r.message);
  return r.command;
};

describe('parseGitCommand', () => {
  it('accepts the forms git and users send', () => {
    expect(ok("git-upload-pack 'alice/repo.git'")).toEqual({
      service: 'git-upload-pack',
      owner: 'alice',
      repo: 'repo',
    });
    expect(ok("git-receive-pack '/alice/repo.git'")).toEqual({
      service: 'git-receive-pack',
      owner: 'alice',
      repo: 'repo',
    });
    expect(ok("git upload-pack 'alice/repo'")).toEqual({
      service: 'git-upload-pack',
      owner: 'alice',
      repo: 'repo',
    });
    expect(ok('git-upload-archive alice/repo.git')).toEqual({
      service: 'git-upload-archive',
      owner: 'alice',
      repo: 'repo',
    });
    expect(ok("git-upload-pack '~/alice/repo.git'").owner).toBe('alice');
    expect(ok('git-upload-pack "alice/repo.git"').repo).toBe('repo');
    expect(ok("git-upload-pack 'alice//repo.git/'").repo).toBe('repo');
    expect(ok("git-upload-pack 'a-b_c/my.repo.git'")).toMatchObject({
      owner: 'a-b_c',
      repo: 'my.repo',
    });
    // quote.c escapes a quote inside the path as '\''; the name is then refused, not mangled.
    expect(parseGitCommand("git-upload-pack 'ali'\\''ce/repo'").ok).toBe(false);
  });

  it('refuses other commands', () => {
    for (const line of [
      'ls',
      'sh -c id',
      'git-upload-packs x/y',
      'git status',
      'scp -t /',
      '',
      '   ',
      'git',
    ]) {
      expect(parseGitCommand(line).ok, line).toBe(false);
    }
    const r = parseGitCommand('rm -rf /');
    expect(r.ok === false && r.message).toContain("Unknown command 'rm'");
  });

  it('refuses traversal, absolute escapes and odd shapes', () => {
    for (const path of [
      '../x',
      'alice/..',
      'alice/../../x',
      '/etc/passwd/x',
      '..',
      '.',
      'alice',
      'alice/repo/extra',
      'alice/.',
      './repo',
      'alice/.git',
      'alice/repo.',
      'alice\\repo',
      'alice/re po',
      'alice/re\npo',
      'alice/re\u0000po',
      '~root/../etc',
      `${'a'.repeat(101)}/repo`,
    ]) {
      expect(parseRepoPath(path), JSON.stringify(path)).toBeUndefined();
    }
    expect(parseGitCommand("git-upload-pack 'alice/repo' extra").ok).toBe(false);
    expect(parseGitCommand("git-upload-pack 'alice/repo").ok).toBe(false);
    expect(parseGitCommand('git-upload-pack ' + 'a'.repeat(5000)).ok).toBe(false);
  });

  it('never throws on random input', () => {
    const chars = 'ab/.\'"\\ ~-_\n\t\u0000git-upload-pack';
    for (let i = 0; i < 2000; i++) {
      let s = '';
      const n = Math.floor(Math.random() * 40);
      for (let j = 0; j < n; j++) s += chars[Math.floor(Math.random() * chars.length)];
      const r = parseGitCommand(s);
      if (r.ok) {
        expect(r.command.owner).toMatch(/^[A-Za-z0-9_][A-Za-z0-9._-]*$/);
        expect(r.command.repo).not.toContain('/');
        expect([r.command.owner, r.command.repo]).not.toContain('..');
      }
    }
  });
});

describe('splitWords', () => {
  it('follows shell quoting', () => {
    expect(splitWords("a 'b c' d")).toEqual(['a', 'b c', 'd']);
    expect(splitWords("'a'\\''b'")).toEqual(["a'b"]);
    expect(splitWords('"a\\"b" c\\ d')).toEqual(['a"b', 'c d']);
    expect(splitWords("''")).toEqual(['']);
    expect(splitWords("'open")).toBeUndefined();
    expect(splitWords('"open')).toBeUndefined();
    expect(splitWords('trailing\\')).toBeUndefined();
  });
});
