/**
 * What a server looks like from outside after a step, and how two such views differ: the refs
 * (`git ls-remote`), a fresh bare clone (with `transfer.fsckObjects`, so index-pack is strict and
 * refuses an object sent twice), `git fsck --strict` of it, `git rev-list --objects --all`, every
 * object the clone holds (`cat-file --batch-all-objects`: anything beyond the reachable set was
 * sent needlessly, e.g. a deleted branch's commits) and the pack's own entry count (more entries
 * than distinct objects means the server sent duplicates). Also the incremental view: a
 * long-lived clone fetched into with pruning, its refs, fsck and reachable objects.
 */
import { readdirSync, openSync, readSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import type { GitResult, GitSandbox } from '../git';
import { indent, type Side, type SideName } from './world';

export interface CloneView {
  /** `oid\tref` lines as `ls-remote --symref` prints them, sorted (HEAD, peeled tags). */
  refs: string[];
  clone: { code: number; stderr: string };
  /** The protocol the clone spoke (undefined when read from the served repository). */
  protocol?: Protocol;
  fsck?: { code: number; output: string };
  /** Reachable object ids, sorted. */
  reachable?: string[];
  /** Every object id present in the clone, sorted. */
  present?: string[];
  /** Sum of the entry counts in the clone's pack headers, and loose objects. */
  packEntries?: number;
  /** Milliseconds for the clone, and for the checks after it. */
  ms: { clone: number; checks: number };
}

export interface FetchView {
  fetch: { code: number; stderr: string };
  refs: string[];
  fsck: { code: number; output: string };
  reachable: string[];
}

const REF_FORMAT = '%(objectname)%09%(refname)%0a%(*objectname)%09%(refname)^{}';
/** Git protocol versions a clone or fetch may speak (v0 and v1 differ only in a version line). */
export type Protocol = 0 | 1 | 2;

const cloneConfig = (protocol: Protocol) => [
  '-c',
  'transfer.fsckObjects=true',
  '-c',
  `protocol.version=${protocol}`,
];

function lines(s: string): string[] {
  return s
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .sort();
}

/** Reads the object count from each pack header in a repository's objects/pack. */
function countPackEntries(gitDir: string): number {
  const dir = join(gitDir, 'objects', 'pack');
  let total = 0;
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const n of names.filter((x) => x.endsWith('.pack'))) {
    const fd = openSync(join(dir, n), 'r');
    try {
      const head = Buffer.alloc(12);
      readSync(fd, head, 0, 12, 0);
      total += head.readUInt32BE(8);
    } finally {
      closeSync(fd);
    }
  }
  return total;
}

/**
 * A fresh clone of one server and its checks. The refs are read from the clone (what the server
 * advertised: refs, peeled tags, HEAD and where it points, as `ls-remote --symref` prints them);
 * only when the clone fails does a separate ls-remote ask for them.
 */
export async function viewByClone(
  g: GitSandbox,
  side: Side,
  dir: string,
  protocol: Protocol = 2,
): Promise<CloneView> {
  const t0 = Date.now();
  const clone = await g.git(g.root, [
    ...cloneConfig(protocol),
    'clone',
    '--bare',
    '-q',
    side.url,
    dir,
  ]);
  const t1 = Date.now();
  if (clone.code !== 0) {
    const ls = await g.git(g.root, ['ls-remote', '--symref', side.url]);
    return {
      refs:
        ls.code === 0 ? lines(ls.stdout) : [`ls-remote failed (${ls.code}): ${ls.stderr.trim()}`],
      clone: { code: clone.code, stderr: clone.stderr.trim() },
      protocol,
      ms: { clone: t1 - t0, checks: Date.now() - t1 },
    };
  }
  const [refs, head, symref, fsck, reachable, present, loose] = await Promise.all([
    g.ok(dir, ['for-each-ref', `--format=${REF_FORMAT}`]),
    g.git(dir, ['rev-parse', '-q', '--verify', 'HEAD']),
    g.git(dir, ['symbolic-ref', '-q', 'HEAD']),
    g.git(dir, ['fsck', '--strict', '--no-progress']),
    g.ok(dir, ['rev-list', '--objects', '--all']),
    g.ok(dir, ['cat-file', '--batch-all-objects', '--batch-check=%(objectname)']),
    g.ok(dir, ['count-objects']),
  ]);
  return {
    refs: refLines(refs, head, symref),
    clone: { code: 0, stderr: clone.stderr.trim() },
    protocol,
    fsck: { code: fsck.code, output: `${fsck.stdout}${fsck.stderr}`.trim() },
    reachable: [...new Set(lines(reachable).map((l) => l.slice(0, 40)))].sort(),
    present: lines(present),
    packEntries: countPackEntries(dir) + Number(/^(\d+) objects/.exec(loose)?.[1] ?? 0),
    ms: { clone: t1 - t0, checks: Date.now() - t1 },
  };
}

/**
 * What a fresh clone of git's own server would hold, read from the repository it serves: its refs
 * and everything reachable from them (git's upload-pack sends exactly that to a full clone). Much
 * cheaper than a clone through http-backend on a busy machine; a real clone still runs every few
 * steps (see run.ts) so the stand-in stays honest.
 */
export async function viewServed(g: GitSandbox, served: string): Promise<CloneView> {
  const t0 = Date.now();
  const [refs, head, symref, reachable] = await Promise.all([
    g.ok(served, ['for-each-ref', `--format=${REF_FORMAT}`]),
    g.git(served, ['rev-parse', '-q', '--verify', 'HEAD']),
    g.git(served, ['symbolic-ref', '-q', 'HEAD']),
    g.ok(served, ['rev-list', '--objects', '--all']),
  ]);
  const objects = [...new Set(lines(reachable).map((l) => l.slice(0, 40)))].sort();
  return {
    refs: refLines(refs, head, symref),
    clone: { code: 0, stderr: '' },
    fsck: { code: 0, output: '' },
    reachable: objects,
    present: objects,
    packEntries: objects.length,
    ms: { clone: 0, checks: Date.now() - t0 },
  };
}

/** ls-remote --symref style lines from for-each-ref output and HEAD. */
function refLines(refs: string, head: GitResult, symref: GitResult): string[] {
  // Unpeeled refs print an empty peeled line, trimmed to a bare `ref^{}`.
  const out = lines(refs).filter((l) => /^[0-9a-f]{40}\t/.test(l));
  if (head.code === 0) out.push(`${head.stdout.trim()}\tHEAD`);
  if (symref.code === 0) out.push(`ref: ${symref.stdout.trim()}\tHEAD`);
  return out.sort();
}

/** Fetches into a side's long-lived clone (pruning deleted refs) and reads it back. */
export async function viewByFetch(
  g: GitSandbox,
  side: Side,
  protocol: Protocol = 2,
): Promise<FetchView> {
  const dir = side.longClone;
  const fetch = await g.git(dir, [
    ...cloneConfig(protocol),
    '-c',
    'fetch.unpackLimit=1',
    'fetch',
    '-q',
    '--prune',
    side.url,
    '+refs/heads/*:refs/remotes/origin/*',
    '+refs/tags/*:refs/tags/*',
  ]);
  const [refs, fsck, reachable] = await Promise.all([
    g.ok(dir, ['for-each-ref', '--format=%(objectname) %(refname)']),
    g.git(dir, ['fsck', '--strict', '--no-progress', '--no-dangling']),
    g.ok(dir, ['rev-list', '--objects', '--all']),
  ]);
  return {
    fetch: { code: fetch.code, stderr: fetch.stderr.trim() },
    refs: lines(refs),
    fsck: { code: fsck.code, output: `${fsck.stdout}${fsck.stderr}`.trim() },
    reachable: [...new Set(lines(reachable).map((l) => l.slice(0, 40)))].sort(),
  };
}

/** Lines only in `a`, lines only in `b`. */
function setDiff(a: string[], b: string[]): [string[], string[]] {
  const sa = new Set(a);
  const sb = new Set(b);
  return [a.filter((x) => !sb.has(x)), b.filter((x) => !sa.has(x))];
}

function listSome(items: string[], max = 8): string {
  const shown = items.slice(0, max).join(', ');
  return items.length > max ? `${shown}, … (${items.length} in all)` : shown;
}

/** Problems of one clone on its own (either server). */
function ownProblems(name: SideName, v: CloneView): string[] {
  const out: string[] = [];
  if (v.clone.code !== 0)
    out.push(
      `fresh clone from ${name}${v.protocol !== undefined ? ` (protocol v${v.protocol})` : ''} failed (exit ${v.clone.code}):\n${indent(v.clone.stderr)}`,
    );
  if (v.fsck && v.fsck.code !== 0)
    out.push(`git fsck --strict of ${name}'s fresh clone failed:\n${indent(v.fsck.output)}`);
  if (v.present && v.packEntries !== undefined && v.packEntries !== v.present.length)
    out.push(
      `${name}'s fresh clone received ${v.packEntries} pack entries for ${v.present.length} distinct objects (objects sent twice)`,
    );
  if (v.present && v.reachable) {
    const [extra] = setDiff(v.present, v.reachable);
    if (extra.length)
      out.push(
        `${name}'s fresh clone holds ${extra.length} unreachable objects (sent but not reachable from any ref): ${listSome(extra)}`,
      );
  }
  return out;
}

/** Every way Plue's view differs from git's, as readable sentences (empty when they agree). */
export function compareClones(plue: CloneView, git: CloneView): string[] {
  const out: string[] = [];
  const [onlyPlue, onlyGit] = setDiff(plue.refs, git.refs);
  if (onlyPlue.length || onlyGit.length)
    out.push(
      `refs differ:\n${onlyPlue.map((l) => `      plue only: ${l}`).join('\n')}${onlyPlue.length && onlyGit.length ? '\n' : ''}${onlyGit.map((l) => `      git only:  ${l}`).join('\n')}`,
    );
  out.push(...ownProblems('plue', plue));
  const gitOwn = ownProblems('git', git);
  if (gitOwn.length) out.push(...gitOwn.map((p) => `(the reference server itself!) ${p}`));
  if (plue.reachable && git.reachable) {
    const [a, b] = setDiff(plue.reachable, git.reachable);
    if (a.length || b.length)
      out.push(
        `rev-list --objects --all differs: plue's clone has ${a.length} objects git's has not (${listSome(a)}); git's has ${b.length} plue's has not (${listSome(b)})`,
      );
  }
  if (plue.present && git.present) {
    const [a, b] = setDiff(plue.present, git.present);
    if (a.length || b.length)
      out.push(
        `fresh clones hold different objects: ${a.length} only in plue's (${listSome(a)}), ${b.length} only in git's (${listSome(b)})`,
      );
  }
  return out;
}

export function compareFetches(plue: FetchView, git: FetchView): string[] {
  const out: string[] = [];
  if ((plue.fetch.code === 0) !== (git.fetch.code === 0))
    out.push(
      `incremental fetch: plue exit ${plue.fetch.code}, git exit ${git.fetch.code}\n${indent(`plue: ${plue.fetch.stderr}\ngit: ${git.fetch.stderr}`)}`,
    );
  else if (plue.fetch.code !== 0)
    out.push(`incremental fetch failed on both servers:\n${indent(plue.fetch.stderr)}`);
  const [a, b] = setDiff(plue.refs, git.refs);
  if (a.length || b.length)
    out.push(
      `long-lived clones' refs differ after fetch --prune:\n${a.map((l) => `      plue only: ${l}`).join('\n')}${a.length && b.length ? '\n' : ''}${b.map((l) => `      git only:  ${l}`).join('\n')}`,
    );
  if (plue.fsck.code !== 0)
    out.push(`git fsck --strict of the long-lived plue clone failed:\n${indent(plue.fsck.output)}`);
  if (git.fsck.code !== 0)
    out.push(
      `(the reference server itself!) git fsck of the long-lived git clone failed:\n${indent(git.fsck.output)}`,
    );
  const [x, y] = setDiff(plue.reachable, git.reachable);
  if (x.length || y.length)
    out.push(
      `long-lived clones' reachable objects differ: ${x.length} only in plue's (${listSome(x)}), ${y.length} only in git's (${listSome(y)})`,
    );
  return out;
}
