/**
 * A small repository for the browse tests, pushed with the real git client: README with
 * links, an image and injected HTML; nested dirs; a binary, a large file, a PNG, an HTML and an
 * SVG file; two commits on main, an annotated tag, a slashed branch, and two versions of one
 * jj change (the older kept reachable by a branch).
 */
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';
import { writeFileSync, mkdirSync } from 'node:fs';
import type { GitSandbox } from '../helpers/git';

export const README = [
  '# Browse fixture',
  '',
  'See [the guide](docs/guide.md) and ![logo](logo.png).',
  '',
  '<script>alert("readme")</script> <img src=x onerror="alert(2)">',
  '',
  '[bad](javascript:alert(3))',
  '',
].join('\n');

/** A valid 1×1 PNG. */
export function tinyPng(): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer) => {
    let c = 0xffffffff;
    for (const x of b) c = (crcTable[(c ^ x) & 0xff] as number) ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from([0, 255, 0, 0]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export interface Fixture {
  dir: string;
  first: string;
  second: string;
  changeId: string;
  v1: string;
  v2: string;
}

export const CHANGE_ID = 'zyxwvutsrqponmlkzyxwvutsrqponmlk';

/** Builds the fixture repository in `g.root/name`. */
export async function buildFixture(g: GitSandbox, name: string): Promise<Fixture> {
  const dir = join(g.root, name);
  await g.ok(g.root, ['init', '-q', '-b', 'main', dir]);
  const w = (p: string, data: string | Buffer) => {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), data);
  };
  w('README.md', README);
  w('docs/guide.md', '# Guide\n\nHello.\n');
  w(
    'src/lib/util.ts',
    'export const answer = 42;\n\n// a comment\nexport function twice(x: number): number {\n  return x * 2;\n}\n',
  );
  w('logo.png', tinyPng());
  w('data.bin', Buffer.from([0, 1, 2, 3, 0, 255, 254]));
  w('big.txt', 'x'.repeat(100) + '\n'.repeat(1) + 'line of a large file\n'.repeat(60_000));
  w('page.html', '<!doctype html><script>alert("raw")</script><p>hi</p>\n');
  w('pic.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>\n');
  for (let i = 0; i < 12; i++) w(`notes/n${i}.txt`, `note ${i}\n`);
  await g.ok(dir, ['add', '-A']);
  await g.ok(dir, ['commit', '-q', '-m', 'First commit\n\nWith a body.']);
  const first = (await g.ok(dir, ['rev-parse', 'HEAD'])).trim();
  await g.ok(dir, ['tag', '-a', 'v1', '-m', 'version 1']);
  w(
    'src/lib/util.ts',
    'export const answer = 43;\n\n// a comment\nexport function twice(x: number): number {\n  return x * 2;\n}\nexport const more = true;\n',
  );
  w('docs/new.md', 'new doc\n');
  await g.ok(dir, ['add', '-A']);
  await g.ok(dir, ['commit', '-q', '-m', 'Second commit']);
  const second = (await g.ok(dir, ['rev-parse', 'HEAD'])).trim();
  await g.ok(dir, ['branch', 'feature/x', first]);

  // Two versions of one jj change on top of `second`: v1 kept on branch jj/old, v2 on jj/new.
  const tree = (await g.ok(dir, ['rev-parse', 'HEAD^{tree}'])).trim();
  const mkTree = async (content: string) => {
    const blob = (await g.ok(dir, ['hash-object', '-w', '--stdin'], { input: content })).trim();
    const entries = (await g.ok(dir, ['ls-tree', tree]))
      .split('\n')
      .filter((l) => l && !l.endsWith('\tchange.txt'));
    entries.push(`100644 blob ${blob}\tchange.txt`);
    return (await g.ok(dir, ['mktree'], { input: entries.join('\n') + '\n' })).trim();
  };
  const mkCommit = async (t: string, ts: number, msg: string) => {
    const body = `tree ${t}\nparent ${second}\nauthor J <j@x> ${ts} +0000\ncommitter J <j@x> ${ts} +0000\nchange-id ${CHANGE_ID}\n\n${msg}\n`;
    return (
      await g.ok(dir, ['hash-object', '-t', 'commit', '-w', '--literally', '--stdin'], {
        input: body,
      })
    ).trim();
  };
  const v1 = await mkCommit(await mkTree('one\ntwo\n'), 1_900_000_000, 'Add change (v1)');
  const v2 = await mkCommit(await mkTree('one\n2\nthree\n'), 1_900_000_100, 'Add change (v2)');
  await g.ok(dir, ['update-ref', 'refs/heads/jj/old', v1]);
  await g.ok(dir, ['update-ref', 'refs/heads/jj/new', v2]);
  return { dir, first, second, changeId: CHANGE_ID, v1, v2 };
}
