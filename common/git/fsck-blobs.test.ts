import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { badSubmoduleName, badSubmoduleUrl, fsckGitattributes, fsckGitmodules } from './fsck-blobs';

const enc = new TextEncoder();

const MODULES: Array<[string, string]> = [
  ['plain', '[submodule "lib"]\n\tpath = lib\n\turl = https://example.com/lib.git\n'],
  ['relative url', '[submodule "lib"]\n\tpath = lib\n\turl = ../lib.git\n'],
  ['name with ..', '[submodule "../../hooks"]\n\tpath = x\n\turl = https://e.com/x\n'],
  ['name with backslash ..', '[submodule "a\\\\..\\\\b"]\n\tpath = x\n'],
  ['url as option', '[submodule "x"]\n\turl = --upload-pack=touch$IFS/tmp/pwned\n'],
  ['path as option', '[submodule "x"]\n\tpath = -x\n\turl = https://e.com/x\n'],
  ['update command', '[submodule "x"]\n\tpath = x\n\tupdate = !rm -rf /\n'],
  ['update rebase', '[submodule "x"]\n\tpath = x\n\tupdate = rebase\n'],
  ['url with encoded newline', '[submodule "x"]\n\turl = https://e.com/%0a/x\n'],
  ['relative url escaping', '[submodule "x"]\n\turl = ../../:e.com/x\n'],
  ['relative url escaping with /', '[submodule "x"]\n\turl = ./../../../x\n'],
  ['curl helper url with newline', '[submodule "x"]\n\turl = http::https://e.com/%0a\n'],
  ['quoted value with comment', '[submodule "x"]\n\tpath = "-x" ; comment\n'],
  ['old-style section', '[submodule.X]\n\tpath = -x\n'],
  ['other section', '[core]\n\tpath = -x\n'],
  ['continuation', '[submodule "x"]\n\tpath = a\\\n-b\n'],
  ['garbage', '[submodule "x"\n\turl = -x\n'],
  ['garbage after a bad var', '[submodule "x"]\n\turl = -x\n[[[\n'],
];

describe('fsckGitmodules agrees with git fsck --strict', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plue-fsck-blobs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function gitVerdict(content: string, n: number): Array<[string, string]> {
    const repo = join(dir, `r${n}`);
    spawnSync('git', ['init', '-q', '--bare', repo]);
    const blob = String(
      spawnSync('git', ['hash-object', '-w', '--stdin'], { cwd: repo, input: content }).stdout,
    ).trim();
    const tree = Buffer.concat([Buffer.from('100644 .gitmodules\0'), Buffer.from(blob, 'hex')]);
    spawnSync('git', ['hash-object', '-t', 'tree', '-w', '--stdin'], { cwd: repo, input: tree });
    const fsck = spawnSync('git', ['fsck', '--strict', '--no-dangling'], {
      cwd: repo,
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir, LANG: 'C' },
    });
    const text = String(fsck.stderr) + String(fsck.stdout);
    return [...text.matchAll(/^(error|warning) in blob [0-9a-f]{40}: (\w+):/gm)].map((m) => [
      m[1] as string,
      m[2] as string,
    ]);
  }

  MODULES.forEach(([what, content], n) => {
    it(what, () => {
      const ours = fsckGitmodules(enc.encode(content)).map((p): [string, string] => [
        p.error ? 'error' : 'warning',
        p.id,
      ]);
      expect(ours).toEqual(gitVerdict(content, n));
    });
  });
});

describe('fsck of config blobs on bad input', () => {
  it('answers truncations and random bytes without throwing', () => {
    for (const [, content] of MODULES) {
      const b = enc.encode(content);
      for (let n = 0; n <= b.length; n++)
        expect(() => fsckGitmodules(b.subarray(0, n))).not.toThrow();
    }
    let seed = 5;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    const alphabet = '[]"\\\n\t =;#.-!abcsubmodule';
    for (let i = 0; i < 3000; i++) {
      let s = '';
      for (let k = rand() % 80; k > 0; k--) s += alphabet[rand() % alphabet.length];
      expect(() => fsckGitmodules(enc.encode(s))).not.toThrow();
      const raw = Uint8Array.from({ length: rand() % 100 }, () => rand() & 0xff);
      expect(() => fsckGitmodules(raw)).not.toThrow();
      expect(() => fsckGitattributes(raw)).not.toThrow();
    }
  });

  it('refuses .gitattributes lines of 2048 bytes or more', () => {
    expect(fsckGitattributes(enc.encode(`*.c diff\n${'x'.repeat(2047)}\n`))).toEqual([]);
    expect(fsckGitattributes(enc.encode(`${'x'.repeat(2048)}\n`))[0]?.id).toBe(
      'gitattributesLineLength',
    );
  });

  it('names and urls', () => {
    expect(badSubmoduleName('a/../b')).toBe(true);
    expect(badSubmoduleName('a/..b')).toBe(false);
    expect(badSubmoduleName('')).toBe(true);
    expect(badSubmoduleUrl('git://h/%0a')).toBe(true);
    expect(badSubmoduleUrl('ssh://h/x')).toBe(false);
  });
});
