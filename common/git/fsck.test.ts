import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firstError, formatProblem, fsckObject, type FsckProblem } from './fsck';

type Kind = 'commit' | 'tree' | 'tag';

const enc = new TextEncoder();
const OID = 'a'.repeat(40);
const RAW_OID = new Uint8Array(20).fill(0xaa);

function entry(mode: string, name: string | Uint8Array, oid: Uint8Array = RAW_OID): Uint8Array {
  const n = typeof name === 'string' ? enc.encode(name) : name;
  const head = enc.encode(`${mode} `);
  const out = new Uint8Array(head.length + n.length + 1 + oid.length);
  out.set(head);
  out.set(n, head.length);
  out.set(oid, head.length + n.length + 1);
  return out;
}

function tree(...entries: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(entries.reduce((s, e) => s + e.length, 0));
  let at = 0;
  for (const e of entries) {
    out.set(e, at);
    at += e.length;
  }
  return out;
}

const ID = 'A U Thor <author@example.com> 1700000000 +0100';
const commit = (headers: string, message = '\nmessage\n') => enc.encode(`${headers}${message}`);
const goodCommit = (over: Partial<Record<'tree' | 'author' | 'committer', string>> = {}) =>
  commit(
    `tree ${over.tree ?? OID}\nparent ${OID}\nauthor ${over.author ?? ID}\ncommitter ${over.committer ?? ID}\n`,
  );
const tag = (text: string) => enc.encode(text);

type Verdict = Array<[string, string]>;

/**
 * Cases: [description, type, body, expected verdict]. Without an expected verdict, git's own
 * `git fsck --strict` is the oracle. Commits and tags carry one written from fsck.c instead: git's
 * object parser refuses most of them ("bogus commit object") before its fsck runs; the
 * largePathname check is newer than the git on this machine.
 */
const CASES: Array<[string, Kind, Uint8Array, Verdict?]> = [
  ['a plain tree', 'tree', tree(entry('100644', 'a'), entry('40000', 'b'), entry('100755', 'c'))],
  ['.git', 'tree', tree(entry('40000', '.git'))],
  ['.GIT', 'tree', tree(entry('100644', '.GIT'))],
  ['.git with trailing dots and spaces (NTFS)', 'tree', tree(entry('100644', '.git. . .'))],
  ['git~1 (NTFS short name)', 'tree', tree(entry('40000', 'GIT~1'))],
  ['.git::$INDEX_ALLOCATION', 'tree', tree(entry('40000', '.git::$INDEX_ALLOCATION'))],
  ['.g\u200cit (HFS+ ignorable)', 'tree', tree(entry('40000', '.g\u200cit'))],
  ['.git\uFEFF (HFS+ ignorable)', 'tree', tree(entry('40000', '.git\uFEFF'))],
  ['a\\.git (NTFS backslash)', 'tree', tree(entry('100644', 'a\\.git'))],
  ['.gitx is fine', 'tree', tree(entry('100644', '.gitx'))],
  ['git~2 is fine', 'tree', tree(entry('100644', 'git~2'))],
  ['..', 'tree', tree(entry('40000', '..'))],
  ['.', 'tree', tree(entry('40000', '.'))],
  ['a/b', 'tree', tree(entry('100644', 'a/b'))],
  ['empty name', 'tree', tree(entry('100644', ''))],
  ['zero-padded mode', 'tree', tree(entry('040000', 'd'))],
  ['mode 100664 (warns)', 'tree', tree(entry('100664', 'f'))],
  ['mode 100600 (warns)', 'tree', tree(entry('100600', 'f'))],
  ['mode with a non-octal digit', 'tree', tree(entry('10064x', 'f'))],
  ['mode of no known kind', 'tree', tree(entry('70000', 'f'))],
  ['duplicate entries', 'tree', tree(entry('100644', 'a'), entry('100644', 'a'))],
  ['file and directory of one name', 'tree', tree(entry('100644', 'a'), entry('40000', 'a'))],
  [
    'file and directory separated by others',
    'tree',
    tree(entry('100644', 'foo'), entry('100644', 'foo.bar'), entry('40000', 'foo')),
  ],
  ['unsorted entries', 'tree', tree(entry('100644', 'b'), entry('100644', 'a'))],
  ['directory sorts after a.c', 'tree', tree(entry('100644', 'a.c'), entry('40000', 'a'))],
  ['null sha1', 'tree', tree(entry('100644', 'a', new Uint8Array(20)))],
  ['.gitmodules symlink', 'tree', tree(entry('120000', '.gitmodules'))],
  ['.gitignore symlink (info)', 'tree', tree(entry('120000', '.gitignore'))],
  ['.mailmap symlink (info)', 'tree', tree(entry('120000', '.mailmap'))],
  ['GITMOD~1 symlink', 'tree', tree(entry('120000', 'GITMOD~1'))],
  ['truncated entry', 'tree', tree(entry('100644', 'a')).subarray(0, 20)],
  [
    'excessively large name',
    'tree',
    tree(entry('100644', 'n'.repeat(4097))),
    [['error', 'largePathname']],
  ],

  ['a plain commit', 'commit', goodCommit(), []],
  [
    'a root commit with gpgsig and change-id',
    'commit',
    commit(
      `tree ${OID}\nauthor ${ID}\ncommitter ${ID}\nchange-id zzzzkkkkzzzzkkkkzzzzkkkkzzzzkkkk\ngpgsig -----BEGIN-----\n abc\n -----END-----\n`,
    ),
    [],
  ],
  ['no tree', 'commit', commit(`author ${ID}\ncommitter ${ID}\n`), [['error', 'missingTree']]],
  ['bad tree id', 'commit', goodCommit({ tree: 'xyz' }), [['error', 'badTreeSha1']]],
  ['upper-case tree id', 'commit', goodCommit({ tree: 'A'.repeat(40) }), []],
  [
    'bad parent',
    'commit',
    commit(`tree ${OID}\nparent 1234\nauthor ${ID}\ncommitter ${ID}\n`),
    [['error', 'badParentSha1']],
  ],
  ['no author', 'commit', commit(`tree ${OID}\ncommitter ${ID}\n`), [['error', 'missingAuthor']]],
  [
    'two authors',
    'commit',
    commit(`tree ${OID}\nauthor ${ID}\nauthor ${ID}\ncommitter ${ID}\n`),
    [['error', 'multipleAuthors']],
  ],
  [
    'no committer',
    'commit',
    commit(`tree ${OID}\nauthor ${ID}\n`),
    [['error', 'missingCommitter']],
  ],
  [
    'missing email',
    'commit',
    goodCommit({ author: 'A U Thor 1700000000 +0000' }),
    [['error', 'missingEmail']],
  ],
  [
    'name before email missing',
    'commit',
    goodCommit({ author: '<a@b> 1700000000 +0000' }),
    [['error', 'missingNameBeforeEmail']],
  ],
  [
    'no space before email',
    'commit',
    goodCommit({ author: 'Name<a@b> 1700000000 +0000' }),
    [['error', 'missingSpaceBeforeEmail']],
  ],
  [
    'bad name',
    'commit',
    goodCommit({ author: 'Na>me <a@b> 1700000000 +0000' }),
    [['error', 'badName']],
  ],
  [
    'bad email',
    'commit',
    goodCommit({ author: 'Name <a<b> 1700000000 +0000' }),
    [['error', 'badEmail']],
  ],
  [
    'no space before date',
    'commit',
    goodCommit({ author: 'Name <a@b>1700000000 +0000' }),
    [['error', 'missingSpaceBeforeDate']],
  ],
  [
    'bad date',
    'commit',
    goodCommit({ committer: 'Name <a@b> soon +0000' }),
    [['error', 'badDate']],
  ],
  [
    'zero-padded date',
    'commit',
    goodCommit({ committer: 'Name <a@b> 0170 +0000' }),
    [['error', 'zeroPaddedDate']],
  ],
  ['date zero', 'commit', goodCommit({ committer: 'Name <a@b> 0 +0000' }), []],
  [
    'date overflow',
    'commit',
    goodCommit({ committer: 'Name <a@b> 99999999999999999999 +0000' }),
    [['error', 'badDateOverflow']],
  ],
  [
    'bad time zone',
    'commit',
    goodCommit({ committer: 'Name <a@b> 1700000000 +01' }),
    [['error', 'badTimezone']],
  ],
  [
    'time zone without sign',
    'commit',
    goodCommit({ committer: 'Name <a@b> 1700000000 0100' }),
    [['error', 'badTimezone']],
  ],
  [
    'extra spaces before date',
    'commit',
    goodCommit({ committer: 'Name <a@b>   1700000000 +0100' }),
    [],
  ],
  ['empty name and email', 'commit', goodCommit({ committer: ' <> 1700000000 +0100' }), []],
  [
    'NUL in header',
    'commit',
    commit(`tree ${OID}\nauthor ${ID}\0\ncommitter ${ID}\n`),
    [['error', 'nulInHeader']],
  ],
  [
    'NUL in message',
    'commit',
    commit(`tree ${OID}\nauthor ${ID}\ncommitter ${ID}\n`, '\nmsg\0x\n'),
    [['error', 'nulInCommit']],
  ],
  [
    'unterminated header',
    'commit',
    enc.encode(`tree ${OID}\nauthor ${ID}\ncommitter ${ID}`),
    [['error', 'unterminatedHeader']],
  ],
  ['empty commit', 'commit', new Uint8Array(0), [['error', 'unterminatedHeader']]],

  ['a plain tag', 'tag', tag(`object ${OID}\ntype commit\ntag v1\ntagger ${ID}\n\nrelease\n`), []],
  [
    'tag without tagger (info)',
    'tag',
    tag(`object ${OID}\ntype commit\ntag v1\n\nold\n`),
    [['warning', 'missingTaggerEntry']],
  ],
  [
    'tag with a bad name (info)',
    'tag',
    tag(`object ${OID}\ntype commit\ntag a..b\ntagger ${ID}\n\nx\n`),
    [['warning', 'badTagName']],
  ],
  [
    'tag without object',
    'tag',
    tag(`type commit\ntag v1\ntagger ${ID}\n\nx\n`),
    [['error', 'missingObject']],
  ],
  [
    'tag with a bad object id',
    'tag',
    tag(`object 123\ntype commit\ntag v1\ntagger ${ID}\n\nx\n`),
    [['error', 'badObjectSha1']],
  ],
  [
    'tag without type',
    'tag',
    tag(`object ${OID}\ntag v1\ntagger ${ID}\n\nx\n`),
    [['error', 'missingTypeEntry']],
  ],
  [
    'tag with a bad type',
    'tag',
    tag(`object ${OID}\ntype thing\ntag v1\ntagger ${ID}\n\nx\n`),
    [['error', 'badType']],
  ],
  [
    'tag without tag line',
    'tag',
    tag(`object ${OID}\ntype commit\ntagger ${ID}\n\nx\n`),
    [['error', 'missingTagEntry']],
  ],
  [
    'tag with a bad tagger',
    'tag',
    tag(`object ${OID}\ntype commit\ntag v1\ntagger nobody\n\nx\n`),
    [['error', 'missingEmail']],
  ],
  [
    'tag with extra headers (ignored)',
    'tag',
    tag(`object ${OID}\ntype commit\ntag v1\ntagger ${ID}\nfoo bar\n\nx\n`),
    [],
  ],
  [
    'tag with gpgsig header',
    'tag',
    tag(`object ${OID}\ntype commit\ntag v1\ntagger ${ID}\ngpgsig x\n y\n\nx\n`),
    [],
  ],
];

describe('fsckObject agrees with git fsck --strict', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plue-fsck-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** git's verdict: message ids with "error"/"warning", from `git fsck --strict` on one object. */
  function gitVerdict(type: Kind, body: Uint8Array, n: number): Array<[string, string]> {
    const repo = join(dir, `r${n}`);
    spawnSync('git', ['init', '-q', '--bare', repo]);
    const hash = spawnSync('git', ['hash-object', '-t', type, '-w', '--literally', '--stdin'], {
      cwd: repo,
      input: body,
    });
    expect(hash.status, String(hash.stderr)).toBe(0);
    const fsck = spawnSync('git', ['fsck', '--strict', '--no-dangling'], {
      cwd: repo,
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir, LANG: 'C' },
    });
    const text = String(fsck.stderr) + String(fsck.stdout);
    const out: Array<[string, string]> = [];
    for (const m of text.matchAll(/^(error|warning) in \w+ [0-9a-f]{40}: (\w+):/gm))
      out.push([m[1] as string, m[2] as string]);
    return out;
  }

  CASES.forEach(([what, type, body, expected], n) => {
    it(`${type}: ${what}`, () => {
      const ours = fsckObject(type, body);
      const theirs = expected ?? gitVerdict(type, body, n);
      const verdict = (p: FsckProblem): [string, string] => [p.error ? 'error' : 'warning', p.id];
      if (what.includes('no known kind')) {
        // git warns (it reads the entry as a blob); Plue refuses what it cannot store.
        expect(theirs).toEqual([['warning', 'badFilemode']]);
        expect(ours.map(verdict)).toEqual([['error', 'badFilemode']]);
        return;
      }
      expect(ours.map(verdict)).toEqual(theirs);
    });
  });
});

describe('fsckObject on bad input', () => {
  const valid: Array<[Kind, Uint8Array]> = CASES.filter(([w]) => w.startsWith('a plain')).map(
    ([, t, b]) => [t, b],
  );

  it('answers every truncation of valid objects without throwing', () => {
    for (const [type, body] of valid) {
      for (let n = 0; n < body.length; n++) {
        expect(() => fsckObject(type, body.subarray(0, n))).not.toThrow();
      }
      expect(firstError(fsckObject(type, body))).toBeUndefined();
    }
    // A commit cut before its message loses its final LF or a field: always refused.
    for (const [type, body] of valid.filter(([t]) => t === 'commit')) {
      for (let n = 1; n < body.length - 9; n++)
        expect(firstError(fsckObject(type, body.subarray(0, n))), `${type} ${n}`).toBeDefined();
    }
  });

  it('answers random bytes without throwing', () => {
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    for (let i = 0; i < 3000; i++) {
      const b = new Uint8Array(rand() % 200);
      for (let k = 0; k < b.length; k++) b[k] = rand() & 0xff;
      for (const type of ['tree', 'commit', 'tag', 'blob'] as const)
        expect(() => fsckObject(type, b)).not.toThrow();
    }
  });

  it('answers oversized bodies without throwing', () => {
    const big = tree(
      ...Array.from({ length: 20_000 }, (_, i) =>
        entry('100644', `f${String(i).padStart(6, '0')}`),
      ),
    );
    expect(fsckObject('tree', big)).toEqual([]);
    expect(() => fsckObject('commit', new Uint8Array(1 << 20).fill(0x61))).not.toThrow();
  });

  it('words a problem as git does', () => {
    const [p] = fsckObject('tree', tree(entry('40000', '.git')));
    expect(formatProblem(OID, p as FsckProblem)).toBe(`object ${OID}: hasDotgit: contains '.git'`);
  });
});
