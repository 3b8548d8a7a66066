/**
 * Reading git request bodies: undoes `Content-Encoding: gzip` (git gzips larger upload-pack
 * requests) and enforces a byte limit while streaming, so an oversized body fails early with a
 * clear error instead of filling memory.
 */
import { AppError } from '../../../common/errors';
import { concatBytes } from '../../../common/git/bytes';

/** Returns the body stream, decompressed when the client gzipped it. */
export function decodedBody(req: Request): ReadableStream<Uint8Array> {
  const body = req.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() });
  const enc = (req.headers.get('content-encoding') ?? '').toLowerCase();
  if (enc === 'gzip' || enc === 'x-gzip') {
    return body.pipeThrough(new DecompressionStream('gzip')) as ReadableStream<Uint8Array>;
  }
  if (enc !== '' && enc !== 'identity')
    throw AppError.invalid(`unsupported Content-Encoding ${enc}`);
  return body;
}

/**
 * The body's bytes in chunks of at least `min` bytes (the last may be shorter). workerd hands a
 * request body over in pieces of 4 KiB; a push of 100 MiB would be 25,000 awaited reads, each
 * also cutting pack entries in two. A BYOB reader asking for `min` bytes at a time lets the
 * runtime gather them natively. Streams that are not byte streams are read as they come.
 */
export async function* bodyChunks(
  stream: ReadableStream<Uint8Array>,
  min = 256 * 1024,
): AsyncGenerator<Uint8Array> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: 'byob' });
  } catch {
    yield* stream;
    return;
  }
  // `readAtLeast` is workerd's; elsewhere (Node) a plain BYOB read, whatever size comes.
  const read =
    typeof reader.readAtLeast === 'function'
      ? (view: Uint8Array) => reader.readAtLeast(min, view)
      : (view: Uint8Array) => reader.read(view);
  try {
    for (;;) {
      // A fresh buffer per read: callers may keep views of what they were given.
      const { value, done } = await read(new Uint8Array(min));
      if (value && value.length > 0) yield value;
      if (done) return;
    }
  } finally {
    reader.releaseLock();
  }
}

/** Reads a whole (small) body, failing past `limit` bytes. */
export async function readLimited(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (err) {
      // The only way a request body fails to read here is its encoding (a corrupt or truncated
      // gzip stream): the client's fault, not ours.
      throw new AppError('invalid', 'The request body could not be decoded (corrupt gzip?)', {
        code: 'body_undecodable',
        cause: err,
      });
    }
    const { value, done } = chunk;
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel().catch(() => undefined);
      throw AppError.tooLarge(`request body exceeds ${limit} bytes`);
    }
    parts.push(value);
  }
  return concatBytes(parts);
}

/** Reads and discards the rest of a body, up to `limit` bytes; never throws. */
export async function drainBody(source: AsyncIterator<Uint8Array>, limit: number): Promise<void> {
  let total = 0;
  try {
    while (total <= limit) {
      const r = await source.next();
      if (r.done) return;
      total += r.value.length;
    }
  } catch {
    // A broken body is as good as a drained one.
  }
}
