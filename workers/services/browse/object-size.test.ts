/**
 * Object sizes from pack entry headers, checked against `git cat-file -s` on every object of a
 * pack that real git wrote with deltas, then fed truncated and random packs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackError } from '../../../common/git/errors';
import { PackIndex } from '../../../common/git/idx';
import { packedObjectSize, type PackRangeIO } from './object-size';

const ioOf = (pack: Uint8Array, reads: Array<[number, number]> = []): PackRangeIO => ({
  async readRange(offset, length) {
    reads.push([offset, length]);
    return pack.subarray(offset, Math.min(pack.length, offset + length));
  },
});

describe('object sizes from pack entries', () => {
  let dir = '';
  let pack = new Uint8Array(0);
  let index: PackIndex;
  let expected = new Map<string, number>();

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'plue-size-'));
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@x', ...args], {
        cwd: dir,
        env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
      }).toString();
    git('init', '-q');
    // Versions of one large file, so git stores most of them as deltas.
    let text = '';
    for (let v = 0; v < 8; v++) {
      text += Array.from({ length: 400 }, (_, i) => `v${v} line ${i} ${'x'.repeat(i % 50)}\n`).join(
        '',
      );
      writeFileSync(join(dir, 'big.txt'), text);
      writeFileSync(join(dir, 'small.txt'), `small ${v}\n`);
      git('add', '-A');
      git('commit', '-qm', `v${v}`);
    }
    git('gc', '-q', '--aggressive');
    const packDir = join(dir, '.git/objects/pack');
    const name = readdirSync(packDir).find((f) => f.endsWith('.pack')) ?? '';
    pack = new Uint8Array(readFileSync(join(packDir, name)));
    index = PackIndex.parse(
      new Uint8Array(readFileSync(join(packDir, name.replace(/pack$/, 'idx')))),
    );
    const listed = git(
      'cat-file',
      '--batch-all-objects',
      '--batch-check=%(objectname) %(objectsize)',
    );
    expected = new Map(
      listed
        .trim()
        .split('\n')
        .map((l) => l.split(' '))
        .map(([oid, size]) => [oid ?? '', Number(size)]),
    );
    const verify = git('verify-pack', '-v', join(packDir, name));
    expect(verify).toMatch(/ blob .* [0-9a-f]{40}\n/); // some blob is stored as a delta
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('matches git for every object, reading only the start of each delta', async () => {
    expect(expected.size).toBeGreaterThan(20);
    for (const [oid, size] of expected) {
      const offset = index.lookup(oid);
      expect(offset, oid).toBeDefined();
      const reads: Array<[number, number]> = [];
      expect(await packedObjectSize(ioOf(pack, reads), offset ?? 0), oid).toBe(size);
      const bytesRead = reads.reduce((a, [, l]) => a + l, 0);
      expect(bytesRead).toBeLessThan(64 + 256 + 1024 + 1);
    }
  });

  it('answers truncated and random packs with a PackError or a size, never a crash', async () => {
    const offsets = [...expected.keys()].map((oid) => index.lookup(oid) ?? 0);
    for (const offset of offsets) {
      for (const cut of [1, 5, 12, 30]) {
        const truncated = pack.subarray(0, offset + cut);
        await packedObjectSize(ioOf(truncated), offset).then(
          (n) => expect(n).toBeGreaterThanOrEqual(0),
          (e: unknown) => expect(e).toBeInstanceOf(PackError),
        );
      }
    }
    let seed = 5;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % 256;
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(12 + (i % 200)).map(rnd);
      // Offset 12+ so OFS deltas have room to point back; the base is never followed.
      await packedObjectSize(ioOf(bytes), 12).then(
        (n) => expect(Number.isSafeInteger(n) && n >= 0).toBe(true),
        (e: unknown) => expect(e).toBeInstanceOf(PackError),
      );
    }
  });
});
