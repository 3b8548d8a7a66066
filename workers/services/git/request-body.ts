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
