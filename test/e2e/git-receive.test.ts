/**
 * The receive (push) side of issue 15 with the real git client: ref names checked as
 * `git check-ref-format` does plus a length limit, fsck of incoming objects with git's message
 * ids and severities, pushes from shallow clones, and every refusal reaching the user as text git
 * prints (over HTTPS, and over SSH through the bridge).
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Bridge } from '../../ssh-bridge/server';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { remoteUrl } from '../helpers/git';
import { SshKit, startTestBridge } from '../helpers/ssh';
import { gitSuite } from './git-suite';

const base = inject('baseUrl');
const ZERO = '0'.repeat(40);
// The Worker's dev default from wrangler.toml [vars]; the e2e stack does not override it.

const pkt = (s: string) => `${(Buffer.byteLength(s) + 4).toString(16).padStart(4, '0')}${s}`;

/** A pack with no objects: header and SHA-1 trailer. */
function emptyPack(): Buffer {
  const head = Buffer.from('5041434b0000000200000000', 'hex');
  return Buffer.concat([head, createHash('sha1').update(head).digest()]);
}

/** Pkt-line payloads of a receive-pack response, side-band channel 1 unwrapped. */
function reportLines(body: Buffer): string[] {
  const out: string[] = [];
  let inner = Buffer.alloc(0);
  for (let at = 0; at + 4 <= body.length;) {
    const len = parseInt(body.subarray(at, at + 4).toString(), 16);
    if (len < 4) {
      at += 4;
      continue;
    }
    const data = body.subarray(at + 4, at + len);
    at += len;
    if (data[0] === 1) inner = Buffer.concat([inner, data.subarray(1)]);
    else if (data[0] !== 2 && data[0] !== 3) out.push(data.toString());
  }
  if (inner.length) out.push(...reportLines(inner));
  return out.map((l) => l.replace(/\n$/, ''));
}

describe('pushed ref names', () => {
  const suite = gitSuite(base);
  const { g } = suite;

  it('refuses names over 255 bytes with a readable ng, and later pushes and clones still work', async () => {
    await suite.alice.createRepo('longref');
    const url = remoteUrl(base, suite.alice.user.login, 'longref', suite.token);
    const src = await g.makeRepo('longref-src', 2);
    await g.ok(src, ['push', url, 'main']);
    const before = await g.ok(src, ['ls-remote', url]);

    const at256 = `refs/heads/${'b'.repeat(256 - 'refs/heads/'.length)}`;
    const over = await g.git(src, ['push', url, `HEAD:${at256}`]);
    expect(over.code).not.toBe(0);
    expect(over.stderr).toContain('[remote rejected]');
    expect(over.stderr).toContain('invalid ref name: 256 bytes long, the limit is 255');

    // ~65,000 characters, sent as a second command so it fits a pkt-line without capabilities:
    // before names were checked it was stored, and then the advertisement (capabilities on its
    // line) no longer fit a pkt-line, so every later push and `git push --delete` got HTTP 500.
    const huge = `refs/heads/${'a'.repeat(65_350)}`;
    const hugePush = await g.git(src, ['push', url, 'HEAD:refs/heads/zz', `HEAD:${huge}`]);
    expect(hugePush.code).not.toBe(0);
    expect(hugePush.stderr).toContain('* [new branch]      HEAD -> zz');
    expect(hugePush.stderr).toContain('invalid ref name: 65361 bytes long, the limit is 255');
    expect((await g.git(src, ['push', url, ':zz'])).code).toBe(0);

    // Exactly 255 bytes is allowed, fetched and deleted like any branch.
    const at255 = `refs/heads/${'c'.repeat(255 - 'refs/heads/'.length)}`;
    const ok = await g.git(src, ['push', url, `HEAD:${at255}`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await g.ok(src, ['ls-remote', url])).toContain(at255);
    expect((await g.git(src, ['push', url, `:${at255}`])).code).toBe(0);

    expect(await g.ok(src, ['ls-remote', url])).toBe(before);
    await g.commitFile(src, 'after.txt', 'after\n', 'after the long names');
    const later = await g.git(src, ['push', url, 'main']);
    expect(later.code, later.stderr).toBe(0);
    const dst = join(g.root, 'longref-clone');
    const clone = await g.git(g.root, ['clone', url, dst]);
    expect(clone.code, clone.stderr).toBe(0);
    expect((await g.git(dst, ['fsck', '--strict'])).code).toBe(0);
  });

  it('answers each name git check-ref-format refuses with its own ng line', async () => {
    await suite.alice.createRepo('funny');
    const url = remoteUrl(base, suite.alice.user.login, 'funny', suite.token);
    const src = await g.makeRepo('funny-src', 1);
    await g.ok(src, ['push', url, 'main']);
    const tip = (await g.ok(src, ['rev-parse', 'HEAD'])).trim();
    const bad: Array<[string, string]> = [
      ['refs/heads/a..b', 'contains ".."'],
      ['refs/heads/a b', 'contains a space'],
      ['refs/heads/a~1', 'contains "~"'],
      ['refs/heads/a^', 'contains "^"'],
      ['refs/heads/a:b', 'contains ":"'],
      ['refs/heads/a?', 'contains "?"'],
      ['refs/heads/a*', 'contains "*"'],
      ['refs/heads/a[', 'contains "["'],
      ['refs/heads/a\\b', 'contains "\\"'],
      ['refs/heads/tab\tx', 'contains a control character'],
      ['refs/heads/.hidden', 'has a component starting with "."'],
      ['refs/heads/x.lock', 'has a component ending in ".lock"'],
      ['refs/heads/x/', 'ends with "/"'],
      ['refs/heads/x.', 'ends with "."'],
      ['refs/heads/a@{1}', 'contains "@{"'],
      ['refs/heads//x', 'contains "//"'],
      ['@', 'must start with "refs/"'],
      ['heads/main2', 'must start with "refs/"'],
    ];
    const lines = bad.map(([ref], i) =>
      pkt(`${ZERO} ${tip} ${ref}${i === 0 ? '\0report-status' : ''}\n`),
    );
    const auth = `Basic ${Buffer.from(`x:${suite.token}`).toString('base64')}`;
    const res = await fetch(`${base}/${suite.alice.user.login}/funny.git/git-receive-pack`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-git-receive-pack-request' },
      // The objects are already there: an empty pack (header and checksum only) follows.
      body: Buffer.concat([Buffer.from(lines.join('') + '0000'), emptyPack()]),
    });
    expect(res.status).toBe(200);
    const report = reportLines(Buffer.from(await res.arrayBuffer()));
    expect(report[0]).toBe('unpack ok');
    for (const [ref, reason] of bad)
      expect(report).toContain(`ng ${ref} invalid ref name: ${reason}`);
    expect((await g.ok(src, ['ls-remote', url])).trim().split('\n')).toHaveLength(2);
  });
});

describe('pushes from shallow clones', () => {
  const suite = gitSuite(base);
  const { g } = suite;

  it('accepts a push from a --depth 1 clone; the repository stays complete', async () => {
    await suite.alice.createRepo('shallow');
    const url = remoteUrl(base, suite.alice.user.login, 'shallow', suite.token);
    const src = await g.makeRepo('shallow-src', 4);
    await g.ok(src, ['push', url, 'main']);
    const dir = join(g.root, 'shallow-clone');
    await g.ok(g.root, ['clone', '-q', '--depth', '1', url, dir]);
    const tip = await g.commitFile(dir, 'ci.txt', 'built\n', 'from a shallow clone');
    const push = await g.git(dir, ['push', 'origin', 'HEAD:main', 'HEAD:refs/heads/bot']);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).not.toContain('bad band');
    const full = join(g.root, 'shallow-full');
    await g.ok(g.root, ['clone', '-q', url, full]);
    expect((await g.ok(full, ['rev-parse', 'HEAD'])).trim()).toBe(tip);
    expect((await g.ok(full, ['rev-list', '--count', 'HEAD'])).trim()).toBe('5');
    expect((await g.git(full, ['fsck', '--strict'])).code).toBe(0);
  });

  it('refuses a shallow history the server cannot complete: "shallow update not allowed"', async () => {
    await suite.alice.createRepo('shallow-empty');
    await suite.alice.createRepo('shallow-origin');
    const origin = remoteUrl(base, suite.alice.user.login, 'shallow-origin', suite.token);
    const src = await g.makeRepo('shallow-origin-src', 3);
    await g.ok(src, ['push', origin, 'main']);
    const dir = join(g.root, 'shallow-origin-clone');
    await g.ok(g.root, ['clone', '-q', '--depth', '1', origin, dir]);
    const url = remoteUrl(base, suite.alice.user.login, 'shallow-empty', suite.token);
    const push = await g.git(dir, ['push', url, 'HEAD:main']);
    expect(push.code).not.toBe(0);
    expect(push.stderr).toContain('[remote rejected] HEAD -> main (shallow update not allowed)');
    expect((await g.ok(src, ['ls-remote', url])).trim()).toBe('');
  });
});

/** Writes a tree of raw entries with `git hash-object --literally`; returns its id. */
async function rawTree(
  env: NodeJS.ProcessEnv,
  dir: string,
  entries: Array<[mode: string, name: string, oid: string]>,
): Promise<string> {
  const body = Buffer.concat(
    entries.map(([mode, name, oid]) =>
      Buffer.concat([Buffer.from(`${mode} ${name}\0`), Buffer.from(oid, 'hex')]),
    ),
  );
  const { execFileSync } = await import('node:child_process');
  return execFileSync('git', ['hash-object', '-t', 'tree', '-w', '--literally', '--stdin'], {
    cwd: dir,
    input: body,
    env,
  })
    .toString()
    .trim();
}

describe('fsck of pushed objects', () => {
  const suite = gitSuite(base);
  const { g } = suite;
  let url: string;
  let src: string;
  let blob: string;
  let tip: string;
  beforeAll(async () => {
    await suite.alice.createRepo('fsck');
    url = remoteUrl(base, suite.alice.user.login, 'fsck', suite.token);
    src = await g.makeRepo('fsck-src', 1);
    await g.ok(src, ['push', url, 'main']);
    tip = (await g.ok(src, ['rev-parse', 'HEAD'])).trim();
    blob = (await g.ok(src, ['hash-object', '-w', '--stdin'], { input: 'payload\n' })).trim();
  });

  /** Commits `tree` on top of main and pushes it to `branch`; returns git's result. */
  async function pushTree(tree: string, branch: string) {
    const commit = (
      await g.ok(src, ['commit-tree', tree, '-p', tip, '-m', `tree ${branch}`])
    ).trim();
    return g.git(src, ['push', url, `${commit}:refs/heads/${branch}`]);
  }

  it('refuses trees git fsck refuses, naming git message ids, and changes no ref', async () => {
    const before = await g.ok(src, ['ls-remote', url]);
    const sub = await rawTree(g.env(), src, [['100644', 'f', blob]]);
    const cases: Array<[string, Array<[string, string, string]>, string]> = [
      ['dotgit', [['40000', '.git', sub]], "hasDotgit: contains '.git'"],
      ['dotgit-ntfs', [['40000', 'GIT~1', sub]], "hasDotgit: contains '.git'"],
      ['dotgit-case', [['100644', '.GIT', blob]], "hasDotgit: contains '.git'"],
      ['dotdot', [['40000', '..', sub]], "hasDotdot: contains '..'"],
      ['dot', [['40000', '.', sub]], "hasDot: contains '.'"],
      [
        'dup',
        [
          ['100644', 'a', blob],
          ['100644', 'a', blob],
        ],
        'duplicateEntries',
      ],
      [
        'unsorted',
        [
          ['100644', 'b', blob],
          ['100644', 'a', blob],
        ],
        'treeNotSorted',
      ],
      ['zero-pad', [['040000', 'd', sub]], 'zeroPaddedFilemode'],
      ['gitmodules-link', [['120000', '.gitmodules', blob]], 'gitmodulesSymlink'],
    ];
    for (const [branch, entries, text] of cases) {
      const tree = await rawTree(g.env(), src, entries);
      const r = await pushTree(tree, branch);
      expect(r.code, branch).not.toBe(0);
      expect(r.stderr, branch).toContain(`remote unpack failed: object ${tree}: ${text}`);
      expect(r.stderr, branch).toContain(`[remote rejected] `);
    }
    // Nested: the bad tree sits below a good one; the whole push is refused.
    const inner = await rawTree(g.env(), src, [['40000', '.git', sub]]);
    const outer = await rawTree(g.env(), src, [['40000', 'nested', inner]]);
    const nested = await pushTree(outer, 'nested');
    expect(nested.stderr).toContain(`object ${inner}: hasDotgit`);
    expect(await g.ok(src, ['ls-remote', url])).toBe(before);
  });

  it('refuses .gitmodules that git fsck refuses, wherever the blob sits in the pack', async () => {
    const bad = (
      await g.ok(src, ['hash-object', '-w', '--stdin'], {
        input: '[submodule "x"]\n\tpath = x\n\turl = --upload-pack=touch$IFS/tmp/owned\n',
      })
    ).trim();
    const tree = await rawTree(g.env(), src, [['100644', '.gitmodules', bad]]);
    const r = await pushTree(tree, 'modules');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`remote unpack failed: object ${bad}: gitmodulesUrl`);
    const attrs = (
      await g.ok(src, ['hash-object', '-w', '--stdin'], { input: `${'x'.repeat(3000)}\n` })
    ).trim();
    const t2 = await rawTree(g.env(), src, [['100644', '.gitattributes', attrs]]);
    const r2 = await pushTree(t2, 'attrs');
    expect(r2.stderr).toContain(`object ${attrs}: gitattributesLineLength`);
  });

  it('refuses bad commits and tags with git message ids', async () => {
    const tree = (await g.ok(src, ['rev-parse', 'HEAD^{tree}'])).trim();
    const write = async (type: string, body: string) =>
      (
        await g.ok(src, ['hash-object', '-t', type, '-w', '--literally', '--stdin'], {
          input: body,
        })
      ).trim();
    const badTz = await write(
      'commit',
      `tree ${tree}\nparent ${tip}\nauthor A <a@b> 1700000000 +01\ncommitter A <a@b> 1700000000 +0100\n\nbad zone\n`,
    );
    const r1 = await g.git(src, ['push', url, `${badTz}:refs/heads/badtz`]);
    expect(r1.stderr).toContain(`remote unpack failed: object ${badTz}: badTimezone`);
    const badEmail = await write(
      'commit',
      `tree ${tree}\nparent ${tip}\nauthor A <a@b> 1700000000 +0100\ncommitter A a@b> 1700000000 +0100\n\nbad email\n`,
    );
    const r2 = await g.git(src, ['push', url, `${badEmail}:refs/heads/bademail`]);
    expect(r2.stderr).toContain(`object ${badEmail}: badName`);
    const badTag = await write(
      'tag',
      `object ${tip}\ntype commit\ntag v1\ntagger T <t@x> 01 +0000\n\nzero-padded date\n`,
    );
    const r3 = await g.git(src, ['push', url, `${badTag}:refs/tags/bad`]);
    expect(r3.stderr).toContain(`object ${badTag}: zeroPaddedDate`);
  });

  it('accepts what git only warns about, showing the warning', async () => {
    const tagNoTagger = (
      await g.ok(src, ['hash-object', '-t', 'tag', '-w', '--literally', '--stdin'], {
        input: `object ${tip}\ntype commit\ntag old\n\nan early tag without a tagger\n`,
      })
    ).trim();
    const r = await g.git(src, ['push', url, `${tagNoTagger}:refs/tags/old`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`remote: warning: object ${tagNoTagger}: missingTaggerEntry`);
    const mode664 = await rawTree(g.env(), src, [['100664', 'group-writable', blob]]);
    const m = await pushTree(mode664, 'mode664');
    expect(m.code, m.stderr).toBe(0);
    expect(m.stderr).toContain(`warning: object ${mode664}: badFilemode`);
    const dst = join(g.root, 'fsck-clone');
    const clone = await g.git(g.root, ['clone', '-q', url, dst]);
    expect(clone.code, clone.stderr).toBe(0);
  });
});

describe('refusals reach the user as text git prints', () => {
  const suite = gitSuite(base);
  const { g } = suite;

  it('missing objects: a pack that leaves out history the server lacks', async () => {
    await suite.alice.createRepo('missing');
    const url = remoteUrl(base, suite.alice.user.login, 'missing', suite.token);
    const src = await g.makeRepo('missing-src', 1);
    await g.ok(src, ['push', url, 'main']);
    const p = await g.commitFile(src, 'p.txt', 'p\n', 'parent the server never gets');
    const n = await g.commitFile(src, 'n.txt', 'n\n', 'child');
    // A graft hides the parent from the client's pack-objects: the pack holds the child only.
    writeFileSync(join(src, '.git', 'info', 'grafts'), `${n}\n`);
    // --force: with the graft, main no longer descends from the server's main.
    const r = await g.git(src, ['push', '--force', url, 'main']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`remote unpack failed: missing necessary objects (${p}`);
    expect(r.stderr).toContain('[remote rejected] main -> main (unpacker error)');
  });

  it('stale info: the ref moved between the advertisement and the push', async () => {
    await suite.alice.createRepo('stale');
    const url = remoteUrl(base, suite.alice.user.login, 'stale', suite.token);
    const src = await g.makeRepo('stale-src', 1);
    await g.ok(src, ['push', url, 'main']);
    const other = join(g.root, 'stale-other');
    await g.ok(g.root, ['clone', '-q', url, other]);
    const moved = await g.commitFile(other, 'o.txt', 'o\n', 'moved meanwhile');
    await g.commitFile(src, 's.txt', 's\n', 'based on the advertised tip');
    // git runs pre-push after reading the advertisement and before sending the commands: the
    // other clone's push lands exactly in between.
    const hook = join(src, '.git', 'hooks', 'pre-push');
    writeFileSync(
      hook,
      `#!/bin/sh\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\ncd '${other}' && git push -q origin main\n`,
      { mode: 0o755 },
    );
    const r = await g.git(src, ['push', url, 'main']);
    expect(r.code).not.toBe(0);
    // git words the server's `ng refs/heads/main stale info` as a rejection of its own kind (it
    // checks leases only with --force-with-lease, so this came from the server).
    expect(r.stderr).toMatch(/! \[rejected\] +main -> main \(stale info\)/);
    expect((await g.ok(src, ['ls-remote', url, 'refs/heads/main'])).split('\t')[0]).toBe(moved);
  });

  it('a request git cannot have meant is refused on band 3 when side-band was asked for', async () => {
    await suite.alice.createRepo('band3');
    const auth = `Basic ${Buffer.from(`x:${suite.token}`).toString('base64')}`;
    const res = await fetch(`${base}/${suite.alice.user.login}/band3.git/git-receive-pack`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-git-receive-pack-request' },
      body:
        pkt(`${ZERO} ${'a'.repeat(40)} refs/heads/x\0report-status side-band-64k\n`) +
        pkt('nonsense\n') +
        '0000',
    });
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.subarray(4, 5)[0]).toBe(3);
    expect(body.toString()).toContain('malformed receive-pack command');
    expect(body.toString()).not.toMatch(/^....ERR/);
  });
});

describe('refusals over SSH', () => {
  const kit = new SshKit();
  let bridge: Bridge;
  let alice: SignUp;
  beforeAll(async () => {
    alice = await signUp(base);
    const key = await kit.keygen('alice');
    const res = await fetch(`${base}/api/v1/user/keys`, {
      method: 'POST',
      headers: alice.headers,
      body: JSON.stringify({ title: 'test', key: key.publicLine }),
    });
    expect(res.status).toBe(201);
    await alice.createRepo('ssh-refusals');
    bridge = await startTestBridge(kit, base);
    opts = { port: bridge.port, key };
  }, 60_000);
  let opts: Parameters<SshKit['git']>[2];
  afterAll(async () => {
    await bridge?.close();
    kit.cleanup();
  });

  it('shows fsck, ref name and shallow refusals as git prints them', async () => {
    const url = `ssh://git@127.0.0.1:${bridge.port}/${alice.user.login}/ssh-refusals.git`;
    const src = await kit.makeRepo('ssh-src', 2);
    await kit.gitOk(src, ['push', url, 'main'], opts);
    writeFileSync(join(kit.root, 'payload'), 'payload\n');
    const blob = (await kit.gitOk(src, ['hash-object', '-w', join(kit.root, 'payload')])).trim();
    const tree = await rawTree(kit.env(), src, [['100644', '.git', blob]]);
    const commit = (await kit.gitOk(src, ['commit-tree', tree, '-p', 'HEAD', '-m', 'x'])).trim();
    const fsck = await kit.git(src, ['push', url, `${commit}:refs/heads/dotgit`], opts);
    expect(fsck.code).not.toBe(0);
    expect(fsck.stderr).toContain(
      `remote unpack failed: object ${tree}: hasDotgit: contains '.git'`,
    );

    const long = `refs/heads/${'n'.repeat(300)}`;
    const name = await kit.git(src, ['push', url, `HEAD:${long}`], opts);
    expect(name.code).not.toBe(0);
    expect(name.stderr).toContain('(invalid ref name: 311 bytes long, the limit is 255)');

    const shallow = join(kit.root, 'ssh-shallow');
    await kit.gitOk(kit.root, ['clone', '-q', '--depth', '1', url, shallow], opts);
    await kit.commit(shallow, 'bot.txt', 'bot\n', 'from a shallow clone over SSH');
    const push = await kit.git(shallow, ['push', 'origin', 'HEAD:main'], opts);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stderr).not.toContain('bad band');
  });
});
