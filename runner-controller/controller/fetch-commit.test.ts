// The controller's own fetch (fetch-commit.ts): against git's own server (`git http-backend`) a
// commit and an annotated tag check out as `git fetch --depth 1` would leave them; the response
// reader takes answers in any chunking and refuses truncated, malformed and random ones.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePktLine } from '../../common/git/pkt-line';
import { startGitHttpBackend, type GitServer } from '../../scripts/git-http-backend';
import { fetchCommit, FetchProtocolError, readResponse } from './fetch-commit';

const root = mkdtempSync(join(tmpdir(), 'plue-fetch-commit-'));
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root, GIT_CONFIG_NOSYSTEM: '1' };
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@x', ...args], { cwd, env })
    .toString()
    .trim();

/** A fresh repository as workspace.ts makes it (what `git init` needs, nothing more). */
function emptyRepo(): string {
  const dir = mkdtempSync(join(root, 'ws-'));
  git(dir, 'init', '-q');
  return dir;
}

describe('fetchCommit against git http-backend', () => {
  let server: GitServer;
  let head = '';
  let tag = '';
  beforeAll(async () => {
    const work = join(root, 'work');
    mkdirSync(join(work, 'src'), { recursive: true });
    git(root, 'init', '-q', '-b', 'main', work);
    for (let i = 1; i <= 3; i++) {
      writeFileSync(join(work, 'src', `f${i}.txt`), `version ${i}\n`.repeat(200));
      writeFileSync(join(work, 'README.md'), `readme ${i}\n`);
      git(work, 'add', '.');
      git(work, 'commit', '-qm', `commit ${i}`);
    }
    head = git(work, 'rev-parse', 'HEAD');
    git(work, 'tag', '-a', 'v1', '-m', 'v1');
    tag = git(work, 'rev-parse', 'v1');
    mkdirSync(join(root, 'srv', 'alice'), { recursive: true });
    git(root, 'clone', '-q', '--bare', work, join(root, 'srv', 'alice', 'app.git'));
    server = await startGitHttpBackend(join(root, 'srv'));
  });
  afterAll(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const fetchInto = (dir: string, sha: string) =>
    fetchCommit({
      url: `${server.url}/alice/app.git`,
      authorization: 'Basic eDp5',
      sha,
      dir,
      env,
      signal: AbortSignal.timeout(30_000),
    });

  it('fetches one commit deep: checkout, shallow history and a clean status', async () => {
    const dir = emptyRepo();
    await fetchInto(dir, head);
    git(dir, 'checkout', '-q', '--detach', head);
    expect(readFileSync(join(dir, 'src', 'f3.txt'), 'utf8')).toBe('version 3\n'.repeat(200));
    expect(git(dir, 'log', '--format=%s')).toBe('commit 3');
    expect(readFileSync(join(dir, '.git', 'shallow'), 'utf8').trim()).toBe(head);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    git(dir, 'fsck', '--no-dangling');
  });

  it('fetches an annotated tag and checks out the commit it names', async () => {
    const dir = emptyRepo();
    await fetchInto(dir, tag);
    git(dir, 'checkout', '-q', '--detach', tag);
    expect(git(dir, 'rev-parse', 'HEAD')).toBe(head);
  });

  it("says what the server said about a commit it does not have (git fetch's to decide)", async () => {
    const dir = emptyRepo();
    const err = await fetchInto(dir, 'f'.repeat(40)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err)).toMatch(/not our ref|server said|HTTP/);
  });
});

/** A well-formed v2 fetch answer: shallow-info, then the pack over side-band 1 (and progress). */
function answer(pack: Uint8Array): Uint8Array {
  const band = (n: number, data: Uint8Array) =>
    encodePktLine(Buffer.concat([Buffer.from([n]), data]));
  return Buffer.concat([
    encodePktLine('shallow-info\n'),
    encodePktLine(`shallow ${'a'.repeat(40)}\n`),
    Buffer.from('0001'),
    encodePktLine('packfile\n'),
    band(2, Buffer.from('counting objects\n')),
    band(1, pack.subarray(0, 10)),
    band(1, pack.subarray(10)),
    Buffer.from('0000'),
  ]);
}

async function read(chunks: Uint8Array[]) {
  const got: Uint8Array[] = [];
  const shallow = await readResponse(
    (async function* () {
      yield* chunks;
    })(),
    async (d) => void got.push(Buffer.from(d)),
  );
  return { shallow, pack: Buffer.concat(got) };
}

describe('readResponse', () => {
  const pack = Buffer.from('PACK fake pack bytes for the reader, not indexed here');
  const whole = answer(pack);

  it('reads the shallow boundary and the pack, whatever the chunking', async () => {
    expect(await read([whole])).toEqual({ shallow: ['a'.repeat(40)], pack });
    const bytes = [...whole].map((b) => Uint8Array.of(b));
    expect(await read(bytes)).toEqual({ shallow: ['a'.repeat(40)], pack });
  });

  it('refuses every truncation of a good answer as unreadable', async () => {
    for (let n = 0; n < whole.length; n++) {
      const err = await read([whole.subarray(0, n)]).catch((e: unknown) => e);
      expect(err, `cut at ${n}`).toBeInstanceOf(FetchProtocolError);
    }
  });

  it("passes the server's own errors on as errors, not as unreadable answers", async () => {
    const err = await read([encodePktLine('ERR upload-pack: not our ref\n')]).catch((e) => e);
    expect(err).not.toBeInstanceOf(FetchProtocolError);
    expect(String(err)).toContain('not our ref');
    const band3 = Buffer.concat([
      encodePktLine('packfile\n'),
      encodePktLine(Buffer.concat([Buffer.from([3]), Buffer.from('disk full')])),
    ]);
    expect(String(await read([band3]).catch((e) => e))).toContain('disk full');
  });

  it('refuses random bytes and unknown sections without hanging', async () => {
    let seed = 11;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let i = 0; i < 200; i++) {
      const junk = Uint8Array.from({ length: 1 + (rnd() % 64) }, rnd);
      await expect(read([junk])).rejects.toThrow();
    }
    await expect(read([encodePktLine('acknowledgments\n')])).rejects.toThrow(FetchProtocolError);
  });
});
