/**
 * Archiving a finished run's log to R2 and reading it back.
 *
 * Layout (immutable once written): `runs/<id>/log.ndjson` (every record line, newline-ended),
 * `runs/<id>/steps/<step_id>.log` (a step's plain-text output) and, written last,
 * `runs/<id>/index.json` — its presence means the archive is complete. Objects are streamed
 * into R2 with a known length (FixedLengthStream), so a large log never sits in memory whole.
 *
 * The index holds where every 1,000th record starts in the log (`line_offsets`), so a reader
 * resuming after record n (a poller, a reconnecting viewer) fetches the log from a byte range
 * near n instead of from the start, and a reader that has what it wants stops reading. Indexes
 * written before the offsets existed lack them; such logs are read from the start.
 */
import { lineHead } from './run-log-format';
import type { RunLogStore } from './run-log-store';

export interface ArchiveIndex {
  run_id: string;
  last_id: number;
  log_bytes: number;
  steps: Record<string, number>;
  archived_at: string;
  /** `[record id, byte offset]` of every LINE_STRIDE-th record, in order. */
  line_offsets?: [number, number][];
}

/** Records between two entries of `line_offsets`. */
export const LINE_STRIDE = 1000;

export const archiveKeys = (runId: string) => ({
  log: `runs/${runId}/log.ndjson`,
  index: `runs/${runId}/index.json`,
  step: (stepId: string) => `runs/${runId}/steps/${stepId}.log`,
});

const PAGE = 2000;
const encoder = new TextEncoder();

async function putStreamed(
  bucket: R2Bucket,
  key: string,
  length: number,
  contentType: string,
  produce: (write: (text: string) => Promise<void>) => Promise<void>,
): Promise<void> {
  const { readable, writable } = new FixedLengthStream(length);
  const put = bucket.put(key, readable, { httpMetadata: { contentType } });
  const writer = writable.getWriter();
  try {
    await produce((text) => writer.write(encoder.encode(text)));
    await writer.close();
  } catch (err) {
    await writer.abort(err).catch(() => undefined);
    await put.catch(() => undefined);
    throw err;
  }
  await put;
}

/** Writes the whole log, each step's text, then the index. Safe to repeat after a failure. */
export async function archiveRun(
  store: RunLogStore,
  bucket: R2Bucket,
  runId: string,
  now: Date,
): Promise<ArchiveIndex> {
  const keys = archiveKeys(runId);
  const logBytes = store.logBytes();
  await putStreamed(bucket, keys.log, logBytes, 'application/x-ndjson', async (write) => {
    for (let after = 0; ;) {
      const page = store.recordsAfter(after, PAGE);
      if (page.length === 0) break;
      await write(page.map((r) => r.line + '\n').join(''));
      after = page[page.length - 1]?.id ?? after;
    }
  });
  const steps: Record<string, number> = {};
  for (const { step_id, n } of store.stepTextBytes()) {
    steps[step_id] = n;
    await putStreamed(bucket, keys.step(step_id), n, 'text/plain; charset=utf-8', async (write) => {
      for (let after = 0; ;) {
        const page = store.stepText(step_id, after, PAGE);
        if (page.length === 0) break;
        await write(page.map((r) => r.text).join(''));
        after = page[page.length - 1]?.id ?? after;
      }
    });
  }
  const index: ArchiveIndex = {
    run_id: runId,
    last_id: store.lastId,
    log_bytes: logBytes,
    steps,
    archived_at: now.toISOString(),
    line_offsets: store.lineOffsets(LINE_STRIDE),
  };
  await bucket.put(keys.index, JSON.stringify(index), {
    httpMetadata: { contentType: 'application/json' },
  });
  return index;
}

export async function readArchiveIndex(
  bucket: R2Bucket,
  runId: string,
): Promise<ArchiveIndex | undefined> {
  const obj = await bucket.get(archiveKeys(runId).index);
  return obj ? ((await obj.json()) as ArchiveIndex) : undefined;
}

/** The byte offset to read from to find every record after `after` (0 without offsets). */
export function startOffset(index: ArchiveIndex | undefined, after: number): number {
  const offsets = index?.line_offsets;
  if (!offsets || offsets.length === 0) return 0;
  // The last entry whose record is at or before after + 1.
  let lo = 0;
  let hi = offsets.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [id, off] = offsets[mid] as [number, number];
    if (id <= after + 1) {
      found = off;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/**
 * Calls `onLine` for each archived record line with id > after, in order, until it returns
 * `false`. Lines are split from the object's byte stream as it arrives; with the index's line
 * offsets (pass the index when the caller has it) the read starts near `after`.
 */
export async function readArchivedLines(
  bucket: R2Bucket,
  runId: string,
  after: number,
  onLine: (id: number, event: string, line: string) => Promise<void | boolean> | void | boolean,
  index?: ArchiveIndex,
): Promise<boolean> {
  const offset = startOffset(index, after);
  const obj = await bucket.get(
    archiveKeys(runId).log,
    offset > 0 ? { range: { offset } } : undefined,
  );
  if (!obj) return false;
  const reader = obj.body.pipeThrough(new TextDecoderStream()).getReader();
  let rest = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      const lines = (rest + (value ?? '')).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const head = lineHead(line);
        if (head && head.id > after && (await onLine(head.id, head.event, line)) === false) {
          return true;
        }
      }
      if (done) break;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return true;
}
