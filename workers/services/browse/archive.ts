/**
 * Archives of a commit's tree, as `git archive` makes them: `tar.gz` (pax tar written by tar.ts,
 * gzipped by the runtime's CompressionStream) and `zip` (fflate, deflated). Every path sits under
 * `prefix` (e.g. `app-main/`), directories come before their contents in tree order, files keep
 * their executable bit (permissions as git's default tar.umask 002 gives: 775 and 664), symlinks stay symlinks, submodules are empty directories, and every
 * entry carries the commit's time. Streamed: one blob is read and written at a time, when the
 * reader of the stream asks for more.
 */
import { Zip, ZipDeflate, ZipPassThrough, type ZipInputFile } from 'fflate';
import { treeEntryKind } from '../../../common/git/object';
import { readBlob, readTree, type ObjectReader } from './objects';
import { tarEnd, tarEntry, tarGlobalHeader, type TarEntry } from './tar';

export type ArchiveFormat = 'tar.gz' | 'zip';

export interface ArchiveSource {
  reader: ObjectReader;
  commit: string;
  tree: string;
  /** The commit's committer time, seconds since the epoch. */
  time: number;
  /** Every path starts with this; ends with `/`. */
  prefix: string;
}

/** The entries of `tree` under `prefix`, depth first in tree order, blobs read as they come. */
async function* entriesOf(r: ObjectReader, tree: string, prefix: string): AsyncGenerator<TarEntry> {
  for (const e of await readTree(r, tree)) {
    const path = `${prefix}${e.name}`;
    const kind = treeEntryKind(e.mode);
    if (kind === 'tree') {
      yield { path, kind: 'dir', mode: 0o775 };
      yield* entriesOf(r, e.oid, `${path}/`);
    } else if (kind === 'submodule') {
      yield { path, kind: 'dir', mode: 0o775 };
    } else if (kind === 'symlink') {
      yield { path, kind: 'symlink', mode: 0o777, content: await readBlob(r, e.oid) };
    } else if (kind === 'blob') {
      const exec = (parseInt(e.mode, 8) & 0o111) !== 0;
      yield { path, kind: 'file', mode: exec ? 0o775 : 0o664, content: await readBlob(r, e.oid) };
    }
  }
}

/** Every entry of the archive: the prefix directory, then the tree. */
async function* allEntries(src: ArchiveSource): AsyncGenerator<TarEntry> {
  yield { path: src.prefix.replace(/\/$/, ''), kind: 'dir', mode: 0o775 };
  yield* entriesOf(src.reader, src.tree, src.prefix);
}

function tarStream(src: ArchiveSource): ReadableStream<Uint8Array> {
  const entries = allEntries(src);
  let started = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!started) {
          started = true;
          for (const b of tarGlobalHeader(src.commit, src.time)) controller.enqueue(b);
        }
        const next = await entries.next();
        if (next.done) {
          controller.enqueue(tarEnd());
          controller.close();
          return;
        }
        for (const b of tarEntry(next.value, src.time)) controller.enqueue(b);
      },
      async cancel() {
        await entries.return(undefined);
      },
    },
    { highWaterMark: 4 },
  );
}

/** An fflate zip entry for `e`, with unix permissions in its external attributes. */
function zipFile(
  e: TarEntry,
  time: number,
): { file: ZipInputFile & { push(d: Uint8Array, final: boolean): void }; data: Uint8Array } {
  const type = e.kind === 'dir' ? 0o040000 : e.kind === 'symlink' ? 0o120000 : 0o100000;
  const name = e.kind === 'dir' ? `${e.path}/` : e.path;
  const file = e.kind === 'file' ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
  file.mtime = time * 1000;
  file.os = 3; // unix: the attributes' high half is st_mode
  file.attrs = (((type | e.mode) << 16) >>> 0) | (e.kind === 'dir' ? 0x10 : 0);
  return { file, data: e.content ?? new Uint8Array() };
}

function zipStream(src: ArchiveSource): ReadableStream<Uint8Array> {
  const entries = allEntries(src);
  let zip: Zip | undefined;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        zip = new Zip((err, chunk, final) => {
          if (err) return controller.error(err);
          if (chunk.length > 0) controller.enqueue(chunk);
          if (final) controller.close();
        });
      },
      async pull() {
        const next = await entries.next();
        if (next.done) return zip?.end();
        const { file, data } = zipFile(next.value, src.time);
        zip?.add(file);
        file.push(data, true);
      },
      async cancel() {
        zip?.terminate();
        await entries.return(undefined);
      },
    },
    { highWaterMark: 4 },
  );
}

/** The archive of `src` in `format`, as a stream of bytes. */
export function archiveStream(
  src: ArchiveSource,
  format: ArchiveFormat,
): ReadableStream<Uint8Array> {
  if (format === 'zip') return zipStream(src);
  return tarStream(src).pipeThrough(new CompressionStream('gzip')) as ReadableStream<Uint8Array>;
}
