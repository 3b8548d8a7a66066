import { execFileSync } from 'node:child_process';
import { expect, test } from 'vitest';
import { concatBytes, utf8 } from '../../../common/git/bytes';
import { tarEnd, tarEntry, tarGlobalHeader } from './tar';

// Python's tarfile (not written here) reads every path length across the 100-byte ustar field
// and the pax records' own length digits, multi-byte names and long link targets.
test('tar entries read back with their names, targets, modes and contents', () => {
  const blocks: Uint8Array[] = [...tarGlobalHeader('a'.repeat(40), 1_700_000_000)];
  const expected: Array<[string, string, number, string]> = [];
  for (let len = 1; len <= 260; len += len < 90 ? 17 : 1) {
    const name = `${'d/'.repeat(Math.floor(len / 4))}é${'x'.repeat(len)}`;
    blocks.push(...tarEntry({ path: name, kind: 'file', mode: 0o664, content: utf8(name) }, 1));
    expected.push([name, 'file', 0o664, name]);
  }
  const target = `../${'t'.repeat(150)}`;
  blocks.push(
    ...tarEntry({ path: 'link', kind: 'symlink', mode: 0o777, content: utf8(target) }, 1),
  );
  expected.push(['link', 'link', 0o777, target]);
  blocks.push(...tarEntry({ path: 'dir', kind: 'dir', mode: 0o775 }, 1), tarEnd());
  expected.push(['dir', 'dir', 0o775, '']);
  const listed = execFileSync(
    'python3',
    [
      '-c',
      `import io, json, sys, tarfile
t = tarfile.open(fileobj=io.BytesIO(sys.stdin.buffer.read()))
print(json.dumps([[m.name, 'dir' if m.isdir() else 'link' if m.issym() else 'file', m.mode,
  m.linkname if m.issym() else (t.extractfile(m).read().decode() if m.isfile() else '')]
  for m in t.getmembers() if m.type != tarfile.XGLTYPE]))
print(t.pax_headers.get('comment'))`,
    ],
    { input: concatBytes(blocks) },
  )
    .toString()
    .split('\n');
  expect(JSON.parse(listed[0] ?? '')).toEqual(expected);
  expect(listed[1]).toBe('a'.repeat(40));
});
