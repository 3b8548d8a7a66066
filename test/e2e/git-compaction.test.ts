/**
 * Pack compaction and the delayed sweep of the packs it replaces, on a dedicated stack with a
 * short PACK_RETIRE_GRACE_MS: retired packs stay in R2 through the grace period and are deleted
 * by RepoObject's alarm after it, and a clone whose upload-pack read the catalog before the swap
 * (held mid-stream by not reading its response) still receives a complete, valid pack. R2 is
 * observed through GET /internal/repos/:owner/:repo/packs.
 */
import { COMPONENT_CREDENTIALS } from '../../common/dev-secret';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort, startStack, type Stack } from '../../scripts/stack';
import { encodePktLine, PktLineReader } from '../../common/git/pkt-line';
import { signUp, type SignUp } from '../../scripts/clients/auth';
import { GitSandbox, remoteUrl } from '../helpers/git';

const SECRET = COMPONENT_CREDENTIALS.operator.devDefault;
const GRACE_MS = 15_000;

interface Stored {
  pack: boolean;
  idx: boolean;
}
interface PackListing {
  packs: Array<{ key: string; stored: Stored }>;
  retired: Array<{ key: string; retired_at: number; delete_after: number; stored: Stored }>;
  stray: string[];
  sweep_at: number | null;
  grace_ms: number;
  now: number;
}

/** Polls `probe` (bounded by `timeoutMs`) until it answers; fails naming `what` otherwise. */
function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>) {
  return vi.waitFor(
    async () => {
      const v = await probe();
      if (v === undefined) throw new Error(`timed out waiting for ${what}`);
      return v;
    },
    { timeout: timeoutMs, interval: 200 },
  );
}

describe('pack compaction with a delayed sweep', () => {
  let stack: Stack;
  let dir: string;
  const g = new GitSandbox();
  let alice: SignUp;
  let token: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'plue-compaction-'));
    stack = await startStack({
      dataDir: dir,
      port: await freePort(),
      extraVars: { PACK_RETIRE_GRACE_MS: String(GRACE_MS) },
    });
    alice = await signUp(stack.url);
    token = await alice.token(['repo:read', 'repo:write']);
  }, 150_000);
  afterAll(async () => {
    await stack?.stop();
    g.cleanup();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const packs = async (repo: string): Promise<PackListing> => {
    const res = await fetch(`${stack.url}/internal/repos/${alice.user.login}/${repo}/packs`, {
      headers: { 'X-Plue-Operator-Secret': SECRET },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as PackListing;
  };

  /** Pushes `n` small commits, one push each (one stored pack each). */
  const smallPushes = async (src: string, url: string, n: number, tag: string) => {
    for (let i = 0; i < n; i++) {
      await g.commitFile(src, `${tag}${i % 3}.txt`, `${tag} ${i}\n`.repeat(10 + i), `${tag} ${i}`);
      const r = await g.git(src, ['push', url, 'main']);
      expect(r.code, r.stderr).toBe(0);
    }
  };

  it('lists packs for the operator credential only', async () => {
    await alice.createRepo('guarded');
    const url = `${stack.url}/internal/repos/${alice.user.login}/guarded/packs`;
    expect((await fetch(url)).status).toBe(401);
    const wrong = await fetch(url, { headers: { 'X-Plue-Operator-Secret': 'nope' } });
    expect(wrong.status).toBe(401);
    const missing = await fetch(`${stack.url}/internal/repos/${alice.user.login}/none/packs`, {
      headers: { 'X-Plue-Operator-Secret': SECRET },
    });
    expect(missing.status).toBe(404);
    expect(await packs('guarded')).toMatchObject({ packs: [], retired: [], stray: [] });
  });

  it('keeps retired packs in R2 through the grace period and deletes them after it', async () => {
    await alice.createRepo('sweep');
    const url = remoteUrl(stack.url, alice.user.login, 'sweep', token);
    const src = await g.makeRepo('sweep-src', 1);
    await g.ok(src, ['push', url, 'main']);
    await smallPushes(src, url, 6, 'a');
    const before = await packs('sweep');
    expect(before.packs).toHaveLength(7);
    expect(before.grace_ms).toBe(GRACE_MS);
    const oldKeys = before.packs.map((p) => p.key);

    // The eighth pack makes compaction merge them all (after the push has answered).
    await smallPushes(src, url, 1, 'b');
    const retired = await until('compaction', 30_000, async () => {
      const l = await packs('sweep');
      return l.retired.length > 0 ? l : undefined;
    });
    expect(retired.packs).toHaveLength(1);
    // All eight were merged: the seven listed before and the one pushed last.
    expect(retired.retired).toHaveLength(8);
    expect(retired.retired.map((r) => r.key)).toEqual(expect.arrayContaining(oldKeys));
    for (const r of retired.retired) {
      expect(r.delete_after).toBe(r.retired_at + GRACE_MS);
      // Still inside the grace period, so both files must be there.
      expect(retired.now).toBeLessThan(r.delete_after);
      expect(r.stored).toEqual({ pack: true, idx: true });
    }
    expect(retired.sweep_at).toBe(Math.min(...retired.retired.map((r) => r.delete_after)));
    expect(retired.packs[0]?.stored).toEqual({ pack: true, idx: true });
    expect(retired.stray).toEqual([]);

    // After the grace, the alarm deletes them; the merged pack serves a fresh clone.
    const swept = await until('the sweep', GRACE_MS + 45_000, async () => {
      const l = await packs('sweep');
      return l.retired.length === 0 ? l : undefined;
    });
    expect(swept.stray).toEqual([]);
    expect(swept.sweep_at).toBeNull();
    expect(swept.packs.map((p) => p.key)).toEqual(retired.packs.map((p) => p.key));
    const dst = join(g.root, 'sweep-clone');
    const clone = await g.git(g.root, ['clone', '-q', url, dst]);
    expect(clone.code, clone.stderr).toBe(0);
    expect((await g.git(dst, ['fsck', '--full'])).code).toBe(0);
    expect((await g.ok(dst, ['rev-list', '--count', 'HEAD'])).trim()).toBe('8');
  });

  it('lets a clone that read the catalog before compaction finish', async () => {
    await alice.createRepo('held');
    const url = remoteUrl(stack.url, alice.user.login, 'held', token);
    const src = await g.makeRepo('held-src', 1);
    // A large first pack, so the held response stalls the Worker inside it (the bytes in
    // flight — sockets and stream queues — are far smaller), before it opens the small packs.
    // Checked: with PACK_RETIRE_GRACE_MS=0 (packs deleted right after the swap, as before the
    // sweep existed) this test fails with upload-pack's ERR; were the buffers ever larger than
    // this pack, it would pass without proving anything, not fail.
    writeFileSync(join(src, 'big.bin'), randomBytes(16 * 1024 * 1024));
    await g.ok(src, ['add', 'big.bin']);
    await g.ok(src, ['commit', '-q', '-m', 'big']);
    await g.ok(src, ['push', url, 'main']);
    await smallPushes(src, url, 6, 'c');
    const before = await packs('held');
    expect(before.packs).toHaveLength(7);
    const tip = (await g.ok(src, ['rev-parse', 'HEAD'])).trim();

    // A full clone's fetch: upload-pack streams the seven stored packs one after another.
    const body = new Uint8Array(
      Buffer.concat([
        encodePktLine('command=fetch\n'),
        encodePktLine('object-format=sha1\n'),
        Buffer.from('0001'),
        encodePktLine('ofs-delta\n'),
        encodePktLine(`want ${tip}\n`),
        encodePktLine('done\n'),
        Buffer.from('0000'),
      ]),
    );
    const res = await fetch(`${stack.url}/${alice.user.login}/held.git/git-upload-pack`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}`,
        'content-type': 'application/x-git-upload-pack-request',
        'git-protocol': 'version=2',
      },
      body,
    });
    expect(res.status).toBe(200);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const chunks: Uint8Array[] = [];
    let received = 0;
    while (received < 1024 * 1024) {
      const { value, done } = await reader.read();
      if (done) throw new Error('upload-pack ended early');
      chunks.push(value);
      received += value.length;
    }

    // While it is held, another push makes compaction merge (and retire) the six small packs.
    await smallPushes(src, url, 1, 'd');
    const after = await until('compaction', 30_000, async () => {
      const l = await packs('held');
      return l.packs.length === 2 ? l : undefined;
    });
    expect(after.retired).toHaveLength(7);

    // Resume: the rest of the pack arrives complete.
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
    }
    const pkts = new PktLineReader();
    for (const c of chunks) pkts.push(c);
    pkts.end();
    const pack: Uint8Array[] = [];
    let inPack = false;
    for (let p = pkts.next(); p; p = pkts.next()) {
      if (p.type !== 'data') continue;
      const text = Buffer.from(p.data).toString('latin1');
      if (!inPack) {
        expect(text.startsWith('ERR')).toBe(false);
        if (text === 'packfile\n') inPack = true;
        continue;
      }
      const band = p.data[0];
      if (band === 3 || text.startsWith('ERR')) throw new Error(`upload-pack failed: ${text}`);
      if (band === 1) pack.push(p.data.subarray(1));
    }
    const file = join(g.root, 'held.pack');
    writeFileSync(file, Buffer.concat(pack));
    const indexed = await g.git(g.root, ['index-pack', file]);
    expect(indexed.code, indexed.stderr).toBe(0);
    const check = join(g.root, 'held-check.git');
    await g.ok(g.root, ['init', '-q', '--bare', check]);
    copyFileSync(file, join(check, 'objects/pack/held.pack'));
    copyFileSync(file.replace(/\.pack$/, '.idx'), join(check, 'objects/pack/held.idx'));
    // Every object reachable from the tip the clone asked for is in what it received.
    const walked = await g.git(check, ['rev-list', '--objects', tip]);
    expect(walked.code, walked.stderr).toBe(0);
    expect(walked.stdout.trim().split('\n').length).toBeGreaterThan(8);
  });
});
