/**
 * A POSIX tar (ustar with pax extended headers) writer, as `git archive --format=tar` writes
 * them: a pax global header carrying the commit id (read back by `git get-tar-commit-id`), then
 * per entry a 512-byte header, the content padded to 512 bytes, and two zero blocks at the end.
 * Names over 100 bytes and link targets over 100 bytes go in a pax `x` header before the entry.
 * Hand-written: the tar libraries on npm are built on Node streams and buffers; this is the few
 * lines of the format that archives of git trees need, over plain Uint8Arrays.
 */
import { utf8 } from '../../../common/git/bytes';

const BLOCK = 512;

export interface TarEntry {
  path: string;
  kind: 'file' | 'dir' | 'symlink';
  /** Permission bits (0o644, 0o755, 0o777 for symlinks). */
  mode: number;
  /** File content; a symlink's content is its target. */
  content?: Uint8Array;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

/** One 512-byte header block; `name` and `link` must already fit in 100 bytes. */
function header(
  name: Uint8Array,
  type: string,
  mode: number,
  size: number,
  mtime: number,
  link?: Uint8Array,
): Uint8Array {
  const h = new Uint8Array(BLOCK);
  const put = (at: number, bytes: Uint8Array | string) =>
    h.set(typeof bytes === 'string' ? utf8(bytes) : bytes, at);
  put(0, name);
  put(100, octal(mode, 8));
  put(108, octal(0, 8));
  put(116, octal(0, 8));
  put(124, octal(size, 12));
  put(136, octal(mtime, 12));
  put(148, '        '); // the checksum counts its own field as spaces
  put(156, type);
  if (link) put(157, link);
  put(257, 'ustar\u000000');
  put(265, 'root');
  put(297, 'root');
  let sum = 0;
  for (const b of h) sum += b;
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return h;
}

/** A pax record "<len> key=value\n", where len counts the whole record including itself. */
function paxRecord(key: string, value: string): string {
  const body = utf8(` ${key}=${value}\n`).length;
  // The length counts its own digits: grow it until it does (at most one extra digit).
  let len = body + 1;
  while (String(len).length + body !== len) len = String(len).length + body;
  return `${len} ${key}=${value}\n`;
}

function padded(content: Uint8Array): Uint8Array[] {
  const rest = content.length % BLOCK;
  return rest === 0 ? [content] : [content, new Uint8Array(BLOCK - rest)];
}

/** A pax header (`x` per entry, `g` global) holding `records`, with its content. */
function paxBlocks(type: 'x' | 'g', name: string, records: string, mtime: number): Uint8Array[] {
  const body = utf8(records);
  return [header(utf8(name), type, 0o644, body.length, mtime), ...padded(body)];
}

/** The pax global header `git archive` starts with: the commit id as its comment. */
export function tarGlobalHeader(commit: string, mtime: number): Uint8Array[] {
  return paxBlocks('g', 'pax_global_header', paxRecord('comment', commit), mtime);
}

/** The blocks of one entry (with a pax header first when its name or target is long). */
export function tarEntry(e: TarEntry, mtime: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  const path = e.kind === 'dir' ? `${e.path}/` : e.path;
  let name = utf8(path);
  let link: Uint8Array | undefined =
    e.kind === 'symlink' ? (e.content ?? new Uint8Array()) : undefined;
  let records = '';
  if (name.length > 100) {
    records += paxRecord('path', path);
    name = name.subarray(0, 100);
  }
  if (link && link.length > 100) {
    records += paxRecord('linkpath', new TextDecoder().decode(link));
    link = link.subarray(0, 100);
  }
  if (records) out.push(...paxBlocks('x', 'PaxHeader', records, mtime));
  const size = e.kind === 'file' ? (e.content?.length ?? 0) : 0;
  const type = e.kind === 'file' ? '0' : e.kind === 'dir' ? '5' : '2';
  out.push(header(name, type, e.mode, size, mtime, link));
  if (e.kind === 'file' && e.content) out.push(...padded(e.content));
  return out;
}

/** The end of the archive: two zero blocks. */
export function tarEnd(): Uint8Array {
  return new Uint8Array(2 * BLOCK);
}
