import { afterAll, beforeAll, expect, test } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { scratchRepo, type ScratchRepo } from '../../test/helpers/git-model-fixtures';
import { concatBytes, utf8 } from './bytes';
import { createDelta } from './delta';
import { PackError } from './errors';
import { hashObject } from './object';
import { PackWriter } from './pack-writer';

let repo: ScratchRepo;
beforeAll(() => {
  repo = scratchRepo(true);
});
afterAll(() => repo.remove());

test('packs written here pass git index-pack --stdin and verify-pack', () => {
  const a = utf8('hello world\n'.repeat(100));
  const b = utf8('hello world\n'.repeat(100) + 'one more line\n');
  const big = new Uint8Array(300_000).map((_, i) => (i * 31) % 253);
  const w = new PackWriter(4);
  const parts = [w.header()];
  const aOffset = w.offset;
  parts.push(w.entry('blob', a));
  parts.push(w.ofsDeltaEntry(aOffset, createDelta(a, b)));
  parts.push(w.entry('blob', big));
  parts.push(w.entry('blob', new Uint8Array(0)));
  parts.push(w.trailer());
  const pack = concatBytes(parts);
  expect(w.offset).toBe(pack.length);
  const out = repo.text(['index-pack', '--stdin', '--strict'], pack);
  expect(out).toMatch(/^pack\t[0-9a-f]{40}$/);
  const packName = out.split('\t')[1];
  const verify = repo.text([
    'verify-pack',
    '-v',
    join(repo.dir, 'objects/pack', `pack-${packName}.idx`),
  ]);
  expect(verify).toContain(hashObject('blob', b));
  expect(verify).toContain('chain length = 1: 1 object');
  expect(repo.git(['cat-file', 'blob', hashObject('blob', b)])).toEqual(b);
  expect(repo.git(['cat-file', 'blob', hashObject('blob', big)])).toEqual(big);
});

test('rawEntry passes bytes through and the empty pack is valid', () => {
  const src = new PackWriter(1);
  src.header();
  const raw = src.entry('blob', utf8('raw'));
  const w = new PackWriter(1);
  const pack = concatBytes([w.header(), w.rawEntry(raw), w.trailer()]);
  writeFileSync(join(repo.dir, 'raw.pack'), pack);
  repo.git(['index-pack', join(repo.dir, 'raw.pack')]);
  const empty = new PackWriter(0);
  const emptyPack = concatBytes([empty.header(), empty.trailer()]);
  expect(emptyPack.length).toBe(32);
  repo.git(['index-pack', '--stdin'], emptyPack);
});

test('misuse gives PackError', () => {
  expect(() => new PackWriter(-1)).toThrow(PackError);
  const w = new PackWriter(1);
  expect(() => w.entry('blob', utf8('x'))).toThrow(/header not written/);
  w.header();
  expect(() => w.header()).toThrow(PackError);
  expect(() => w.trailer()).toThrow(/declared 1 objects but 0/);
  w.entry('blob', utf8('x'));
  expect(() => w.entry('blob', utf8('y'))).toThrow(/more entries/);
  expect(() => w.ofsDeltaEntry(w.offset, new Uint8Array(2))).toThrow(PackError);
});
