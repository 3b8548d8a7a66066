/**
 * Test fixtures for the pure git model (common/git): scratch repositories driven through
 * the real `git` CLI, so codecs are checked against what git itself writes and accepts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';

const GIT = '/usr/bin/git';

/** A scratch directory with a `git` runner bound to it. */
export interface ScratchRepo {
  dir: string;
  /** Runs git in the repo; returns stdout bytes. Throws with stderr on non-zero exit. */
  git(args: string[], input?: Uint8Array | string): Uint8Array;
  /** Like `git` but returns trimmed UTF-8 text. */
  text(args: string[], input?: Uint8Array | string): string;
  /** Writes a file relative to the repo. */
  write(path: string, content: string | Uint8Array): void;
  /** Reads a file relative to the repo (e.g. a .git/objects/pack file). */
  read(path: string): Uint8Array;
  /** Lists a directory relative to the repo. */
  list(path: string): string[];
  /** Commits everything with a deterministic date `n` seconds after a fixed epoch. */
  commitAll(message: string, n?: number): string;
  remove(): void;
}

/** Environment making commits reproducible and ignoring the machine's git config. */
function gitEnv(n = 0): NodeJS.ProcessEnv {
  const date = `${1700000000 + n} +0100`;
  return {
    PATH: process.env.PATH,
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'Ada Lovelace',
    GIT_AUTHOR_EMAIL: 'ada@example.com',
    GIT_AUTHOR_DATE: date,
    GIT_COMMITTER_NAME: 'Charles Babbage',
    GIT_COMMITTER_EMAIL: 'charles@example.com',
    GIT_COMMITTER_DATE: date,
  };
}

/** Creates an empty repository (`git init`, branch main) in a new temp directory. */
export function scratchRepo(bare = false): ScratchRepo {
  const dir = mkdtempSync(join(tmpdir(), 'plue-git-model-'));
  const run = (args: string[], input?: Uint8Array | string, n = 0): Uint8Array => {
    const out = execFileSync(GIT, args, {
      cwd: dir,
      env: gitEnv(n),
      input,
      maxBuffer: 256 * 1024 * 1024,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  };
  run(bare ? ['init', '-q', '--bare', '-b', 'main'] : ['init', '-q', '-b', 'main']);
  return {
    dir,
    git: (args, input) => run(args, input),
    text: (args, input) => new TextDecoder().decode(run(args, input)).trim(),
    write(path, content) {
      const full = join(dir, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
    },
    read: (path) => new Uint8Array(readFileSync(join(dir, path))),
    list: (path) => readdirSync(join(dir, path)),
    commitAll(message, n = 0) {
      run(['add', '-A'], undefined, n);
      run(['commit', '-q', '--allow-empty', '-m', message], undefined, n);
      return new TextDecoder().decode(run(['rev-parse', 'HEAD'])).trim();
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Deterministic pseudo-random text lines (for files that delta well across revisions). */
export function textLines(seed: number, count: number): string[] {
  let x = seed >>> 0 || 1;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    lines.push(`line ${i} ${x.toString(36)} ${(x * 31).toString(16)}`);
  }
  return lines;
}

/**
 * A repository with `revisions` commits editing the same few files a little each time, so
 * `git pack-objects` produces long OFS/REF delta chains. Returns the repo and its commit ids.
 */
export function repoWithHistory(
  revisions: number,
  opts: { binary?: boolean } = {},
): {
  repo: ScratchRepo;
  commits: string[];
} {
  const repo = scratchRepo();
  const commits: string[] = [];
  const a = textLines(1, 300);
  const b = textLines(2, 120);
  for (let r = 0; r < revisions; r++) {
    a[(r * 37) % a.length] = `edited in revision ${r}`;
    a.splice((r * 11) % a.length, 0, `inserted ${r}`);
    b[(r * 5) % b.length] = `b${r}`;
    repo.write('src/a.txt', a.join('\n') + '\n');
    repo.write('src/nested/b.txt', b.join('\n') + '\n');
    repo.write(`notes/rev-${r % 4}.md`, `# revision ${r}\n`);
    if (opts.binary) {
      const bin = new Uint8Array(4096).map((_, i) => (i * 131 + r * (i % 7)) & 255);
      repo.write('bin/data.bin', bin);
    }
    commits.push(repo.commitAll(`revision ${r}\n\nbody of ${r}\n`, r));
  }
  return { repo, commits };
}

/** Runs `git pack-objects --stdout` over everything reachable from HEAD; returns the pack bytes. */
export function packAll(repo: ScratchRepo, extraArgs: string[] = []): Uint8Array {
  // "<oid> <path>" lines: pack-objects uses the path to group delta candidates.
  const revs = repo.text(['rev-list', '--objects', '--all']);
  return repo.git(['pack-objects', '--stdout', '-q', ...extraArgs], revs + '\n');
}

/** Runs `git index-pack` on `pack` in a scratch dir and returns the idx bytes git wrote. */
export function gitIndexPack(pack: Uint8Array): Uint8Array {
  const repo = scratchRepo(true);
  try {
    writeFileSync(join(repo.dir, 'in.pack'), pack);
    repo.git(['index-pack', '-o', join(repo.dir, 'in.idx'), join(repo.dir, 'in.pack')]);
    return repo.read('in.idx');
  } finally {
    repo.remove();
  }
}
