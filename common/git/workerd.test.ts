/**
 * The model must run in the Workers runtime (no Node APIs but `node:zlib`/`node:crypto`, which the
 * Worker has through nodejs_compat): bundle it with esbuild for the neutral platform, load it into
 * a real workerd, check the native zlib behaviour native.ts relies on, and index + read a pack made
 * by git there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { afterAll, expect, test, vi } from 'vitest';
import { gitIndexPack, packAll, repoWithHistory } from '../../test/helpers/git-model-fixtures';

const WORKER = `
import * as m from './model.mjs';
export default { async fetch(req) {
  if (new URL(req.url).pathname === '/chunks') {
    const sizes = [];
    for await (const c of m.bodyChunks(req.body, 65536)) sizes.push(c.length);
    return new Response(JSON.stringify(sizes));
  }
  const pack = new Uint8Array(await req.arrayBuffer());
  const ix = new m.PackIndexer({});
  for (let i = 0; i < pack.length; i += 777) ix.push(pack.subarray(i, i + 777));
  const scan = ix.finish();
  const io = { readRange: async (o, l) => pack.slice(o, o + l) };
  let seen = 0;
  const res = await m.resolveDeltas(scan, io, { cacheBytes: 2048, onObject: () => { seen++; } });
  const idx = m.writeIdxV2(res.objects, res.packChecksum);
  const pi = m.PackIndex.parse(idx);
  let read = 0;
  for (const oid of pi.oids()) {
    const o = await m.readPackedObject({ ...io, lookupOffset: (x) => pi.lookup(x) }, pi.lookup(oid));
    if (m.hashObject(o.type, o.body) === oid) read++;
  }
  // What native.ts relies on: trailing bytes ignored, consumed input found, a cut stream reported.
  const probes = [];
  for (const n of [0, 10, 300, 65536, 70000, 200000]) {
    const body = new Uint8Array(n).map((_, i) => (i * 31 + (i >> 7)) % 251);
    const z = m.deflate(body);
    const buf = new Uint8Array(z.length + 7);
    buf.set(z);
    buf.set([1, 2, 3, 4, 5, 6, 7], z.length);
    const r = m.inflateStreamAt(buf, 0, buf.length, n);
    const ok = r !== undefined && r.output.length === n && r.consumed === z.length;
    const cut = [1, 4, z.length >> 1].every((k) => m.inflatePrefix(z.subarray(0, z.length - k), n) === undefined);
    probes.push(ok && cut && m.inflateExact(z, n).length === n);
    // The reusable engine (entry-inflater.ts): exact end, cut streams, bad data, reuse after errors.
    const ei = m.EntryInflater.create();
    const out = () => new Uint8Array(n + 1);
    const e1 = ei?.inflate(buf, 0, buf.length, n, out());
    const eCut = [1, 4, z.length >> 1].every((k) => ei?.inflate(z, 0, z.length - k, n, out()) === undefined);
    let eBad = false;
    try { ei?.inflate(buf.map((b, i) => (i > 1 && i < 6 ? b ^ 0x55 : b)), 0, buf.length, n, out()); } catch (e) { eBad = e instanceof m.ZlibDataError; }
    const e2 = ei?.inflate(buf, 0, buf.length, n, out());
    const same = (r) => r !== undefined && r.consumed === z.length && r.output.length === n && r.output.every((b, i) => b === body[i]);
    probes.push(ei !== undefined && same(e1) && eCut && (eBad || n < 10) && same(e2));
  }
  return new Response(JSON.stringify({ count: scan.objectCount, seen, read, probes }), {
    headers: { 'x-idx': Array.from(idx).map((b) => b.toString(16).padStart(2, '0')).join('') },
  });
} };`;

const dir = mkdtempSync(join(tmpdir(), 'plue-workerd-'));
let proc: ChildProcess | undefined;
afterAll(() => {
  proc?.kill();
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => ok(port));
    });
  });
}

test('pack indexing, idx writing and pack reading work inside workerd', async () => {
  const exports = [
    ...['pack-indexer', 'pack-reader', 'idx', 'object', 'native', 'entry-inflater'],
    '../../workers/services/git/request-body',
  ]
    .map((f) => `export * from ${JSON.stringify(resolve(__dirname, f))};`)
    .join('\n');
  await build({
    stdin: { contents: exports, resolveDir: __dirname, loader: 'ts' },
    bundle: true,
    platform: 'neutral',
    external: ['node:*'],
    mainFields: ['module', 'main'],
    format: 'esm',
    outfile: join(dir, 'model.mjs'),
    logLevel: 'silent',
  });
  writeFileSync(join(dir, 'worker.mjs'), WORKER);
  const port = await freePort();
  writeFileSync(
    join(dir, 'config.capnp'),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [(name = "main", worker = .w)],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const w :Workerd.Worker = (
  modules = [(name = "worker.mjs", esModule = embed "worker.mjs"), (name = "model.mjs", esModule = embed "model.mjs")],
  compatibilityDate = "2025-06-01",
  compatibilityFlags = ["nodejs_compat"],
);`,
  );
  const workerd = resolve(__dirname, '../../node_modules/workerd/bin/workerd');
  proc = spawn(workerd, ['serve', join(dir, 'config.capnp')], { stdio: 'ignore' });

  const { repo } = repoWithHistory(12);
  const pack = packAll(repo, ['--delta-base-offset']);
  repo.remove();
  // workerd is up once it accepts a connection.
  const res = await vi.waitFor(
    () => fetch(`http://127.0.0.1:${port}/`, { method: 'POST', body: pack }),
    { timeout: 10_000, interval: 100 },
  );
  expect(res?.status).toBe(200);
  const body = (await res?.json()) as { count: number; seen: number; read: number };
  expect(body.count).toBeGreaterThan(40);
  expect(body).toEqual({
    count: body.count,
    seen: body.count,
    read: body.count,
    probes: Array<boolean>(12).fill(true),
  });
  expect(res?.headers.get('x-idx')).toBe(Buffer.from(gitIndexPack(pack)).toString('hex'));

  // bodyChunks (request-body.ts) gathers the runtime's small pieces of a request body into
  // chunks of at least the size asked for, all of the bytes in order.
  const big = new Uint8Array(1_000_003).map((_, i) => i % 251);
  const sizes = (await (
    await fetch(`http://127.0.0.1:${port}/chunks`, { method: 'POST', body: big })
  ).json()) as number[];
  expect(sizes.reduce((a, b) => a + b, 0)).toBe(big.length);
  expect(sizes.slice(0, -1).every((n) => n >= 65536)).toBe(true);
});
