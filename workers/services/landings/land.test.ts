/**
 * land() in a real workerd (Miniflare) with the real RepoObject (SQLite storage) and an R2
 * bucket, behind the real smart-HTTP services: real git pushes a target branch and a stack of
 * commits carrying jj change-id headers, the target moves, the stack is landed by rebase, and a
 * fresh `git clone` of the result passes `git fsck --strict` with the change ids intact. A land
 * against a stale tip, a conflicting land and a fast-forward that is not one are refused with
 * nothing moved; a merge-commit land and a fast-forward land work too.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { convertV4MiniflareOptions, Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scratchRepo, type ScratchRepo } from '../../../test/helpers/git-model-fixtures';
import { changeIdOf, MemoryRepo, seeded } from '../../../test/helpers/memory-history';

/** The Worker: git smart HTTP for one repository (no auth: a test harness) and POST /land. */
const HARNESS = `
import { RepoObject } from './durable-objects/repo/repo-object';
import { gitRepoContext } from './workers/services/git/repo-context';
import { advertiseReceivePack, advertiseUploadPackV2 } from './workers/services/git/advertise';
import { receivePack } from './workers/services/git/receive-pack';
import { parseV2Request, uploadPack } from './workers/services/git/upload-pack';
import { land, LandConflictError } from './workers/services/landings/land';
import { AppError } from './common/errors';
export { RepoObject };
const git = (body, type) => new Response(body, { headers: { 'content-type': type } });
export default {
  async fetch(req, env, exec) {
    const ctx = gitRepoContext(env, { id: '7', fullName: 'ada/land', defaultBranch: 'main' });
    const url = new URL(req.url);
    const onError = (e) => console.error(String(e && e.stack || e));
    if (url.pathname === '/land') {
      try {
        const pushed = [];
        const result = await land(ctx, await req.json(), {
          onPushed: async (refs, head) => { pushed.push({ refs, head }); },
        });
        return Response.json({ ...result, pushed });
      } catch (e) {
        if (!(e instanceof AppError)) throw e;
        const conflicts = e instanceof LandConflictError ? e.conflicts : undefined;
        return Response.json({ code: e.code, message: e.message, conflicts }, { status: e.status });
      }
    }
    if (url.pathname.endsWith('/info/refs')) {
      if (url.searchParams.get('service') === 'git-receive-pack') {
        const state = await ctx.refs.state('main');
        return git(advertiseReceivePack(state, 'plue-test'), 'application/x-git-receive-pack-advertisement');
      }
      return git(advertiseUploadPackV2('plue-test'), 'application/x-git-upload-pack-advertisement');
    }
    if (url.pathname.endsWith('/git-upload-pack')) {
      const request = parseV2Request(new Uint8Array(await req.arrayBuffer()));
      return git(uploadPack(ctx, request, onError), 'application/x-git-upload-pack-result');
    }
    if (url.pathname.endsWith('/git-receive-pack')) {
      const push = receivePack(ctx, req.body, { onError });
      exec.waitUntil(push.done);
      return git(push.body, 'application/x-git-receive-pack-result');
    }
    return new Response('not found', { status: 404 });
  },
};
`;

const root = resolve(__dirname, '../../..');
let mf: Miniflare;
let base: string;
let local: ScratchRepo;
const dirs: string[] = [];

beforeAll(async () => {
  const bundle = await build({
    stdin: { contents: HARNESS, resolveDir: root, loader: 'js' },
    bundle: true,
    write: false,
    platform: 'neutral',
    external: ['node:*', 'cloudflare:*'],
    mainFields: ['module', 'main'],
    conditions: ['workerd', 'worker', 'import'],
    format: 'esm',
    logLevel: 'silent',
  });
  mf = new Miniflare(
    convertV4MiniflareOptions({
      modules: true,
      script: bundle.outputFiles[0]?.text ?? '',
      compatibilityDate: '2026-08-01',
      compatibilityFlags: ['nodejs_compat'],
      durableObjects: { REPO: { className: 'RepoObject', useSQLite: true } },
      r2Buckets: ['BLOBS'],
      port: 0,
    }),
  );
  base = (await mf.ready).toString().replace(/\/$/, '');
  local = scratchRepo(true);
}, 120_000);

afterAll(async () => {
  await mf?.dispose();
  local?.remove();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const remote = () => `${base}/ada/land.git`;

function gitIn(dir: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    env: {
      ...process.env,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
    .toString()
    .trim();
}

async function postLand(body: Record<string, unknown>) {
  const res = await fetch(`${base}/land`, {
    method: 'POST',
    body: JSON.stringify({
      lander: { name: 'Lan Der', email: 'lander@example.com' },
      now: 1800000000000,
      ...body,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function cloneFresh(): string {
  const dir = mkdtempSync(join(tmpdir(), 'plue-land-clone-'));
  dirs.push(dir);
  gitIn(dir, ['clone', '-q', '--mirror', remote(), 'c.git']);
  return join(dir, 'c.git');
}

describe('land() in workerd', () => {
  it('lands a stack by rebase onto a moved target; the clone is fsck-clean with change ids', async () => {
    const rnd = seeded(3);
    const mem = new MemoryRepo();
    const files = { 'a.txt': '1\n2\n3\n4\n5\n6\n7\n8\n', 'b.txt': 'b\n' };
    const root0 = mem.commit({ tree: mem.tree(files), message: 'root\n' });
    const moved = mem.commit({
      tree: mem.tree({ ...files, 'c.txt': 'target moved\n' }),
      parents: [root0],
      message: 'target moves\n',
      time: 5,
    });
    const ids = [changeIdOf(rnd), changeIdOf(rnd), changeIdOf(rnd)];
    let head = root0;
    const texts = ['1\nONE\n3\n4\n5\n6\n7\n8\n', '1\nONE\n3\n4\n5\n6\nSEVEN\n8\n'];
    for (let i = 0; i < 3; i++) {
      head = mem.commit({
        tree: mem.tree({
          ...files,
          'a.txt': texts[Math.min(i, 1)] as string,
          [`s${i}.txt`]: `${i}\n`,
        }),
        parents: [head],
        message: `stack ${i}\n`,
        changeId: ids[i],
        time: 10 + i,
      });
    }
    const conflicting = mem.commit({
      tree: mem.tree({ ...files, 'c.txt': 'other\n' }),
      parents: [root0],
      message: 'conflicts with the target\n',
      changeId: changeIdOf(rnd),
    });
    mem.exportTo(local, {
      'refs/heads/main': root0,
      'refs/heads/stack': head,
      'refs/heads/moved': moved,
      'refs/heads/conflicting': conflicting,
    });
    gitIn(local.dir, ['push', '-q', remote(), 'main', 'stack', 'conflicting']);
    // The target moves after the landing was pushed.
    gitIn(local.dir, ['push', '-q', remote(), 'moved:main']);

    // Not a fast-forward any more, and a stale expected tip: refused, nothing moves.
    const ff = await postLand({
      targetRef: 'refs/heads/main',
      head,
      base: root0,
      method: 'fast-forward',
    });
    expect(ff).toMatchObject({ status: 409, body: { code: 'not_fast_forward' } });
    const stale = await postLand({
      targetRef: 'refs/heads/main',
      head,
      base: root0,
      method: 'rebase',
      expectedTarget: root0,
    });
    expect(stale).toMatchObject({ status: 409, body: { code: 'target_moved' } });
    const clash = await postLand({
      targetRef: 'refs/heads/main',
      head: conflicting,
      base: root0,
      method: 'rebase',
    });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('land_conflict');
    expect(clash.body.conflicts).toEqual([
      expect.objectContaining({ path: 'c.txt', kind: 'add/add' }),
    ]);
    expect(gitIn(local.dir, ['ls-remote', remote(), 'refs/heads/main'])).toMatch(
      new RegExp(`^${moved}`),
    );

    const landed = await postLand({
      targetRef: 'refs/heads/main',
      head,
      base: root0,
      method: 'rebase',
      expectedTarget: moved,
      alsoUpdate: [{ ref: 'refs/landings/1/1', oldOid: '0'.repeat(40), newOid: head }],
    });
    expect(landed.status).toBe(200);
    const result = landed.body as {
      newTarget: string;
      commits: Array<{ original: string; landed: string }>;
      pack?: string;
    };
    expect(result.commits.map((c) => c.original)).toEqual(
      gitIn(local.dir, ['rev-list', '--reverse', `${root0}..${head}`]).split('\n'),
    );
    expect(result.pack).toMatch(/^repos\/7\/packs\/pack-.*\.pack$/);
    // The push hooks hear of both refs, as after a push.
    expect(landed.body.pushed).toEqual([
      {
        head: 'refs/heads/main',
        refs: [
          { ref: 'refs/heads/main', oldOid: moved, newOid: result.newTarget, ok: true },
          { ref: 'refs/landings/1/1', oldOid: '0'.repeat(40), newOid: head, ok: true },
        ],
      },
    ]);

    const clone = cloneFresh();
    expect(gitIn(clone, ['fsck', '--strict', '--no-dangling'])).toBe('');
    expect(gitIn(clone, ['rev-parse', 'main'])).toBe(result.newTarget);
    expect(gitIn(clone, ['rev-parse', 'refs/landings/1/1'])).toBe(head);
    // Oldest first: each landed commit sits on the one before, the first on the moved target.
    const chain = gitIn(clone, ['rev-list', '--reverse', `${moved}..main`]).split('\n');
    expect(chain).toEqual(result.commits.map((c) => c.landed));
    for (const [i, oid] of chain.entries()) {
      const text = gitIn(clone, ['cat-file', '-p', oid]);
      expect(text).toContain(`change-id ${ids[i]}`);
      expect(text).toContain('committer Lan Der <lander@example.com> 1800000000 +0000');
      expect(text).toContain('author Ada Lovelace <ada@example.com>');
    }
    expect(gitIn(clone, ['show', 'main:a.txt'])).toBe('1\nONE\n3\n4\n5\n6\nSEVEN\n8');
    expect(gitIn(clone, ['show', 'main:c.txt'])).toBe('target moved');

    // Landing the same commits again: nothing to land (the target holds them).
    const again = await postLand({
      targetRef: 'refs/heads/main',
      head: result.newTarget,
      base: moved,
      method: 'rebase',
    });
    expect(again).toMatchObject({ status: 409, body: { code: 'nothing_to_land' } });
  });

  it('lands by merge commit and by fast-forward', async () => {
    const mem = new MemoryRepo();
    const t = mem.commit({ tree: mem.tree({ 'm.txt': 'm\n' }), message: 'merge base\n' });
    const ahead = mem.commit({ tree: mem.tree({ 'm.txt': 'm\n', 't.txt': 't\n' }), parents: [t] });
    const side = mem.commit({
      tree: mem.tree({ 'm.txt': 'M\n' }),
      parents: [t],
      changeId: changeIdOf(seeded(9)),
    });
    const ffHead = mem.commit({
      tree: mem.tree({ 'm.txt': 'm\n', 't.txt': 'T\n' }),
      parents: [ahead],
    });
    mem.exportTo(local, {
      'refs/heads/m-target': ahead,
      'refs/heads/m-side': side,
      'refs/heads/ff-target': ahead,
    });
    gitIn(local.dir, [
      'push',
      '-q',
      remote(),
      'm-target',
      'm-side',
      'ff-target',
      `${ffHead}:refs/heads/ff-head`,
    ]);
    const merged = await postLand({
      targetRef: 'refs/heads/m-target',
      head: side,
      base: t,
      method: 'merge',
      message: 'Merge landing !2',
    });
    expect(merged.status).toBe(200);
    const mergeCommit = merged.body.newTarget as string;
    const clone = cloneFresh();
    expect(gitIn(clone, ['fsck', '--strict', '--no-dangling'])).toBe('');
    expect(gitIn(clone, ['log', '-1', '--format=%P%n%s', mergeCommit])).toBe(
      `${ahead} ${side}\nMerge landing !2`,
    );
    expect(gitIn(clone, ['ls-tree', '-r', '--name-only', mergeCommit])).toBe('m.txt\nt.txt');
    // A fast-forward writes nothing and moves the branch to the landing's own commit.
    const ff = await postLand({
      targetRef: 'refs/heads/ff-target',
      head: ffHead,
      base: ahead,
      method: 'fast-forward',
    });
    expect(ff.status).toBe(200);
    expect(ff.body).toMatchObject({ newTarget: ffHead, fastForward: true, oldTarget: ahead });
    expect(ff.body.pack).toBeUndefined();
    expect(gitIn(local.dir, ['ls-remote', remote(), 'refs/heads/ff-target'])).toMatch(
      new RegExp(`^${ffHead}`),
    );
    const none = await postLand({
      targetRef: 'refs/heads/ff-target',
      head: ffHead,
      base: ahead,
      method: 'rebase',
    });
    expect(none).toMatchObject({ status: 409, body: { code: 'nothing_to_land' } });
  });
});
